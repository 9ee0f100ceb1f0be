/**
 * The prepared-operation cache (src/graphql/operation-cache.ts): a document is validated once per
 * schema and rule set; a new schema (a contract upgrade) starts empty; the cache is bounded; and
 * nothing that depends on the request (the cost with its variables) is taken from it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DocumentNode, GraphQLError } from 'graphql';
import { parseContract } from '../../../src/contract/index.js';
import type { Requester } from '../../../src/firewall/index.js';
import {
  PreparedOperationCache,
  buildMembershipSchema,
  prepareMembershipOperation,
} from '../../../src/graphql/index.js';
import type { MembershipContext } from '../../../src/graphql/index.js';
import { openSqliteStore } from '../../../src/storage/index.js';
import { MembershipEvents } from '../../../src/graphql/index.js';
import { smallContractDocument } from '../../fixtures/contracts.js';
import { ANONYMOUS, OWNER, openMembership, type Membership } from './membership.js';

type Outcome = ReturnType<typeof prepareMembershipOperation>;

function documentOf(outcome: Outcome): DocumentNode {
  assert.ok(!Array.isArray(outcome) && 'document' in outcome, JSON.stringify(outcome));
  return outcome.document;
}

function codesOf(outcome: Outcome): unknown[] {
  return Array.isArray(outcome) ? (outcome as GraphQLError[]).map((e) => e.extensions['code']) : [];
}

describe('the prepared-operation cache', () => {
  let m: Membership;
  before(async () => {
    m = await openMembership();
  });
  after(() => m.close());

  const query = '{ public_assets_connection { edges { node { asset_id } } } }';

  it('hands out the document it validated before, for the same schema, rules and text', () => {
    const cache = new PreparedOperationCache();
    const first = documentOf(
      prepareMembershipOperation(m.schema, m.context(ANONYMOUS), { query }, { cache }),
    );
    const again = documentOf(
      prepareMembershipOperation(m.schema, m.context(ANONYMOUS), { query }, { cache }),
    );
    assert.equal(again, first, 'not parsed and validated afresh');
    assert.equal(cache.size(m.schema), 1);
    // Without a cache every request is validated on its own.
    const fresh = documentOf(
      prepareMembershipOperation(m.schema, m.context(ANONYMOUS), { query }, { cache: false }),
    );
    assert.notEqual(fresh, first);
  });

  it('keeps the owner’s and everyone else’s validation apart (introspection is owner-only)', () => {
    const cache = new PreparedOperationCache();
    const introspection = { query: '{ __schema { queryType { name } } }' };
    documentOf(prepareMembershipOperation(m.schema, m.context(OWNER), introspection, { cache }));
    for (const requester of [ANONYMOUS, { kind: 'service', serviceId: 1 } as Requester]) {
      const refused = prepareMembershipOperation(m.schema, m.context(requester), introspection, { cache });
      assert.deepEqual(codesOf(refused), ['BYODA_ERR_FORBIDDEN']);
    }
    // And the other way round: a refusal kept for others is not the owner's answer.
    documentOf(prepareMembershipOperation(m.schema, m.context(OWNER), introspection, { cache }));
    assert.equal(cache.size(m.schema), 2);
  });

  it('keeps refusals too, and still judges the cost with each request’s variables', () => {
    const cache = new PreparedOperationCache();
    const bad = { query: '{ nobody }' };
    assert.deepEqual(codesOf(prepareMembershipOperation(m.schema, m.context(OWNER), bad, { cache })), [
      'BYODA_ERR_BAD_REQUEST',
    ]);
    assert.deepEqual(codesOf(prepareMembershipOperation(m.schema, m.context(OWNER), bad, { cache })), [
      'BYODA_ERR_BAD_REQUEST',
    ]);
    const paged = Array.from(
      { length: 60 },
      (_, i) => `a${i}: public_assets_connection(first: $n) { edges { node { asset_id } } }`,
    );
    const text = `query($n: Int) { ${paged.join(' ')} }`;
    const small = prepareMembershipOperation(
      m.schema,
      m.context(ANONYMOUS),
      { query: text, variables: { n: 1 } },
      { cache },
    );
    documentOf(small);
    const large = prepareMembershipOperation(
      m.schema,
      m.context(ANONYMOUS),
      { query: text, variables: { n: 100 } },
      { cache },
    );
    assert.deepEqual(codesOf(large), ['BYODA_ERR_QUERY_TOO_COSTLY']);
  });

  it('is bounded: the least recently used document goes first, long documents are not kept', () => {
    const cache = new PreparedOperationCache({ maxEntries: 3, maxQueryLength: 200 });
    const texts = ['a', 'b', 'c', 'd'].map((alias) => `{ ${alias}: public_assets_counter }`);
    const prepare = (text: string) =>
      documentOf(prepareMembershipOperation(m.schema, m.context(OWNER), { query: text }, { cache }));
    const a = prepare(texts[0]!);
    prepare(texts[1]!);
    prepare(texts[2]!);
    assert.equal(prepare(texts[0]!), a, 'a was used again, so b is now the oldest');
    prepare(texts[3]!);
    assert.equal(cache.size(m.schema), 3);
    assert.equal(prepare(texts[0]!), a, 'a is still kept');
    const long = `{ ${'x: public_assets_counter '.repeat(1)}${' '.repeat(300)} }`;
    prepare(long);
    assert.equal(cache.size(m.schema), 3, 'a long document is not kept');
  });

  it('bounds the text it keeps', () => {
    const cache = new PreparedOperationCache({ maxTotalLength: 200 });
    for (let i = 0; i < 20; i++) {
      documentOf(
        prepareMembershipOperation(
          m.schema,
          m.context(OWNER),
          { query: `{ a${i}: public_assets_counter }` },
          { cache },
        ),
      );
    }
    assert.ok(cache.size(m.schema) <= 200 / '{ a1: public_assets_counter }'.length);
  });
});

describe('the cache across a contract upgrade', () => {
  it('keeps nothing of the old schema: a document valid before is judged against the new one', async () => {
    const v1Doc = smallContractDocument();
    const v1 = parseContract(v1Doc);
    const v2Doc = smallContractDocument();
    v2Doc['version'] = 2;
    const jsonschema = v2Doc['jsonschema'] as { properties: Record<string, Record<string, unknown>> };
    const person = jsonschema.properties['person'] as { properties: Record<string, Record<string, unknown>> };
    person.properties['age'] = { ...person.properties['age'], '#obsolete': true };
    const v2 = parseContract(v2Doc);
    const cache = new PreparedOperationCache();
    const store = await openSqliteStore(':memory:', v1);
    const events = new MembershipEvents();
    const context = (contract: typeof v1): MembershipContext => ({
      contract,
      store,
      requester: OWNER,
      memberId: '11111111-1111-4111-8111-111111111111',
      events,
    });
    try {
      const query = { query: '{ person { name age } }' };
      const before = buildMembershipSchema(v1);
      documentOf(prepareMembershipOperation(before, context(v1), query, { cache }));
      assert.equal(cache.size(before), 1);
      const upgraded = buildMembershipSchema(v2);
      assert.equal(cache.size(upgraded), 0, 'the new schema starts empty');
      const after = prepareMembershipOperation(upgraded, context(v2), query, { cache });
      assert.deepEqual(codesOf(after), ['BYODA_ERR_BAD_REQUEST'], 'age is no longer served');
      assert.match((after as GraphQLError[])[0]?.message ?? '', /age/);
    } finally {
      events.close();
      await store.close();
    }
  });
});
