/**
 * Open graphql-ws operations per client and per membership (src/pod/routes/graphql/subscription-slots.ts) and
 * the pod's GraphQL settings from start options and the environment (graphql-settings.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isByodaError } from '../../../src/errors/index.js';
import { DEFAULT_ANSWER_BUDGETS } from '../../../src/graphql/index.js';
import { graphqlSettings } from '../../../src/pod/routes/graphql/graphql-settings.js';
import {
  SubscriptionSlots,
  clientKey,
  type SubscriptionSlot,
} from '../../../src/pod/routes/graphql/subscription-slots.js';

function held(slot: SubscriptionSlot | Error): SubscriptionSlot {
  assert.ok(!(slot instanceof Error), slot instanceof Error ? slot.message : '');
  return slot;
}

describe('subscription slots', () => {
  it('refuse a client beyond its limit and give the place back when one is released', () => {
    const slots = new SubscriptionSlots({ perClient: 2, perMembership: 10 });
    const membership = {};
    const first = held(slots.acquire(membership, 'ip:10.0.0.1'));
    held(slots.acquire(membership, 'ip:10.0.0.1'));
    const refused = slots.acquire(membership, 'ip:10.0.0.1');
    assert.ok(isByodaError(refused) && refused.code === 'BYODA_ERR_TOO_MANY_SUBSCRIPTIONS');
    assert.match(refused.message, /this client has 2 subscriptions open/);
    // Another client and another membership are counted apart.
    held(slots.acquire(membership, 'ip:10.0.0.2'));
    held(slots.acquire({}, 'ip:10.0.0.1'));
    first.release();
    first.release(); // idempotent: one release frees one place
    held(slots.acquire(membership, 'ip:10.0.0.1'));
    assert.ok(isByodaError(slots.acquire(membership, 'ip:10.0.0.1')));
  });

  it('refuse anyone beyond the membership’s limit', () => {
    const slots = new SubscriptionSlots({ perClient: 5, perMembership: 3 });
    const membership = {};
    const a = held(slots.acquire(membership, 'a'));
    held(slots.acquire(membership, 'b'));
    held(slots.acquire(membership, 'c'));
    const refused = slots.acquire(membership, 'd');
    assert.ok(isByodaError(refused));
    assert.match(refused.message, /this membership has 3 subscriptions open/);
    a.release();
    held(slots.acquire(membership, 'd'));
  });

  it('count a requester as one client across connections, anonymous ones by address', () => {
    assert.equal(clientKey({ kind: 'owner' }, '1.2.3.4'), 'owner');
    assert.equal(clientKey({ kind: 'anonymous' }, '1.2.3.4'), 'ip:1.2.3.4');
    assert.equal(clientKey({ kind: 'service', serviceId: 7 }, '1.2.3.4'), 'service:7');
    const member = {
      kind: 'member',
      memberId: 'AAAAAAAA-1111-4111-8111-111111111111',
      relations: [],
      distance: 1,
      originSignatureVerified: false,
    } as const;
    assert.equal(clientKey(member, '5.6.7.8'), 'member:aaaaaaaa-1111-4111-8111-111111111111');
  });
});

describe('the pod’s GraphQL settings', () => {
  it('default to the documented budgets and limits', () => {
    const settings = graphqlSettings(undefined, {});
    assert.deepEqual(settings.budgets, DEFAULT_ANSWER_BUDGETS);
    assert.deepEqual(settings.subscriptions, { perClient: 32, perMembership: 1000 });
  });

  it('take the environment, and start options over it', () => {
    const env = {
      BYODA_SUBSCRIPTIONS_PER_CLIENT: '3',
      BYODA_SUBSCRIPTIONS_PER_MEMBERSHIP: '5',
      BYODA_GRAPHQL_BUDGETS: '{"anonymous":{"maxAnswerBytes":1000}}',
    };
    const fromEnv = graphqlSettings(undefined, env);
    assert.deepEqual(fromEnv.subscriptions, { perClient: 3, perMembership: 5 });
    assert.equal(fromEnv.budgets.anonymous.maxAnswerBytes, 1000);
    const given = graphqlSettings(
      { subscriptions: { perClient: 9 }, budgets: { owner: { maxCost: 5 } } },
      env,
    );
    assert.deepEqual(given.subscriptions, { perClient: 9, perMembership: 5 });
    assert.equal(given.budgets.owner.maxCost, 5);
  });

  it('refuse malformed values with BYODA_ERR_CONFIG naming them', () => {
    for (const [env, named] of [
      [{ BYODA_SUBSCRIPTIONS_PER_CLIENT: 'lots' }, /BYODA_SUBSCRIPTIONS_PER_CLIENT/],
      [{ BYODA_SUBSCRIPTIONS_PER_MEMBERSHIP: '0' }, /BYODA_SUBSCRIPTIONS_PER_MEMBERSHIP/],
      [{ BYODA_GRAPHQL_BUDGETS: '[1' }, /BYODA_GRAPHQL_BUDGETS/],
    ] as const) {
      assert.throws(
        () => graphqlSettings(undefined, env),
        (err: unknown) => isByodaError(err) && err.code === 'BYODA_ERR_CONFIG' && named.test(err.message),
      );
    }
  });
});
