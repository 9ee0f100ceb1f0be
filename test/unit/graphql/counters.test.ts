/**
 * `X_counter` subscriptions (docs/protocol.md, "Counters") over the real addressbook contract and a
 * real SQLite store: the count at once, again when appends and deletes change it, filtered on
 * counter fields only; refused without the rights and for a filter on another field.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecutionResult } from 'graphql';
import { subscribeMembership } from '../../../src/graphql/index.js';
import { ANONYMOUS, OWNER, codes, openMembership, plain, type Membership } from './membership.js';

const COUNTER = 'subscription ($filter: network_link_filter) { network_links_counter(filter: $filter) }';

function link(n: number, relation: string) {
  return {
    member_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    relation,
    created_timestamp: '2024-01-01T00:00:00Z',
  };
}

function collect(iterator: AsyncIterableIterator<ExecutionResult>): unknown[] {
  const seen: unknown[] = [];
  void (async () => {
    for await (const result of iterator) seen.push(plain(result).data?.['network_links_counter']);
  })();
  return seen;
}

async function settled(seen: unknown[], count: number): Promise<unknown[]> {
  for (let waited = 0; seen.length < count && waited < 2000; waited += 5) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setTimeout(resolve, 30));
  return seen;
}

describe('X_counter subscriptions', () => {
  let m: Membership;
  before(async () => {
    m = await openMembership('addressbook');
  });
  after(() => m.close());

  const append = async (n: number, relation: string) => {
    const result = await m.run(
      OWNER,
      'mutation ($l: network_link_input!) { append_network_links(input: $l) { relation } }',
      { l: link(n, relation) },
    );
    assert.equal(result.errors, undefined);
  };

  it('sends the count at once and on every change, filtered on a counter field', async () => {
    await append(1, 'friend');
    const all = await m.subscribe(OWNER, COUNTER);
    const family = await m.subscribe(OWNER, COUNTER, { filter: { relation: { eq: 'family' } } });
    const allSeen = collect(all);
    const familySeen = collect(family);
    await settled(allSeen, 1);
    await append(2, 'family');
    await settled(allSeen, 2); // one change at a time: each count is taken when its event is pulled
    await append(3, 'friend');
    await settled(allSeen, 3);
    await m.run(OWNER, 'mutation { delete_from_network_links(filter: {relation: {eq: "friend"}}) }');
    assert.deepEqual(await settled(allSeen, 4), [1, 2, 3, 1]);
    // The friend appends and deletes do not change the family count: nothing is sent for them.
    assert.deepEqual(await settled(familySeen, 2), [0, 1]);
    await all.return?.();
    await family.return?.();
    assert.equal(m.events.hasSubscribers('network_links'), false, 'return() unsubscribes');
  });

  it('refuses a filter on a field that is not a counter, naming it', async () => {
    const result = await subscribeMembership(m.schema, m.context(OWNER), {
      query: COUNTER,
      variables: { filter: { member_id: { eq: link(1, '').member_id } } },
    });
    assert.ok(!(Symbol.asyncIterator in result));
    assert.deepEqual(codes(plain(result)), ['BYODA_ERR_FILTER']);
    assert.match(
      JSON.stringify(plain(result)),
      /filter\.member_id.*counter fields of network_links \(relation\)/,
    );
  });

  it('refuses a requester without subscribe and read, at subscribe time', async () => {
    const result = await subscribeMembership(m.schema, m.context(ANONYMOUS), { query: COUNTER });
    assert.ok(!(Symbol.asyncIterator in result));
    assert.deepEqual(codes(plain(result)), ['BYODA_ERR_FORBIDDEN']);
  });
});
