/**
 * The byte cap of an answer, counted while it is built (src/graphql/answer-meter.ts): records count
 * as they enter the answer, reads stop once it is over, and the refusal replaces the whole answer;
 * subscription events are capped one by one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  AnswerMeter,
  answerBudgets,
  executeMembershipQuery,
  jsonBytes,
  prepareMembershipOperation,
  subscribeMembership,
} from '../../../src/graphql/index.js';
import type { DataStore } from '../../../src/storage/index.js';
import { ANONYMOUS, OWNER, codes, openMembership, plain, type Membership } from './membership.js';

const BIG = 900 * 1024;

function asset(contents: string): Record<string, unknown> {
  return {
    created_timestamp: new Date().toISOString(),
    asset_id: randomUUID(),
    asset_type: 'text',
    contents,
  };
}

const APPEND = 'mutation($a: asset_input!) { append_public_assets(input: $a) { asset_id } }';

function aliases(n: number, field: string): string {
  return `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
}

/** The store, counting the pages read from it. */
function countingStore(store: DataStore): { store: DataStore; reads: () => number } {
  let reads = 0;
  const counting = Object.create(store) as DataStore;
  counting.query = (className, options) => {
    reads += 1;
    return store.query(className, options);
  };
  return { store: counting, reads: () => reads };
}

describe('the answer meter', () => {
  it('counts bytes as JSON about takes them, multi-byte characters by their UTF-8 length', () => {
    assert.equal(jsonBytes('abc'), 5);
    assert.equal(jsonBytes('é'), 4);
    assert.equal(jsonBytes({ a: [1, true, null] }), 2 + 1 + 4 + (2 + 9 + 6 + 5));
  });

  it('refuses once over its cap, and every charge after, until reset', () => {
    const meter = new AnswerMeter(10, 'a test');
    meter.charge(10);
    assert.throws(() => meter.charge(1), { code: 'BYODA_ERR_ANSWER_TOO_LARGE' });
    assert.ok(meter.tripped);
    assert.throws(() => meter.check(), { code: 'BYODA_ERR_ANSWER_TOO_LARGE' });
    meter.reset();
    meter.charge(5);
    assert.equal(meter.bytes, 5);
  });

  it('makes reads one at a time and skips those after the cap', async () => {
    const meter = new AnswerMeter(100, 'a test');
    const started: number[] = [];
    const read = (n: number) =>
      meter.reading(
        async () => {
          started.push(n);
          await new Promise((resolve) => setImmediate(resolve));
          return n;
        },
        () => 60,
      );
    const results = await Promise.allSettled([read(1), read(2), read(3)]);
    assert.deepEqual(started, [1, 2], 'the third read is not made');
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'rejected'],
    );
  });
});

describe('answers under the byte cap', () => {
  let m: Membership;
  before(async () => {
    m = await openMembership();
    const stored = await m.run(OWNER, APPEND, { a: asset('x'.repeat(BIG)) });
    assert.deepEqual(codes(stored), []);
  });
  after(() => m.close());

  it('serves one large record to an anonymous client', async () => {
    const result = await m.run(ANONYMOUS, '{ public_assets_connection { edges { node { contents } } } }');
    assert.deepEqual(codes(result), []);
    const edges = (result.data?.['public_assets_connection'] as { edges: { node: { contents: string } }[] })
      .edges;
    assert.equal(edges[0]?.node.contents.length, BIG);
  });

  it('refuses 250 aliases of one record each as a whole, having read no more than its cap', async () => {
    const counting = countingStore(m.store);
    const context = { ...m.context(ANONYMOUS), store: counting.store };
    const query = aliases(250, 'public_assets_connection(first: 1) { edges { node { contents } } }');
    const result = plain(await executeMembershipQuery(m.schema, context, { query }));
    assert.equal(result.data, undefined, 'no part of the answer is sent');
    assert.deepEqual(codes(result), ['BYODA_ERR_ANSWER_TOO_LARGE']);
    assert.match(result.errors?.[0]?.message ?? '', /larger than 4194304 bytes/);
    // 4 MiB holds four records of 900 KiB: the fifth read goes over, and no read is made after it.
    assert.equal(counting.reads(), 5);
  });

  it('gives the owner a larger cap', async () => {
    const query = aliases(30, 'public_assets_connection(first: 1) { edges { node { asset_id } } }');
    assert.deepEqual(codes(await m.run(OWNER, query)), []);
    assert.deepEqual(codes(await m.run(ANONYMOUS, query)), ['BYODA_ERR_ANSWER_TOO_LARGE']);
  });

  it('caps each subscription event on its own', async () => {
    const budgets = answerBudgets({ anonymous: { maxAnswerBytes: 100_000 } });
    const events = await subscribeMembership(
      m.schema,
      m.context(ANONYMOUS),
      { query: 'subscription { public_assets_updates { action node { contents } } }' },
      { budgets },
    );
    assert.ok(Symbol.asyncIterator in events);
    try {
      const first = events.next();
      assert.deepEqual(codes(await m.run(OWNER, APPEND, { a: asset('y'.repeat(BIG)) })), []);
      const large = plain((await first).value as never);
      assert.deepEqual(codes(large), ['BYODA_ERR_ANSWER_TOO_LARGE']);
      assert.equal(large.data, undefined);
      const second = events.next();
      assert.deepEqual(codes(await m.run(OWNER, APPEND, { a: asset('small') })), []);
      const small = plain((await second).value as never);
      assert.deepEqual(small, {
        data: { public_assets_updates: { action: 'append', node: { contents: 'small' } } },
      });
    } finally {
      await events.return?.();
    }
  });
});

describe('the context of a prepared operation', () => {
  let m: Membership;
  before(async () => {
    m = await openMembership();
  });
  after(() => m.close());

  const QUERY = '{ public_assets_connection { total_count } }';

  it('is a copy with its own meter, the caller’s fields kept', () => {
    const context = m.context(OWNER);
    const prepared = prepareMembershipOperation(m.schema, context, { query: QUERY });
    assert.ok(!Array.isArray(prepared) && 'contextValue' in prepared);
    assert.notEqual(prepared.contextValue, context);
    assert.ok(prepared.contextValue.answer instanceof AnswerMeter);
    assert.equal(context.answer, undefined);
    assert.equal(prepared.contextValue.store, context.store);
    assert.equal(prepared.contextValue.requester, OWNER);
  });

  it('keeps a requester that is a getter live (a revoked scoped token turns anonymous mid-operation)', () => {
    let asking = OWNER;
    const context = m.context(OWNER);
    Object.defineProperty(context, 'requester', { get: () => asking, enumerable: true });
    const prepared = prepareMembershipOperation(m.schema, context, { query: QUERY });
    assert.ok(!Array.isArray(prepared) && 'contextValue' in prepared);
    assert.equal(prepared.contextValue.requester, OWNER);
    asking = ANONYMOUS;
    assert.equal(prepared.contextValue.requester, ANONYMOUS);
  });
});
