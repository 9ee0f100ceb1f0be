/**
 * A generated access matrix over the real addressbook contract: for every class (and every field of
 * `person` and `member`), every action and a set of typical requesters, the firewall's decision must
 * equal what a small reference evaluator finds in the raw JSON. The reference reads `#accesscontrol`
 * straight from the document, with its own inheritance (per entity: an entity a field's own rules name
 * has exactly those permissions, the others keep the class's) and defaults, so that it shares nothing
 * with the parser or the firewall: a disagreement points to a bug in one of them.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ACTIONS, findClass } from '../../../src/contract/index.js';
import type { Action, Contract, DataClass, Field } from '../../../src/contract/index.js';
import {
  assertWriteAllowed,
  classDecision,
  fieldDecision,
  readableFields,
} from '../../../src/firewall/index.js';
import type { Requester } from '../../../src/firewall/index.js';
import { loadSharedContract, sharedContractPath } from '../../fixtures/contracts.js';
import { ANONYMOUS, OWNER, REVIEW_APP, SERVICE, member } from './factories.js';

type Json = Record<string, unknown>;

const ASKERS: ReadonlyArray<readonly [label: string, requester: Requester]> = [
  ['owner', OWNER],
  ['member without a link', member()],
  ['friend at distance 1, signed', member({ relations: ['friend'], distance: 1, signed: true })],
  ['friend at distance 1, unsigned', member({ relations: ['friend'], distance: 1, signed: false })],
  ['family at distance 2, signed', member({ relations: ['family'], distance: 2, signed: true })],
  ['colleague at distance 1, signed', member({ relations: ['colleague'], distance: 1, signed: true })],
  ['service', SERVICE],
  ['an app of the service', REVIEW_APP],
  ['anonymous', ANONYMOUS],
];

const FIELD_CLASSES = ['person', 'member'];

// ---- the reference evaluator: raw contract JSON in, allowed or not out -------------------------------

/** spec §6 and the documented audiences, written out as a table. */
function referenceAudiences(requester: Requester): readonly string[] {
  if (requester.kind === 'owner') return ['member', 'any_member', 'anonymous'];
  if (requester.kind === 'service') return ['service', 'anonymous'];
  if (requester.kind === 'anonymous') return ['anonymous'];
  if (requester.kind === 'app') return ['app', 'anonymous'];
  if (requester.kind === 'delegate') return ['member', 'any_member', 'anonymous'];
  return requester.relations.length > 0
    ? ['network', 'any_member', 'anonymous']
    : ['any_member', 'anonymous'];
}

function referenceAllows(
  accessControl: unknown,
  obsolete: boolean,
  action: Action,
  requester: Requester,
): boolean {
  if (obsolete || typeof accessControl !== 'object' || accessControl === null) return false;
  return Object.entries(accessControl as Json).some(
    ([entity, grant]) =>
      referenceAudiences(requester).includes(entity) &&
      ((grant as Json).permissions as unknown[]).some((item) =>
        referencePermissionHolds(entity, item, action, requester),
      ),
  );
}

function referencePermissionHolds(
  entity: string,
  item: unknown,
  action: Action,
  requester: Requester,
): boolean {
  const raw: Json = typeof item === 'string' ? { permission: item } : (item as Json);
  if (raw.permission !== action) return false;
  const signed =
    requester.kind === 'owner' || (requester.kind === 'member' && requester.originSignatureVerified);
  if (raw.source_signature_required === true && !signed) return false;
  if (entity === 'app') {
    const named = raw.app_ids as string[] | undefined;
    return named === undefined || (requester.kind === 'app' && named.includes(requester.appId));
  }
  if (entity !== 'network') return true;
  if (requester.kind !== 'member') return false;
  const relations =
    raw.relation === undefined ? undefined : [raw.relation].flat().map((r) => String(r).toLowerCase());
  if (relations && !requester.relations.some((relation) => relations.includes(relation))) return false;
  const distance = typeof raw.distance === 'number' ? raw.distance : 1;
  return requester.distance <= distance;
}

/** A field's effective raw `#accesscontrol`: per entity, the field's own grant if it names the entity. */
function referenceFieldAccess(classAccess: unknown, fieldAccess: unknown): unknown {
  if (fieldAccess === undefined) return classAccess;
  const own = fieldAccess as Json;
  const inherited = (classAccess ?? {}) as Json;
  const entities = new Set([...Object.keys(inherited), ...Object.keys(own)]);
  return Object.fromEntries(
    [...entities].map((entity) => [entity, entity in own ? own[entity] : inherited[entity]]),
  );
}

// ---- the matrix ------------------------------------------------------------------------------------

interface Tally {
  allowed: number;
  denied: number;
}

function count(tallies: Map<string, Tally>, key: string, allowed: boolean): void {
  const tally = tallies.get(key) ?? { allowed: 0, denied: 0 };
  if (allowed) tally.allowed += 1;
  else tally.denied += 1;
  tallies.set(key, tally);
}

function assertBothOutcomes(tallies: Map<string, Tally>, keys: readonly string[]): void {
  for (const key of keys) {
    const tally = tallies.get(key);
    assert.ok(tally && tally.allowed > 0, `some case allows ${key}`);
    assert.ok(tally && tally.denied > 0, `some case denies ${key}`);
  }
}

describe('firewall access matrix of the addressbook contract', () => {
  let contract: Contract;
  let rawClasses: Json;
  const byAsker = new Map<string, Tally>();
  const byAction = new Map<string, Tally>();

  before(async () => {
    contract = await loadSharedContract('addressbook');
    const doc = JSON.parse(await readFile(sharedContractPath('addressbook'), 'utf8')) as Json;
    rawClasses = (doc.jsonschema as Json).properties as Json;
  });

  function classNamed(name: string): DataClass {
    const found = findClass(contract, name);
    assert.ok(found, `class ${name}`);
    return found;
  }

  function fieldNamed(cls: DataClass, name: string): Field {
    const found = cls.fields.find((field) => field.name === name);
    assert.ok(found, `field ${cls.name}.${name}`);
    return found;
  }

  function check(what: string, actual: boolean, expected: boolean, asker: string, action: Action): void {
    assert.equal(actual, expected, `${action} ${what} by ${asker}`);
    count(byAsker, asker, actual);
    count(byAction, action, actual);
  }

  it('decides every class as the reference does, for every action and requester', () => {
    assert.deepEqual(
      contract.classes.map((cls) => cls.name),
      Object.keys(rawClasses),
    );
    let cases = 0;
    for (const cls of contract.classes) {
      const raw = rawClasses[cls.name] as Json;
      for (const action of ACTIONS) {
        for (const [label, requester] of ASKERS) {
          const reference = referenceAllows(
            raw['#accesscontrol'],
            raw['#obsolete'] === true,
            action,
            requester,
          );
          // The pod fills `datalogs` itself (docs/protocol.md, "The owner's data log"): of what the
          // contract grants there, only the owner's read is left.
          const expected =
            cls.name === 'datalogs'
              ? reference && action === 'read' && requester.kind === 'owner'
              : reference;
          check(cls.name, classDecision(cls, action, requester).allowed, expected, label, action);
          cases += 1;
        }
      }
    }
    assert.equal(cases, contract.classes.length * ACTIONS.length * ASKERS.length);
  });

  it('decides every field of person and member as the reference does', () => {
    for (const className of FIELD_CLASSES) {
      const cls = classNamed(className);
      const raw = rawClasses[className] as Json;
      const rawFields = raw.properties as Json;
      assert.deepEqual(
        cls.fields.map((field) => field.name),
        Object.keys(rawFields),
      );
      for (const field of cls.fields) {
        const rawField = rawFields[field.name] as Json;
        // Inheritance, independently: per entity, the field's own #accesscontrol, else its class's.
        const accessControl = referenceFieldAccess(raw['#accesscontrol'], rawField['#accesscontrol']);
        const obsolete = rawField['#obsolete'] === true;
        for (const action of ACTIONS) {
          for (const [label, requester] of ASKERS) {
            const expected = referenceAllows(accessControl, obsolete, action, requester);
            check(
              `${className}.${field.name}`,
              fieldDecision(field, action, requester).allowed,
              expected,
              label,
              action,
            );
          }
        }
      }
    }
  });

  it('gives each requester the readable fields of person and member that the reference gives', () => {
    for (const className of FIELD_CLASSES) {
      const raw = rawClasses[className] as Json;
      const rawFields = raw.properties as Json;
      for (const [label, requester] of ASKERS) {
        const classReadable = referenceAllows(raw['#accesscontrol'], false, 'read', requester);
        const expected = Object.entries(rawFields)
          .filter(([, value]) => {
            const rawField = value as Json;
            const accessControl = referenceFieldAccess(raw['#accesscontrol'], rawField['#accesscontrol']);
            return (
              classReadable &&
              referenceAllows(accessControl, rawField['#obsolete'] === true, 'read', requester)
            );
          })
          .map(([name]) => name);
        const actual = readableFields(classNamed(className), requester).map((field) => field.name);
        assert.deepEqual(actual, expected, `${className} readable by ${label}`);
      }
    }
  });

  // Counts the cases of the two matrix tests above (node:test runs a suite's tests in order), so that
  // neither matrix can pass by being all-allowed or all-denied for some requester or action.
  it('has both allowed and denied cases for every requester and every action', () => {
    assertBothOutcomes(
      byAsker,
      ASKERS.map(([label]) => label),
    );
    assertBothOutcomes(byAction, ACTIONS);
  });

  describe('spot checks that read as the contract does', () => {
    const FRIEND_SIGNED = member({ relations: ['friend'], signed: true });

    it('lets a signed friend at distance 1 read person, but not an unsigned one', () => {
      assert.equal(classDecision(classNamed('person'), 'read', FRIEND_SIGNED).allowed, true);
      assert.equal(
        classDecision(classNamed('person'), 'read', member({ relations: ['friend'] })).allowed,
        false,
      );
    });

    it('lets signed family read network_assets up to distance 3, not 4', () => {
      const cls = classNamed('network_assets');
      assert.equal(
        classDecision(cls, 'read', member({ relations: ['family'], distance: 3, signed: true })).allowed,
        true,
      );
      assert.equal(
        classDecision(cls, 'read', member({ relations: ['family'], distance: 4, signed: true })).allowed,
        false,
      );
    });

    it('lets the owner read and update person.email, its own rules naming only the service', () => {
      const person = classNamed('person');
      const email = fieldNamed(person, 'email');
      assert.equal(fieldDecision(email, 'read', OWNER).allowed, true);
      assert.equal(fieldDecision(email, 'update', OWNER).allowed, true);
      assert.equal(fieldDecision(email, 'delete', OWNER).allowed, true);
      assert.equal(fieldDecision(email, 'search', OWNER).allowed, false);
      assert.ok(readableFields(person, OWNER).includes(email));
      assertWriteAllowed(person, 'update', { email: 'ann@example.org', given_name: 'Ann' }, OWNER);
    });

    it('lets the service search person.email but not read it, while it reads person.given_name', () => {
      const person = classNamed('person');
      const email = fieldNamed(person, 'email');
      const given = fieldNamed(person, 'given_name');
      assert.equal(fieldDecision(email, 'search', SERVICE).allowed, true);
      assert.equal(fieldDecision(email, 'read', SERVICE).allowed, false);
      assert.equal(fieldDecision(given, 'read', SERVICE).allowed, true);
      assert.equal(fieldDecision(given, 'search', SERVICE).allowed, false);
      const readable = readableFields(person, SERVICE).map((field) => field.name);
      assert.ok(readable.includes('given_name'));
      assert.ok(!readable.includes('email'));
    });

    it('lets a signed friend read person.email, which its own rules do not take from the network', () => {
      const email = fieldNamed(classNamed('person'), 'email');
      assert.equal(fieldDecision(email, 'read', FRIEND_SIGNED).allowed, true);
      assert.equal(fieldDecision(email, 'search', FRIEND_SIGNED).allowed, false);
    });

    it('lets the owner read and update member.member_id, and the service and any member persist it', () => {
      const memberId = fieldNamed(classNamed('member'), 'member_id');
      assert.equal(fieldDecision(memberId, 'read', OWNER).allowed, true);
      assert.equal(fieldDecision(memberId, 'update', OWNER).allowed, true);
      assert.equal(fieldDecision(memberId, 'persist', SERVICE).allowed, true);
      assert.equal(fieldDecision(memberId, 'persist', member()).allowed, true);
      assert.equal(fieldDecision(memberId, 'read', SERVICE).allowed, false);
      assert.equal(fieldDecision(memberId, 'read', member()).allowed, false);
    });

    it('lets anonymous clients read and subscribe to channels', () => {
      assert.equal(classDecision(classNamed('channels'), 'read', ANONYMOUS).allowed, true);
      assert.equal(classDecision(classNamed('channels'), 'subscribe', ANONYMOUS).allowed, true);
      assert.equal(classDecision(classNamed('channels'), 'append', ANONYMOUS).allowed, false);
    });
  });
});
