/**
 * The firewall's words and its narrower paths: the exact denial reasons a requester reads in a 403
 * (how each kind of requester is described, how several conditions or grantees are listed), scoped
 * tokens (delegates) against their scope, the pod-kept data log, a rule's conditions evaluated for an
 * entity the requester is not, and values whose shape does not match an object field's type.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DATALOG_CLASS,
  classDecision,
  decide,
  deniedField,
  describeRequester,
  podKeptRefusal,
} from '../../../src/firewall/index.js';
import type { Requester } from '../../../src/firewall/index.js';
import { unmetCondition } from '../../../src/firewall/conditions.js';
import {
  ANONYMOUS,
  FRIEND,
  OTHER_APP_ID,
  OWNER,
  REVIEW_APP,
  REVIEW_APP_ID,
  SERVICE,
  UNLINKED,
  app,
  classOf,
  contractDocument,
  member,
  rulesOf,
} from './factories.js';

/** A front end holding a scoped token for reading and updating `notes` and `thing`. */
const DELEGATE: Requester = {
  kind: 'delegate',
  scope: { tokenId: 'token-1', serviceId: 4242, classes: ['notes', 'thing'], actions: ['read', 'update'] },
};

/** `thing` and `other`: the owner may read, update and delete both; `thing.dims.length` only read. */
function scopedDocument(): Record<string, unknown> {
  const ownerAll = { member: { permissions: ['read', 'update', 'delete'] } };
  return contractDocument({
    thing: {
      type: 'object',
      '#accesscontrol': ownerAll,
      properties: {
        name: { type: 'string' },
        dims: {
          type: 'object',
          properties: {
            length: { type: 'number', '#accesscontrol': { member: { permissions: ['read'] } } },
            width: { type: 'number' },
          },
        },
      },
    },
    other: { type: 'object', '#accesscontrol': ownerAll, properties: { name: { type: 'string' } } },
  });
}

describe('firewall reasons and narrow paths', () => {
  describe('describeRequester', () => {
    it('describes every kind of requester without its ids', () => {
      assert.equal(describeRequester(OWNER), 'the owner');
      assert.equal(describeRequester(DELEGATE), 'a front end with a scoped token of the owner');
      assert.equal(describeRequester(SERVICE), 'the service');
      assert.equal(describeRequester(REVIEW_APP), 'an app of the service');
      assert.equal(describeRequester(ANONYMOUS), 'an anonymous client');
    });

    it('describes a member by its links, distance and origin signature', () => {
      assert.equal(
        describeRequester(UNLINKED),
        'a member without a network link (distance 1, no origin signature)',
      );
      assert.equal(
        describeRequester(member({ relations: ['friend', 'family'], distance: 2, signed: true })),
        'a member linked as friend|family (distance 2, signed origin)',
      );
    });

    it('puts the description into the reason a requester outside every grantee reads', () => {
      const rules = rulesOf({ member: { permissions: ['read'] }, service: { permissions: ['read'] } });
      assert.equal(
        decide(rules, 'read', ANONYMOUS).reason,
        '"read" is granted only to member, service, and an anonymous client is none of them',
      );
      assert.equal(
        decide(rulesOf({ service: { permissions: ['read'] } }), 'read', OWNER).reason,
        '"read" is granted only to service, and the owner is none of them',
      );
    });
  });

  describe('unmet conditions', () => {
    it('lists every failed condition, separated by semicolons', () => {
      const rules = rulesOf({
        network: {
          permissions: [
            { permission: 'read', relation: 'family' },
            { permission: 'read', source_signature_required: true },
          ],
        },
      });
      assert.equal(
        decide(rules, 'read', FRIEND).reason,
        'the network rule "read (distance 1, relations family)" needs a link with relation family, not friend; ' +
          'the network rule "read (distance 1, origin signature required)" needs a verified origin signature',
      );
    });

    it('names all of the rule relations and all of the link relations', () => {
      const rules = rulesOf({
        network: { permissions: [{ permission: 'read', relation: ['family', 'colleague'] }] },
      });
      const decision = decide(rules, 'read', member({ relations: ['friend', 'neighbour'] }));
      assert.equal(decision.allowed, false);
      assert.match(decision.reason, /needs a link with relation family\|colleague, not friend\|neighbour$/);
    });

    it('names all of the apps of a rule with several app_ids', () => {
      const rules = rulesOf({
        app: { permissions: [{ permission: 'read', app_ids: [REVIEW_APP_ID, OTHER_APP_ID] }] },
      });
      const decision = decide(rules, 'read', app('0c9e4d2b-7a1f-4b3e-8d6c-2e5f9a7b1c48'));
      assert.equal(decision.allowed, false);
      assert.match(
        decision.reason,
        new RegExp(`is given only to the apps ${REVIEW_APP_ID}\\|${OTHER_APP_ID}$`),
      );
    });

    it('holds a network rule only for a member with a link, whoever calls the check', () => {
      // decide() offers network rules only to linked members; the check holds on its own as well.
      const [permission] = rulesOf({ network: { permissions: ['read'] } }).network ?? [];
      assert.ok(permission);
      assert.equal(unmetCondition('network', permission, UNLINKED), 'needs a network link');
      assert.equal(unmetCondition('network', permission, OWNER), 'needs a network link');
      assert.equal(unmetCondition('network', permission, FRIEND), undefined);
    });

    it('never blocks a delegate of the owner with source_signature_required', () => {
      const cls = classOf(
        contractDocument({
          thing: {
            type: 'object',
            '#accesscontrol': {
              member: { permissions: [{ permission: 'read', source_signature_required: true }] },
            },
            properties: { name: { type: 'string' } },
          },
        }),
        'thing',
      );
      assert.equal(classDecision(cls, 'read', DELEGATE).allowed, true);
      assert.equal(classDecision(cls, 'read', OWNER).allowed, true);
    });
  });

  describe('scoped tokens', () => {
    const doc = scopedDocument();
    const thing = classOf(doc, 'thing');
    const other = classOf(doc, 'other');

    it('lets a delegate do what its scope and the contract both allow', () => {
      assert.equal(classDecision(thing, 'read', DELEGATE).allowed, true);
      assert.equal(classDecision(thing, 'update', DELEGATE).allowed, true);
    });

    it('refuses a class outside the scope, naming the classes it covers', () => {
      const decision = classDecision(other, 'read', DELEGATE);
      assert.equal(decision.allowed, false);
      assert.equal(decision.reason, 'the scoped token covers only the classes notes, thing');
      assert.equal(classDecision(other, 'read', OWNER).allowed, true);
    });

    it('refuses an action outside the scope, naming the actions it grants', () => {
      const decision = classDecision(thing, 'delete', DELEGATE);
      assert.equal(decision.allowed, false);
      assert.equal(decision.reason, 'the scoped token grants only read, update');
      assert.equal(classDecision(thing, 'delete', OWNER).allowed, true);
    });
  });

  describe('the data log', () => {
    const REFUSAL = 'the data log is kept by the pod: only its owner may read it, nobody may write it';
    const logScope: Requester = {
      kind: 'delegate',
      scope: { tokenId: 'token-2', serviceId: 4242, classes: [DATALOG_CLASS], actions: ['read'] },
    };

    it('lets only the owner read it, not even a delegate whose scope names it', () => {
      assert.equal(podKeptRefusal(DATALOG_CLASS, 'read', OWNER), undefined);
      assert.equal(podKeptRefusal(DATALOG_CLASS, 'read', logScope), REFUSAL);
      assert.equal(podKeptRefusal(DATALOG_CLASS, 'read', FRIEND), REFUSAL);
    });

    it('lets nobody write it, the owner included', () => {
      for (const action of ['update', 'append', 'delete'] as const) {
        assert.equal(podKeptRefusal(DATALOG_CLASS, action, OWNER), REFUSAL, action);
      }
      assert.equal(podKeptRefusal('thing', 'update', FRIEND), undefined);
    });
  });

  describe('values that do not match an object field', () => {
    const thing = classOf(scopedDocument(), 'thing');

    it('finds a denied field inside an object value', () => {
      const refusal = deniedField(thing, 'update', { dims: { length: 3 } }, OWNER);
      assert.equal(refusal?.path, 'thing.dims.length');
      assert.equal(deniedField(thing, 'update', { dims: { width: 3 } }, OWNER), undefined);
    });

    it('leaves an array or a string given for an object field to input validation', () => {
      // Not descended: an array's items are not the object, nor is a string's own `length`.
      assert.equal(deniedField(thing, 'update', { dims: [{ length: 3 }] }, OWNER), undefined);
      assert.equal(deniedField(thing, 'update', { dims: 'three metres' }, OWNER), undefined);
    });
  });
});
