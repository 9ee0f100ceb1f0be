import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByodaError } from '../../../src/errors/index.js';
import {
  assertAllowed,
  assertWriteAllowed,
  classDecision,
  fieldDecision,
  readableFields,
} from '../../../src/firewall/index.js';
import type { Requester } from '../../../src/firewall/index.js';
import type { DataClass } from '../../../src/contract/index.js';
import {
  ANONYMOUS,
  FRIEND,
  OWNER,
  SERVICE,
  UNLINKED,
  classOf,
  contractDocument,
  fieldAt,
  member,
} from './factories.js';

/** Own rules naming only the owner: its permissions are replaced, the other entities keep theirs. */
const ownerPermissions = (...permissions: string[]): unknown => ({ member: { permissions } });

/**
 * Own rules are merged per entity over the inherited ones (an entity they name gets exactly those
 * permissions, the others keep the class's). `profile` (object class): the owner reads and updates,
 * friends read. `secret` only the owner may read (nobody update; `network` is named with nothing),
 * `email` adds the service's search and keeps the owner's and friends' access, `old` is obsolete;
 * `address.geo` has its own owner rules below an inheriting `address` (friends keep their read), and
 * `tags` items have a `note` with own owner rules.
 * `notes` (array class): the owner reads, appends, deletes; any member appends, but not `pinned`.
 */
function firewallDocument(): Record<string, unknown> {
  return contractDocument(
    {
      profile: {
        type: 'object',
        '#accesscontrol': {
          member: { permissions: ['read', 'update'] },
          network: { permissions: [{ permission: 'read', relation: 'friend' }] },
        },
        properties: {
          name: { type: 'string' },
          secret: {
            type: 'string',
            '#accesscontrol': { member: { permissions: ['read'] }, network: { permissions: [] } },
          },
          email: {
            type: 'string',
            '#accesscontrol': { service: { permissions: [{ permission: 'search' }] } },
          },
          old: { type: 'string', '#obsolete': true },
          address: {
            type: 'object',
            properties: {
              city: { type: 'string' },
              geo: {
                type: 'object',
                '#accesscontrol': ownerPermissions('read'),
                properties: { lat: { type: 'number' } },
              },
            },
          },
          tags: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                label: { type: 'string' },
                note: { type: 'string', '#accesscontrol': ownerPermissions('read') },
              },
            },
          },
        },
      },
      notes: {
        type: 'array',
        '#accesscontrol': {
          member: { permissions: ['read', 'append', 'delete'] },
          any_member: { permissions: ['append'] },
        },
        items: { $ref: '#/$defs/note' },
      },
      retired: {
        type: 'object',
        '#obsolete': true,
        '#accesscontrol': { anonymous: { permissions: ['read'] } },
        properties: { x: { type: 'string' } },
      },
    },
    {
      note: {
        type: 'object',
        properties: {
          text: { type: 'string' },
          pinned: { type: 'boolean', '#accesscontrol': { any_member: { permissions: [] } } },
        },
      },
    },
  );
}

const PROFILE: DataClass = classOf(firewallDocument(), 'profile');
const NOTES: DataClass = classOf(firewallDocument(), 'notes');
const RETIRED: DataClass = classOf(firewallDocument(), 'retired');

const names = (cls: DataClass, requester: Requester): string[] =>
  readableFields(cls, requester).map((field) => field.name);

function forbidden(message: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ByodaError);
    assert.equal(err.code, 'BYODA_ERR_FORBIDDEN');
    assert.equal(err.status, 403);
    assert.match(err.message, message);
    return true;
  };
}

describe('firewall', () => {
  describe('classDecision', () => {
    it('uses the class rules, whatever its fields say', () => {
      assert.equal(classDecision(PROFILE, 'read', FRIEND).allowed, true);
      assert.equal(classDecision(PROFILE, 'search', SERVICE).allowed, false);
    });

    it('denies every action on an obsolete class, even what its rules grant', () => {
      const decision = classDecision(RETIRED, 'read', OWNER);
      assert.equal(decision.allowed, false);
      assert.match(decision.reason, /obsolete/);
    });
  });

  describe('fieldDecision', () => {
    it('uses the class rules for a field without its own', () => {
      assert.equal(fieldDecision(fieldAt(PROFILE, 'name'), 'read', FRIEND).allowed, true);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'name'), 'update', OWNER).allowed, true);
    });

    it("uses a field's own rules for the entities they name, replacing the class's for those", () => {
      assert.equal(fieldDecision(fieldAt(PROFILE, 'secret'), 'read', OWNER).allowed, true);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'secret'), 'read', FRIEND).allowed, false);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'secret'), 'update', OWNER).allowed, false);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'email'), 'search', SERVICE).allowed, true);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'email'), 'read', SERVICE).allowed, false);
    });

    it("keeps the class's rules for the entities a field's own rules do not name", () => {
      assert.equal(fieldDecision(fieldAt(PROFILE, 'email'), 'read', OWNER).allowed, true);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'email'), 'update', OWNER).allowed, true);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'email'), 'read', FRIEND).allowed, true);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'email'), 'search', OWNER).allowed, false);
      assert.equal(fieldDecision(fieldAt(NOTES, 'pinned'), 'append', OWNER).allowed, true);
      assert.equal(fieldDecision(fieldAt(NOTES, 'pinned'), 'append', UNLINKED).allowed, false);
    });

    it('lets nested fields inherit from their parent field, merging their own rules per entity', () => {
      assert.equal(fieldDecision(fieldAt(PROFILE, 'address.city'), 'read', FRIEND).allowed, true);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'address.city'), 'update', OWNER).allowed, true);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'address.geo'), 'read', OWNER).allowed, true);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'address.geo'), 'update', OWNER).allowed, false);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'address.geo'), 'read', FRIEND).allowed, true);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'address.geo.lat'), 'read', OWNER).allowed, true);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'address.geo.lat'), 'update', OWNER).allowed, false);
      assert.equal(fieldDecision(fieldAt(PROFILE, 'address.geo.lat'), 'read', FRIEND).allowed, true);
      assert.equal(
        fieldDecision(fieldAt(PROFILE, 'address.geo.lat'), 'read', member({ relations: ['colleague'] }))
          .allowed,
        false,
      );
    });

    it('never lets anyone read an obsolete field, the owner included', () => {
      const decision = fieldDecision(fieldAt(PROFILE, 'old'), 'read', OWNER);
      assert.equal(decision.allowed, false);
      assert.match(decision.reason, /obsolete/);
    });
  });

  describe('readableFields', () => {
    it('gives the owner every non-obsolete field whose read it is granted', () => {
      assert.deepEqual(names(PROFILE, OWNER), ['name', 'secret', 'email', 'address', 'tags']);
    });

    it('gives a friend the inherited fields but not those whose own rules take its read away', () => {
      assert.deepEqual(names(PROFILE, FRIEND), ['name', 'email', 'address', 'tags']);
    });

    it('gives nothing to a requester the class does not let read, whatever the fields say', () => {
      assert.deepEqual(names(PROFILE, SERVICE), []);
      assert.deepEqual(names(PROFILE, member({ relations: ['colleague'] })), []);
      assert.deepEqual(names(RETIRED, ANONYMOUS), []);
    });
  });

  describe('assertAllowed', () => {
    it('passes an allowed decision', () => {
      assertAllowed(classDecision(PROFILE, 'read', OWNER), 'profile');
    });

    it('throws BYODA_ERR_FORBIDDEN naming the action, what and why', () => {
      assert.throws(
        () => assertAllowed(classDecision(PROFILE, 'update', ANONYMOUS), 'profile'),
        forbidden(/^not allowed to update profile: "update" is granted only to member, and an anonymous/),
      );
    });

    it('says "access" for a decision built without an action', () => {
      assert.throws(
        () => assertAllowed({ allowed: false, reason: 'no' }, 'x'),
        forbidden(/^not allowed to access x: no$/),
      );
    });
  });

  describe('assertWriteAllowed', () => {
    it('allows a write when the class and every field present allow it', () => {
      assertWriteAllowed(PROFILE, 'update', { name: 'Ann', address: { city: 'Utrecht' } }, OWNER);
      assertWriteAllowed(NOTES, 'append', { text: 'hi' }, UNLINKED);
      assertWriteAllowed(PROFILE, 'update', { email: 'ann@example.org' }, OWNER);
      assertWriteAllowed(NOTES, 'append', { text: 'hi', pinned: true }, OWNER);
    });

    it('checks only the class when there is no input', () => {
      assertWriteAllowed(NOTES, 'delete', undefined, OWNER);
      assert.throws(() => assertWriteAllowed(NOTES, 'delete', undefined, FRIEND), forbidden(/delete notes:/));
    });

    it('denies when the class denies, naming the class', () => {
      assert.throws(
        () => assertWriteAllowed(PROFILE, 'update', { name: 'Eve' }, FRIEND),
        forbidden(/^not allowed to update profile: /),
      );
    });

    it('denies when a field present in the input denies, naming the first such field', () => {
      assert.throws(
        () => assertWriteAllowed(PROFILE, 'update', { name: 'Ann', email: 'a@b', secret: 's' }, OWNER),
        forbidden(/^not allowed to update profile\.secret: /),
      );
      assert.throws(
        () => assertWriteAllowed(NOTES, 'append', { text: 'hi', pinned: true }, UNLINKED),
        forbidden(/^not allowed to append notes\.pinned: /),
      );
    });

    it('counts a field set to null as present', () => {
      assert.throws(
        () => assertWriteAllowed(PROFILE, 'update', { secret: null }, OWNER),
        forbidden(/profile\.secret/),
      );
    });

    it('checks nested fields with their own rules, in objects and in arrays of objects', () => {
      assert.throws(
        () => assertWriteAllowed(PROFILE, 'update', { address: { city: 'x', geo: { lat: 1 } } }, OWNER),
        forbidden(/^not allowed to update profile\.address\.geo: /),
      );
      assert.throws(
        () =>
          assertWriteAllowed(PROFILE, 'update', { tags: [{ label: 'a' }, { label: 'b', note: 'n' }] }, OWNER),
        forbidden(/^not allowed to update profile\.tags\.note: /),
      );
      assertWriteAllowed(PROFILE, 'update', { tags: [{ label: 'a' }], address: null }, OWNER);
    });

    it('denies writing an obsolete field', () => {
      assert.throws(
        () => assertWriteAllowed(PROFILE, 'update', { old: 'x' }, OWNER),
        forbidden(/profile\.old: .*obsolete/),
      );
    });

    it('leaves keys the contract does not know to input validation', () => {
      assertWriteAllowed(PROFILE, 'update', { nickname: 'x' }, OWNER);
    });
  });
});
