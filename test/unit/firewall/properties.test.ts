/**
 * Properties of `decide` over random small rule sets and random requesters (fast-check):
 * granting more never takes anything away, and what anonymous clients may do, everyone may.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ACTIONS, ENTITIES } from '../../../src/contract/index.js';
import type { AccessRules, Action, Entity, Permission } from '../../../src/contract/index.js';
import { decide, entitiesOf } from '../../../src/firewall/index.js';
import type { Requester } from '../../../src/firewall/index.js';

const RELATIONS = ['friend', 'family', 'colleague', 'follow'];

const actionArb: fc.Arbitrary<Action> = fc.constantFrom(...ACTIONS);
const entityArb: fc.Arbitrary<Entity> = fc.constantFrom(...ENTITIES);
const relationsArb = fc.subarray(RELATIONS, { minLength: 1 });

/** A permission shaped as the parser makes them: network rules (but search) always have a distance. */
function permissionArb(entity: Entity): fc.Arbitrary<Permission> {
  return fc
    .record({
      action: actionArb,
      sourceSignatureRequired: fc.boolean(),
      distance: fc.integer({ min: 1, max: 4 }),
      relations: fc.option(relationsArb, { nil: undefined }),
    })
    .map(({ action, sourceSignatureRequired, distance, relations }) => {
      const linked = entity === 'network' && action !== 'search';
      return {
        action,
        sourceSignatureRequired,
        ...(linked ? { distance } : {}),
        ...(linked && relations ? { relations } : {}),
        ...(action === 'search' ? { match: 'exact' as const, caseSensitive: false } : {}),
      };
    });
}

const grantArb: fc.Arbitrary<readonly [Entity, Permission]> = entityArb.chain((entity) =>
  permissionArb(entity).map((permission) => [entity, permission] as const),
);

function rulesFrom(grants: ReadonlyArray<readonly [Entity, Permission]>): AccessRules {
  const rules: Partial<Record<Entity, Permission[]>> = {};
  for (const [entity, permission] of grants) (rules[entity] ??= []).push(permission);
  return rules;
}

const rulesArb: fc.Arbitrary<AccessRules> = fc.array(grantArb, { maxLength: 6 }).map(rulesFrom);

const requesterArb: fc.Arbitrary<Requester> = fc.oneof(
  fc.constant<Requester>({ kind: 'owner' }),
  fc.constant<Requester>({ kind: 'anonymous' }),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((serviceId): Requester => ({ kind: 'service', serviceId })),
  fc
    .record({
      relations: fc.subarray(RELATIONS),
      distance: fc.integer({ min: 1, max: 5 }),
      originSignatureVerified: fc.boolean(),
    })
    .map((member): Requester => ({ kind: 'member', memberId: 'm', ...member })),
);

/**
 * Rules that often grant to anonymous clients: random rules, half the time with one more anonymous
 * permission, so that the "anonymous implies everyone" property is tested on many allowed cases.
 */
const anonymousLeaningRulesArb: fc.Arbitrary<AccessRules> = fc
  .tuple(fc.array(grantArb, { maxLength: 6 }), fc.option(permissionArb('anonymous'), { nil: undefined }))
  .map(([grants, extra]) => rulesFrom(extra ? [...grants, ['anonymous', extra] as const] : grants));

describe('firewall decide properties', () => {
  it('is monotonic: adding a permission never turns an allow into a deny', () => {
    let allows = 0;
    fc.assert(
      fc.property(rulesArb, grantArb, requesterArb, (rules, [entity, permission], requester) => {
        const wider: AccessRules = { ...rules, [entity]: [...(rules[entity] ?? []), permission] };
        for (const action of ACTIONS) {
          if (!decide(rules, action, requester).allowed) continue;
          allows += 1;
          assert.equal(decide(wider, action, requester).allowed, true, action);
        }
      }),
      { numRuns: 1000 },
    );
    assert.ok(allows > 500, `the property met enough allowed cases (${allows})`);
  });

  it('allows every requester what it allows anonymous clients', () => {
    let allows = 0;
    fc.assert(
      fc.property(anonymousLeaningRulesArb, requesterArb, (rules, requester) => {
        for (const action of ACTIONS) {
          if (!decide(rules, action, { kind: 'anonymous' }).allowed) continue;
          allows += 1;
          assert.equal(decide(rules, action, requester).allowed, true, action);
        }
      }),
      { numRuns: 1000 },
    );
    assert.ok(allows > 300, `the property met enough anonymous-allowed cases (${allows})`);
  });

  it('denies an action that no permission names', () => {
    fc.assert(
      fc.property(rulesArb, actionArb, requesterArb, (rules, action, requester) => {
        const named = Object.values(rules).some((permissions) =>
          permissions.some((p) => p.action === action),
        );
        if (!named) assert.equal(decide(rules, action, requester).allowed, false);
      }),
    );
  });

  it('grants only through a permission for the action, of an entity the requester is', () => {
    fc.assert(
      fc.property(rulesArb, actionArb, requesterArb, (rules, action, requester) => {
        const decision = decide(rules, action, requester);
        if (!decision.allowed) return;
        assert.ok(decision.grant);
        assert.equal(decision.grant.permission.action, action);
        assert.ok(rules[decision.grant.entity]?.includes(decision.grant.permission));
        assert.ok(entitiesOf(requester).includes(decision.grant.entity));
      }),
    );
  });
});
