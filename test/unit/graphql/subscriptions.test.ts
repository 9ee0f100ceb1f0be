import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecutionResult } from 'graphql';
import type { Requester } from '../../../src/firewall/index.js';
import {
  MAX_EVENTS_PER_MUTATION,
  MembershipEvents,
  subscribeMembership,
  type DataEvent,
} from '../../../src/graphql/index.js';
import { ANONYMOUS, OWNER, codes, member, openMembership, plain, type Membership } from './membership.js';

const UPDATES =
  'subscription ($filter: network_link_filter) { network_links_updates(filter: $filter) { action node { member_id relation } } }';

function link(n: number, relation: string) {
  return {
    member_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    relation,
    created_timestamp: '2024-01-01T00:00:00Z',
  };
}

const idOf = (n: number) => link(n, '').member_id;

/** Reads a subscription in the background, so that no event is lost between checks. */
function collect(iterator: AsyncIterableIterator<ExecutionResult>): unknown[] {
  const seen: unknown[] = [];
  void (async () => {
    for await (const result of iterator) seen.push(plain(result).data?.['network_links_updates']);
  })();
  return seen;
}

/** Waits until `seen` has `count` events (failing after a while), then a moment for any extra one. */
async function settled(seen: unknown[], count: number): Promise<unknown[]> {
  for (let waited = 0; seen.length < count && waited < 2000; waited += 5) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  return seen;
}

async function append(m: Membership, n: number, relation: string): Promise<void> {
  const result = await m.run(
    OWNER,
    'mutation ($l: network_link_input!) { append_network_links(input: $l) { relation } }',
    { l: link(n, relation) },
  );
  assert.equal(result.errors, undefined);
}

describe('X_updates subscriptions (spec §7)', () => {
  let m: Membership;
  before(async () => {
    m = await openMembership('addressbook');
  });
  after(async () => {
    await m.close();
  });

  it('gives each append the new record’s cursor, after which later records come', async () => {
    const own = await openMembership('addressbook');
    try {
      const iterator = await own.subscribe(OWNER, 'subscription { network_links_updates { action cursor } }');
      const seen = collect(iterator);
      await append(own, 31, 'friend');
      await append(own, 32, 'family');
      const [first, second] = (await settled(seen, 2)) as { action: string; cursor: string | null }[];
      assert.equal(first?.action, 'append');
      assert.equal(typeof first?.cursor, 'string');
      const after = await own.run(
        OWNER,
        'query ($after: String) { network_links_connection(after: $after) { edges { cursor node { member_id } } } }',
        { after: first?.cursor },
      );
      const edges = (
        after.data?.['network_links_connection'] as { edges: { cursor: string; node: unknown }[] }
      ).edges;
      assert.deepEqual(edges, [{ cursor: second?.cursor, node: { member_id: idOf(32) } }]);
      await iterator.return?.();
    } finally {
      await own.close();
    }
  });

  it('delivers the appends, updates and deletes that match the filter, and not others', async () => {
    const family = await m.subscribe(OWNER, UPDATES, { filter: { relation: { eq: 'family' } } });
    const everything = await m.subscribe(OWNER, UPDATES);
    const familySeen = collect(family);
    const everythingSeen = collect(everything);
    await append(m, 1, 'friend');
    await append(m, 2, 'family');
    await m.run(
      OWNER,
      'mutation { update_network_links(filter: {relation: {eq: "friend"}}, input: {relation: "family"}) }',
    );
    await m.run(OWNER, `mutation { delete_from_network_links(filter: {member_id: {eq: "${idOf(2)}"}}) }`);
    assert.deepEqual(await settled(familySeen, 3), [
      { action: 'append', node: { member_id: idOf(2), relation: 'family' } },
      { action: 'update', node: { member_id: idOf(1), relation: 'family' } },
      { action: 'delete', node: { member_id: idOf(2), relation: 'family' } },
    ]);
    assert.deepEqual(await settled(everythingSeen, 4), [
      { action: 'append', node: { member_id: idOf(1), relation: 'friend' } },
      { action: 'append', node: { member_id: idOf(2), relation: 'family' } },
      { action: 'update', node: { member_id: idOf(1), relation: 'family' } },
      { action: 'delete', node: { member_id: idOf(2), relation: 'family' } },
    ]);
    await family.return?.();
    await everything.return?.();
    assert.equal(m.events.hasSubscribers('network_links'), false, 'return() unsubscribes');
  });

  it('refuses to subscribe without the subscribe right, at subscribe time', async () => {
    for (const requester of [ANONYMOUS, member({ relations: ['friend'] })]) {
      const result = await subscribeMembership(m.schema, m.context(requester), { query: UPDATES });
      assert.ok(!(Symbol.asyncIterator in result));
      assert.deepEqual(codes(plain(result)), ['BYODA_ERR_FORBIDDEN']);
    }
    assert.equal(m.events.hasSubscribers('network_links'), false);
  });

  it('checks read rights again when it delivers an event', async () => {
    let requester: Requester = OWNER;
    const context = {
      ...m.context(OWNER),
      get requester() {
        return requester;
      },
    };
    const result = await subscribeMembership(m.schema, context, { query: UPDATES });
    assert.ok(Symbol.asyncIterator in result);
    const seen = collect(result);
    await append(m, 10, 'friend');
    assert.equal((await settled(seen, 1)).length, 1);
    requester = ANONYMOUS; // e.g. the session lost its rights
    await append(m, 11, 'friend');
    assert.equal((await settled(seen, 1)).length, 1, 'nothing delivered once read is gone');
    await result.return?.();
  });

  it('refuses subscriptions as queries and queries as subscriptions', async () => {
    const asQuery = await m.run(OWNER, UPDATES);
    assert.deepEqual(codes(asQuery), ['BYODA_ERR_BAD_REQUEST']);
    const asSubscription = await subscribeMembership(m.schema, m.context(OWNER), {
      query: '{ network_links_counter }',
    });
    assert.ok(!(Symbol.asyncIterator in asSubscription));
    assert.deepEqual(codes(plain(asSubscription)), ['BYODA_ERR_BAD_REQUEST']);
  });

  it('publishes nothing and collects nothing for a class nobody subscribes to', async () => {
    let published = 0;
    const original = m.events.publish.bind(m.events);
    m.events.publish = (event: DataEvent) => {
      published++;
      original(event);
    };
    try {
      await m.run(OWNER, 'mutation { delete_from_network_links(filter: {}) }');
      assert.equal(published, 0);
    } finally {
      m.events.publish = original;
    }
  });
});

describe('MembershipEvents', () => {
  const event = (n: number): DataEvent => ({ className: 'c', action: 'append', node: { n } });

  it('queues only matching events and delivers only deliverable ones, in order', async () => {
    const events = new MembershipEvents();
    let open = true;
    const iterator = events.subscribe('c', {
      matches: (e) => (e.node?.['n'] as number) % 2 === 0,
      deliverable: () => open,
    });
    events.publish(event(1));
    events.publish(event(2));
    events.publish({ ...event(4), className: 'other' });
    events.publish(event(4));
    assert.deepEqual((await iterator.next()).value, event(2));
    open = false;
    events.publish(event(6));
    open = true;
    events.publish(event(8));
    // 6 was published while delivery was closed, but rights are read when an event is pulled: now.
    assert.deepEqual((await iterator.next()).value, event(4));
    assert.deepEqual((await iterator.next()).value, event(6));
    assert.deepEqual((await iterator.next()).value, event(8));
  });

  it('drops events that are not deliverable when pulled', async () => {
    const events = new MembershipEvents();
    let open = false;
    const iterator = events.subscribe('c', { deliverable: () => open });
    events.publish(event(1));
    const pending = iterator.next(); // pulls 1 while closed: dropped, and the read waits
    open = true;
    events.publish(event(2));
    assert.deepEqual((await pending).value, event(2));
  });

  it('ends a subscriber that falls too far behind with BYODA_ERR_RATE_LIMITED', async () => {
    const events = new MembershipEvents({ maxQueue: 3 });
    const iterator = events.subscribe('c');
    for (let n = 0; n < 4; n++) events.publish(event(n));
    await assert.rejects(iterator.next(), { code: 'BYODA_ERR_RATE_LIMITED' });
    assert.deepEqual(await iterator.next(), { done: true, value: undefined });
    assert.equal(events.hasSubscribers('c'), false);
  });

  it('wakes a waiting reader with done when closed', async () => {
    const events = new MembershipEvents();
    const iterator = events.subscribe('c');
    const pending = iterator.next();
    events.close();
    assert.deepEqual(await pending, { done: true, value: undefined });
  });

  it('stands in one null-node event for the rest when a mutation changes very many records', async () => {
    const m = await openMembership('addressbook');
    try {
      const total = MAX_EVENTS_PER_MUTATION + 5;
      for (let n = 1; n <= total; n++) await m.store.append('network_links', link(n, 'friend'));
      const iterator = m.events.subscribe('network_links');
      const result = await m.run(OWNER, 'mutation { delete_from_network_links(filter: {}) }');
      assert.deepEqual(result.data, { delete_from_network_links: total });
      const received: DataEvent[] = [];
      for (let i = 0; i <= MAX_EVENTS_PER_MUTATION; i++) {
        const next = await iterator.next();
        if (!next.done) received.push(next.value);
      }
      assert.equal(received.length, MAX_EVENTS_PER_MUTATION + 1);
      assert.equal(received.at(-1)?.node, null);
      assert.ok(received.slice(0, -1).every((e) => e.action === 'delete' && e.node !== null));
      await iterator.return?.();
    } finally {
      await m.close();
    }
  });
});
