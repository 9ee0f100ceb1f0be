/**
 * Small factories for the firewall tests: requesters of every kind, and access rules or classes parsed
 * from small hand-written contracts (through the real parser, so the tests see what pods see).
 */
import assert from 'node:assert/strict';
import { findClass, parseContract } from '../../../src/contract/index.js';
import type { AccessRules, DataClass, Field, FieldType } from '../../../src/contract/index.js';
import type { Requester } from '../../../src/firewall/index.js';

export const OWNER: Requester = { kind: 'owner' };
export const SERVICE: Requester = { kind: 'service', serviceId: 4242 };
export const ANONYMOUS: Requester = { kind: 'anonymous' };

/** Two apps of the service, to tell a rule's named apps (`app_ids`) from the others. */
export const REVIEW_APP_ID = '3f6c2a1e-8b4d-4c7a-9e21-5d0b7f3a9c14';
export const OTHER_APP_ID = 'b1e7d9c3-2a5f-4e68-8c0d-7f4a1b2e6d35';

export function app(appId: string = REVIEW_APP_ID): Requester {
  return { kind: 'app', appId, serviceId: 4242 };
}

export const REVIEW_APP = app(REVIEW_APP_ID);
export const OTHER_APP = app(OTHER_APP_ID);

export interface MemberOptions {
  readonly relations?: readonly string[];
  readonly distance?: number;
  readonly signed?: boolean;
}

/** Another member: by default without a link, asking directly (distance 1), without an origin signature. */
export function member(options: MemberOptions = {}): Requester {
  return {
    kind: 'member',
    memberId: '6a0a1d2c-4f6e-4a35-9a55-3c1b8e2f7d10',
    relations: options.relations ?? [],
    distance: options.distance ?? 1,
    originSignatureVerified: options.signed ?? false,
  };
}

export const UNLINKED = member();
export const FRIEND = member({ relations: ['friend'] });
export const SIGNED_FRIEND = member({ relations: ['friend'], signed: true });

type Json = Record<string, unknown>;

/** A contract document whose `jsonschema.properties` are `classes` (and `$defs` are `defs`). */
export function contractDocument(classes: Json, defs: Json = {}): Json {
  return {
    service_id: 4242,
    version: 1,
    name: 'firewall-test',
    jsonschema: { type: 'object', properties: classes, $defs: defs },
  };
}

/** The effective rules of a one-field object class whose `#accesscontrol` is `accessControl`. */
export function rulesOf(accessControl: unknown): AccessRules {
  const doc = contractDocument({
    thing: { type: 'object', '#accesscontrol': accessControl, properties: { name: { type: 'string' } } },
  });
  return classOf(doc, 'thing').rules;
}

/** Parses `doc` and returns its class `name`. */
export function classOf(doc: Json, name: string): DataClass {
  const found = findClass(parseContract(doc), name);
  assert.ok(found, `class ${name}`);
  return found;
}

/** The field at a dotted path (`address.geo.lat`) below a class, descending through objects and arrays. */
export function fieldAt(cls: DataClass, path: string): Field {
  let fields: readonly Field[] = cls.fields;
  let found: Field | undefined;
  for (const name of path.split('.')) {
    found = fields.find((field) => field.name === name);
    assert.ok(found, `field ${path} of ${cls.name}`);
    fields = subfields(found.type);
  }
  assert.ok(found, `field ${path}`);
  return found;
}

function subfields(type: FieldType): readonly Field[] {
  if (type.kind === 'object') return type.fields;
  if (type.kind === 'array' && type.items.kind === 'object') return type.items.fields;
  return [];
}
