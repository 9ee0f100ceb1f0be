import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide, entitiesOf } from '../../../src/firewall/index.js';
import type { Requester } from '../../../src/firewall/index.js';
import {
  ANONYMOUS,
  FRIEND,
  OTHER_APP,
  OTHER_APP_ID,
  OWNER,
  REVIEW_APP,
  REVIEW_APP_ID,
  SERVICE,
  SIGNED_FRIEND,
  UNLINKED,
  member,
  rulesOf,
} from './factories.js';

const allows = (
  accessControl: unknown,
  action: Parameters<typeof decide>[1],
  requester: Requester,
): boolean => decide(rulesOf(accessControl), action, requester).allowed;

const NON_OWNERS: readonly Requester[] = [UNLINKED, FRIEND, SIGNED_FRIEND, SERVICE, ANONYMOUS];

describe('firewall', () => {
  describe('entitiesOf', () => {
    it('makes the owner the member entity, and also any_member and anonymous', () => {
      assert.deepEqual(entitiesOf(OWNER), ['member', 'any_member', 'anonymous']);
    });

    it('makes a member without a link any_member and anonymous, not network', () => {
      assert.deepEqual(entitiesOf(UNLINKED), ['any_member', 'anonymous']);
    });

    it('makes a linked member network, any_member and anonymous', () => {
      assert.deepEqual(entitiesOf(FRIEND), ['network', 'any_member', 'anonymous']);
    });

    it('makes the service the service entity and anonymous', () => {
      assert.deepEqual(entitiesOf(SERVICE), ['service', 'anonymous']);
    });

    it('makes an anonymous client anonymous only', () => {
      assert.deepEqual(entitiesOf(ANONYMOUS), ['anonymous']);
    });

    it('makes an app of the service the app entity and anonymous', () => {
      assert.deepEqual(entitiesOf(REVIEW_APP), ['app', 'anonymous']);
    });
  });

  describe('decide', () => {
    describe('without a rule', () => {
      it('denies everyone, the owner included, when there are no rules', () => {
        for (const requester of [OWNER, ...NON_OWNERS]) {
          const decision = decide({}, 'read', requester);
          assert.equal(decision.allowed, false);
          assert.equal(decision.reason, 'no rule grants "read"');
        }
      });

      it('denies an action that no permission names, even when other actions are granted', () => {
        const all = { permissions: ['read', 'update', 'append', 'delete', 'subscribe'] };
        const rules = { member: all, any_member: all, anonymous: all, service: all };
        assert.equal(allows(rules, 'search', OWNER), false);
        assert.equal(allows(rules, 'persist', SERVICE), false);
      });
    });

    describe('member (the owner)', () => {
      const rules = { member: { permissions: ['read', 'update'] } };

      it('allows the owner what member rules grant', () => {
        assert.equal(allows(rules, 'read', OWNER), true);
        assert.equal(allows(rules, 'update', OWNER), true);
        assert.equal(allows(rules, 'delete', OWNER), false);
      });

      it('denies members, the service and anonymous clients what only member rules grant', () => {
        for (const requester of NON_OWNERS) assert.equal(allows(rules, 'read', requester), false);
      });

      it('accepts the legacy list form, which grants to the owner', () => {
        assert.equal(allows(['read'], 'read', OWNER), true);
        assert.equal(allows(['read'], 'read', SIGNED_FRIEND), false);
      });
    });

    describe('any_member', () => {
      const rules = { any_member: { permissions: ['append'] } };

      it('allows any member, linked or not, at any distance', () => {
        for (const requester of [UNLINKED, FRIEND, member({ relations: ['family'], distance: 4 })]) {
          assert.equal(allows(rules, 'append', requester), true);
        }
      });

      it('allows the owner, whose audience it includes', () => {
        assert.equal(allows(rules, 'append', OWNER), true);
      });

      it('denies the service and anonymous clients', () => {
        assert.equal(allows(rules, 'append', SERVICE), false);
        assert.equal(allows(rules, 'append', ANONYMOUS), false);
      });
    });

    describe('anonymous', () => {
      it('allows everyone what anonymous rules grant', () => {
        const rules = { anonymous: { permissions: ['read'] } };
        for (const requester of [OWNER, ...NON_OWNERS]) assert.equal(allows(rules, 'read', requester), true);
      });
    });

    describe('service', () => {
      const rules = { service: { permissions: ['read'] } };

      it('allows the service what service rules grant', () => {
        assert.equal(allows(rules, 'read', SERVICE), true);
      });

      it('denies the owner, members and anonymous clients what only service rules grant', () => {
        for (const requester of [OWNER, UNLINKED, SIGNED_FRIEND, ANONYMOUS]) {
          assert.equal(allows(rules, 'read', requester), false);
        }
      });
    });

    describe('network', () => {
      const friendsAndFamily = {
        network: { permissions: [{ permission: 'read', relation: ['friend', 'family'], distance: 2 }] },
      };

      it('allows network read when the link relation is in the rule', () => {
        assert.equal(allows(friendsAndFamily, 'read', FRIEND), true);
        assert.equal(allows(friendsAndFamily, 'read', member({ relations: ['family'] })), true);
      });

      it('denies network read when the link relation is not in the rule', () => {
        assert.equal(allows(friendsAndFamily, 'read', member({ relations: ['colleague'] })), false);
      });

      it('allows network read when any one of several link relations is in the rule', () => {
        assert.equal(allows(friendsAndFamily, 'read', member({ relations: ['colleague', 'family'] })), true);
      });

      it('matches relations without regard to case', () => {
        const rules = { network: { permissions: [{ permission: 'read', relation: 'Friend' }] } };
        assert.equal(allows(rules, 'read', FRIEND), true);
        assert.equal(allows(rules, 'read', member({ relations: ['FRIEND'] })), true);
      });

      it('allows a link of any relation when the rule names none', () => {
        const rules = { network: { permissions: ['read'] } };
        assert.equal(allows(rules, 'read', member({ relations: ['colleague'] })), true);
      });

      it('denies network rules to a member without a network link', () => {
        assert.equal(allows({ network: { permissions: ['read'] } }, 'read', UNLINKED), false);
      });

      it('denies network rules to the owner, the service and anonymous clients', () => {
        for (const requester of [OWNER, SERVICE, ANONYMOUS]) {
          assert.equal(allows({ network: { permissions: ['read'] } }, 'read', requester), false);
        }
      });

      it('allows network read up to the rule distance and denies it beyond', () => {
        assert.equal(allows(friendsAndFamily, 'read', member({ relations: ['friend'], distance: 2 })), true);
        assert.equal(allows(friendsAndFamily, 'read', member({ relations: ['friend'], distance: 3 })), false);
      });

      it('covers direct links only (distance 1) when the rule gives no distance', () => {
        const rules = { network: { permissions: ['read'] } };
        assert.equal(allows(rules, 'read', member({ relations: ['friend'], distance: 1 })), true);
        assert.equal(allows(rules, 'read', member({ relations: ['friend'], distance: 2 })), false);
      });

      it('denies network read without a verified origin signature when the rule requires one', () => {
        const rules = {
          network: { permissions: [{ permission: 'read', source_signature_required: true }] },
        };
        assert.equal(allows(rules, 'read', FRIEND), false);
        assert.equal(allows(rules, 'read', SIGNED_FRIEND), true);
      });
    });

    describe('app', () => {
      const anyApp = { app: { permissions: ['read'] } };
      const reviewOnly = { app: { permissions: [{ permission: 'read', app_ids: [REVIEW_APP_ID] }] } };

      it('allows every app what an app rule without app_ids grants', () => {
        for (const requester of [REVIEW_APP, OTHER_APP])
          assert.equal(allows(anyApp, 'read', requester), true);
        assert.equal(allows(anyApp, 'update', REVIEW_APP), false);
      });

      it('allows only the named apps what an app rule with app_ids grants, and says why another is refused', () => {
        assert.equal(allows(reviewOnly, 'read', REVIEW_APP), true);
        const other = decide(rulesOf(reviewOnly), 'read', OTHER_APP);
        assert.equal(other.allowed, false);
        assert.equal(
          other.reason,
          `the app rule "read (apps ${REVIEW_APP_ID})" is given only to the apps ${REVIEW_APP_ID}`,
        );
        // The reason names the rule's apps, never the asking app's id.
        assert.doesNotMatch(other.reason, new RegExp(OTHER_APP_ID));
      });

      it('allows an app listed among several named apps', () => {
        const both = {
          app: { permissions: [{ permission: 'read', app_ids: [OTHER_APP_ID, REVIEW_APP_ID] }] },
        };
        assert.equal(allows(both, 'read', REVIEW_APP), true);
        assert.equal(allows(both, 'read', OTHER_APP), true);
      });

      it('denies the owner, members, the service and anonymous clients what only app rules grant', () => {
        for (const rules of [anyApp, reviewOnly]) {
          for (const requester of [OWNER, ...NON_OWNERS]) {
            const decision = decide(rulesOf(rules), 'read', requester);
            assert.equal(decision.allowed, false, JSON.stringify(requester));
            assert.match(decision.reason, /"read" is granted only to app, and .* is none of them/);
          }
        }
      });

      it('gives apps what anonymous rules grant, and no member rights', () => {
        assert.equal(allows({ anonymous: { permissions: ['read'] } }, 'read', OTHER_APP), true);
        const members = { member: { permissions: ['read'] }, any_member: { permissions: ['read'] } };
        assert.equal(allows(members, 'read', REVIEW_APP), false);
        assert.equal(allows({ service: { permissions: ['read'] } }, 'read', REVIEW_APP), false);
      });

      it('holds source_signature_required against apps, which cannot sign an origin', () => {
        const signed = { app: { permissions: [{ permission: 'read', source_signature_required: true }] } };
        const decision = decide(rulesOf(signed), 'read', REVIEW_APP);
        assert.equal(decision.allowed, false);
        assert.match(decision.reason, /needs a verified origin signature, which only a member can give/);
      });
    });

    describe('source_signature_required on other entities', () => {
      const signedOnly = (entity: string): unknown => ({
        [entity]: { permissions: [{ permission: 'read', source_signature_required: true }] },
      });

      it('denies a member without a verified origin signature an any_member or anonymous rule requiring one', () => {
        assert.equal(allows(signedOnly('any_member'), 'read', UNLINKED), false);
        assert.equal(allows(signedOnly('anonymous'), 'read', FRIEND), false);
      });

      it('allows a member with a verified origin signature', () => {
        assert.equal(allows(signedOnly('any_member'), 'read', member({ signed: true })), true);
        assert.equal(allows(signedOnly('anonymous'), 'read', SIGNED_FRIEND), true);
      });

      it('never blocks the owner', () => {
        for (const entity of ['member', 'any_member', 'anonymous']) {
          assert.equal(allows(signedOnly(entity), 'read', OWNER), true, entity);
        }
      });

      it('never grants to the service or anonymous clients, who cannot sign an origin', () => {
        assert.equal(allows(signedOnly('service'), 'read', SERVICE), false);
        assert.equal(allows(signedOnly('anonymous'), 'read', SERVICE), false);
        assert.equal(allows(signedOnly('anonymous'), 'read', ANONYMOUS), false);
      });
    });

    describe('actions', () => {
      it('lets a search permission grant only search', () => {
        const rules = { service: { permissions: [{ permission: 'search', match: 'exact' }] } };
        assert.equal(allows(rules, 'search', SERVICE), true);
        assert.equal(allows(rules, 'read', SERVICE), false);
      });

      it('lets a persist permission grant only persist', () => {
        const rules = { any_member: { permissions: ['persist'] } };
        assert.equal(allows(rules, 'persist', UNLINKED), true);
        assert.equal(allows(rules, 'read', UNLINKED), false);
        assert.equal(allows(rules, 'update', UNLINKED), false);
      });

      it('does not let update, append or delete imply read', () => {
        const rules = { member: { permissions: ['update', 'append', 'delete'] } };
        assert.equal(allows(rules, 'read', OWNER), false);
        assert.equal(allows(rules, 'subscribe', OWNER), false);
      });
    });

    describe('reasons', () => {
      it('names the entity and permission that granted', () => {
        const rules = rulesOf({
          network: { permissions: [{ permission: 'read', relation: 'friend', distance: 2 }] },
          anonymous: { permissions: ['read'] },
        });
        const decision = decide(rules, 'read', FRIEND);
        assert.equal(decision.allowed, true);
        assert.equal(decision.action, 'read');
        assert.equal(decision.grant?.entity, 'network');
        assert.equal(decision.reason, 'granted to network by "read (distance 2, relations friend)"');
      });

      it('names every condition that failed on rules the requester is entitled to', () => {
        const rules = rulesOf({
          network: {
            permissions: [
              { permission: 'read', relation: 'family' },
              { permission: 'read', source_signature_required: true },
            ],
          },
        });
        const decision = decide(rules, 'read', member({ relations: ['friend'], distance: 1 }));
        assert.equal(decision.allowed, false);
        assert.match(decision.reason, /needs a link with relation family, not friend/);
        assert.match(decision.reason, /needs a verified origin signature/);
        const far = decide(rules, 'read', member({ relations: ['family'], distance: 3, signed: true }));
        assert.match(far.reason, /covers distance 1, the request comes from distance 3/);
      });

      it('names the entities an action is granted to when the requester is none of them', () => {
        const decision = decide(rulesOf({ member: { permissions: ['read'] } }), 'read', ANONYMOUS);
        assert.equal(
          decision.reason,
          '"read" is granted only to member, and an anonymous client is none of them',
        );
        assert.equal(decision.grant, undefined);
      });
    });
  });
});
