import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByodaError } from '../../../src/errors/index.js';
import { parseContract } from '../../../src/contract/index.js';
import { smallContractDocument } from '../../fixtures/contracts.js';
import type { ContractDocument } from '../../fixtures/contracts.js';

/** Walks a JSON pointer (unescaped keys) to the parent of its last key. */
function parentOf(doc: ContractDocument, path: string): [Record<string, unknown>, string] {
  const keys = path.split('/').slice(1);
  const last = keys.pop() as string;
  let node: unknown = doc;
  for (const key of keys) node = (node as Record<string, unknown>)[key];
  return [node as Record<string, unknown>, last];
}

function set(doc: ContractDocument, path: string, value: unknown): void {
  const [parent, key] = parentOf(doc, path);
  parent[key] = value;
}

function remove(doc: ContractDocument, path: string): void {
  const [parent, key] = parentOf(doc, path);
  delete parent[key];
}

const PERSON = '/jsonschema/properties/person';
const POSTS = '/jsonschema/properties/posts';
const POST = '/jsonschema/$defs/post';
const ACCESS = `${POSTS}/#accesscontrol`;

/** Replaces the posts class's rules with `{entity: {permissions: [permission]}}`. */
function onePermission(doc: ContractDocument, entity: string, permission: unknown): void {
  set(doc, ACCESS, { [entity]: { permissions: [permission] } });
}

/** An inline object `depth` levels deep: {type: object, properties: {inner: {...}}}. */
function nestedObject(depth: number): unknown {
  const leaf = { type: 'object', properties: { leaf: { type: 'string' } } };
  return depth === 0 ? leaf : { type: 'object', properties: { inner: nestedObject(depth - 1) } };
}

/** $defs t0..t5, each with ten fields referring to the next: a million fields once expanded. */
function expansionBomb(doc: ContractDocument): void {
  for (let level = 0; level < 6; level++) {
    const field = level < 5 ? { $ref: `#/schemas/t${level + 1}` } : { type: 'string' };
    const properties = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, field]));
    set(doc, `/jsonschema/$defs/t${level}`, { type: 'object', properties });
  }
  set(doc, '/jsonschema/properties/bomb', { type: 'array', items: { $ref: '#/schemas/t0' } });
}

interface BadCase {
  readonly name: string;
  /** Edits a fresh copy of the small valid contract; returns a replacement document, if any. */
  readonly change: (doc: ContractDocument) => unknown;
  /** The JSON pointer the error must carry. */
  readonly path: string;
  /** Words the message must contain, besides the path. */
  readonly says: RegExp;
}

const BAD_CONTRACTS: readonly BadCase[] = [
  // top level
  { name: 'a document that is not an object', change: () => [1, 2], path: '', says: /must be a JSON object/ },
  {
    name: 'an unknown top-level key',
    change: (d) => set(d, '/servce_id', 1),
    path: '/servce_id',
    says: /unknown key "servce_id"; allowed here: "service_id"/,
  },
  { name: 'no service_id', change: (d) => remove(d, '/service_id'), path: '', says: /needs "service_id"/ },
  {
    name: 'a negative service_id',
    change: (d) => set(d, '/service_id', -1),
    path: '/service_id',
    says: /whole number from 0 to 4294967295/,
  },
  {
    name: 'a service_id above 2^32 - 1',
    change: (d) => set(d, '/service_id', 2 ** 32),
    path: '/service_id',
    says: /4294967295/,
  },
  {
    name: 'a service_id given as a string',
    change: (d) => set(d, '/service_id', '4242'),
    path: '/service_id',
    says: /not "4242"/,
  },
  {
    name: 'a fractional version',
    change: (d) => set(d, '/version', 1.5),
    path: '/version',
    says: /whole number/,
  },
  { name: 'an empty name', change: (d) => set(d, '/name', ' '), path: '/name', says: /must not be empty/ },
  {
    name: 'a negative max_query_depth',
    change: (d) => set(d, '/max_query_depth', -1),
    path: '/max_query_depth',
    says: /from 0/,
  },
  {
    name: 'cors_origins that is not a list',
    change: (d) => set(d, '/cors_origins', 'x'),
    path: '/cors_origins',
    says: /array of strings/,
  },
  {
    name: 'a cors origin that is not a string',
    change: (d) => set(d, '/cors_origins', [1]),
    path: '/cors_origins/0',
    says: /must be a string/,
  },
  {
    name: 'a website that is not an http URL',
    change: (d) => set(d, '/website', 'ftp://x'),
    path: '/website',
    says: /not an http\(s\) URL/,
  },
  {
    name: 'a support email without @',
    change: (d) => set(d, '/supportemail', 'nobody'),
    path: '/supportemail',
    says: /not an email/,
  },
  {
    name: 'a signature without its signature',
    change: (d) =>
      set(d, '/signatures', {
        service: { certificate: 'c', hash_algorithm: 'SHA256', timestamp: '2024-01-01T00:00:00' },
      }),
    path: '/signatures/service',
    says: /needs "signature"/,
  },
  {
    name: 'an unknown signer',
    change: (d) => set(d, '/signatures', { owner: {} }),
    path: '/signatures/owner',
    says: /"service" or "network"/,
  },
  {
    name: 'a signature with a bad timestamp',
    change: (d) =>
      set(d, '/signatures', {
        network: { certificate: 'c', hash_algorithm: 'SHA256', signature: 'AA==', timestamp: 'yesterday' },
      }),
    path: '/signatures/network/timestamp',
    says: /not an ISO 8601/,
  },
  // listen_relations
  {
    name: 'a listen relation on an object class',
    change: (d) => set(d, '/listen_relations/0/class_name', 'person'),
    path: '/listen_relations/0/class_name',
    says: /object class/,
  },
  {
    name: 'a listen relation without relations',
    change: (d) => set(d, '/listen_relations/0/relations', []),
    path: '/listen_relations/0/relations',
    says: /at least one relation/,
  },
  {
    name: 'a listen relation with an unknown key',
    change: (d) => set(d, '/listen_relations/0/destination', 'x'),
    path: '/listen_relations/0/destination',
    says: /unknown key/,
  },
  {
    name: 'a listen relation into a class of another item type',
    change: (d) => {
      set(d, '/jsonschema/properties/authors', { type: 'array', items: { $ref: '#/schemas/author' } });
      set(d, '/listen_relations/0/destination_class', 'authors');
    },
    path: '/listen_relations/0/destination_class',
    says: /holds "author" items but "posts" holds "post"/,
  },
  // jsonschema
  {
    name: 'a jsonschema without properties',
    change: (d) => remove(d, '/jsonschema/properties'),
    path: '/jsonschema',
    says: /needs "properties"/,
  },
  {
    name: 'an unknown jsonschema key',
    change: (d) => set(d, '/jsonschema/definitions', {}),
    path: '/jsonschema/definitions',
    says: /unknown key/,
  },
  {
    name: 'a jsonschema of type array',
    change: (d) => set(d, '/jsonschema/type', 'array'),
    path: '/jsonschema/type',
    says: /must be "object"/,
  },
  {
    name: 'no data classes',
    change: (d) => set(d, '/jsonschema/properties', {}),
    path: '/jsonschema/properties',
    says: /at least one data class/,
  },
  {
    name: 'a $defs entry that is not an object',
    change: (d) => set(d, '/jsonschema/$defs/junk', 'x'),
    path: '/jsonschema/$defs/junk',
    says: /must be a JSON object/,
  },
  // classes
  {
    name: 'a class of unknown type',
    change: (d) => set(d, `${PERSON}/type`, 'objet'),
    path: `${PERSON}/type`,
    says: /"object" or "type": "array"; not "objet"/,
  },
  {
    name: 'a class without type',
    change: (d) => remove(d, `${PERSON}/type`),
    path: `${PERSON}/type`,
    says: /it has no "type"/,
  },
  {
    name: 'a class name that is not a GraphQL name',
    change: (d) =>
      set(d, '/jsonschema/properties/my-class', { type: 'object', properties: { a: { type: 'string' } } }),
    path: '/jsonschema/properties/my-class',
    says: /not a valid GraphQL name/,
  },
  {
    name: 'a class name starting with __',
    change: (d) =>
      set(d, '/jsonschema/properties/__things', { type: 'object', properties: { a: { type: 'string' } } }),
    path: '/jsonschema/properties/__things',
    says: /reserves for introspection/,
  },
  {
    name: 'a class named like the connection query of another',
    change: (d) =>
      set(d, '/jsonschema/properties/person_connection', {
        type: 'object',
        properties: { a: { type: 'string' } },
      }),
    path: '/jsonschema/properties/person_connection',
    says: /collides with the query "person_connection" generated for class "person"/,
  },
  {
    name: 'a class named like the append mutation of another',
    change: (d) =>
      set(d, '/jsonschema/properties/append_posts', {
        type: 'object',
        properties: { a: { type: 'string' } },
      }),
    path: '/jsonschema/properties/append_posts',
    says: /collides with the mutation "append_posts"/,
  },
  {
    name: 'an object class whose type name is a $defs type',
    change: (d) =>
      set(d, '/jsonschema/properties/post', { type: 'object', properties: { a: { type: 'string' } } }),
    path: '/jsonschema/properties/post',
    says: /type name "post" is already used by the type defined at \/jsonschema\/\$defs\/post/,
  },
  {
    name: 'a class whose name is the input type of another',
    change: (d) =>
      set(d, '/jsonschema/properties/person_input', {
        type: 'object',
        properties: { a: { type: 'string' } },
      }),
    path: '/jsonschema/properties/person_input',
    says: /collides with the type generated from "person"/,
  },
  {
    name: 'a class named like a GraphQL root type',
    change: (d) =>
      set(d, '/jsonschema/properties/Query', { type: 'object', properties: { a: { type: 'string' } } }),
    path: '/jsonschema/properties/Query',
    says: /reserved by the GraphQL schema/,
  },
  {
    name: 'an array class with inline items',
    change: (d) => set(d, `${POSTS}/items`, { type: 'object', properties: {} }),
    path: `${POSTS}/items`,
    says: /must be \{"\$ref": "#\/schemas\/<name>"\} naming a \$defs type/,
  },
  {
    name: 'array class items with an unknown key',
    change: (d) => set(d, `${POSTS}/items/type`, 'object'),
    path: `${POSTS}/items/type`,
    says: /unknown key "type"; allowed here: "\$ref"/,
  },
  {
    name: 'an array class with properties',
    change: (d) => set(d, `${POSTS}/properties`, {}),
    path: `${POSTS}/properties`,
    says: /define "properties" there/,
  },
  {
    name: 'an object class with items',
    change: (d) => set(d, `${PERSON}/items`, {}),
    path: `${PERSON}/items`,
    says: /only to an array class/,
  },
  {
    name: 'a $ref to a missing $defs type',
    change: (d) => set(d, `${POSTS}/items/$ref`, '#/schemas/pots'),
    path: `${POSTS}/items/$ref`,
    says: /"pots", which is not in jsonschema.\$defs; defined: post, author/,
  },
  {
    name: 'a $ref of an unsupported form',
    change: (d) => set(d, `${POSTS}/items/$ref`, 'https://x/post'),
    path: `${POSTS}/items/$ref`,
    says: /unsupported \$ref/,
  },
  {
    name: 'a $defs type that contains itself',
    change: (d) => set(d, '/jsonschema/$defs/author/properties/mentor', { $ref: '#/schemas/author' }),
    path: '/jsonschema/$defs/author/properties/mentor/$ref',
    says: /contains itself \(post -> author -> author\)/,
  },
  {
    name: 'a $defs type with #accesscontrol',
    change: (d) => set(d, `${POST}/#accesscontrol`, ['read']),
    path: `${POST}/#accesscontrol`,
    says: /put it on the class or field/,
  },
  {
    name: 'a $defs type that is an array',
    change: (d) => set(d, `${POST}/type`, 'array'),
    path: `${POST}/type`,
    says: /must be "type": "object"; not "array"/,
  },
  {
    name: 'a field property on a class',
    change: (d) => set(d, `${POSTS}/#properties`, ['counter']),
    path: `${POSTS}/#properties/0`,
    says: /belongs on a field/,
  },
  {
    name: 'an unknown duration unit',
    change: (d) => set(d, `${POSTS}/#properties`, [['cache_only', '3x']]),
    path: `${POSTS}/#properties/0`,
    says: /"3x" is not a duration/,
  },
  {
    name: 'cache_only without a duration',
    change: (d) => set(d, `${POSTS}/#properties`, ['cache_only']),
    path: `${POSTS}/#properties/0`,
    says: /needs a duration/,
  },
  {
    name: 'cache_only given twice',
    change: (d) => set(d, `${POSTS}/#properties`, ['cache_only:1d', ['cache_only', '2d']]),
    path: `${POSTS}/#properties/1`,
    says: /given twice/,
  },
  {
    name: 'a class #obsolete that is not a boolean',
    change: (d) => set(d, `${POSTS}/#obsolete`, 'yes'),
    path: `${POSTS}/#obsolete`,
    says: /true or false/,
  },
  // fields
  {
    name: 'a field of unknown type',
    change: (d) => set(d, `${PERSON}/properties/name/type`, 'text'),
    path: `${PERSON}/properties/name/type`,
    says: /unknown type "text"; types are "string", "integer"/,
  },
  {
    name: 'a field without type',
    change: (d) => remove(d, `${PERSON}/properties/name/type`),
    path: `${PERSON}/properties/name`,
    says: /needs "type"/,
  },
  {
    name: 'a format on an integer',
    change: (d) => set(d, `${PERSON}/properties/age/format`, 'int64'),
    path: `${PERSON}/properties/age/format`,
    says: /applies only to type "string", not "integer"/,
  },
  {
    name: 'an unsupported JSON Schema keyword',
    change: (d) => set(d, `${PERSON}/properties/name/minLength`, 1),
    path: `${PERSON}/properties/name/minLength`,
    says: /unknown key "minLength"/,
  },
  {
    name: 'a misspelt #accesscontrol',
    change: (d) => set(d, `${PERSON}/properties/name/#acesscontrol`, {}),
    path: `${PERSON}/properties/name/#acesscontrol`,
    says: /unknown key/,
  },
  {
    name: 'a field name that is not a GraphQL name',
    change: (d) => set(d, `${PERSON}/properties/first-name`, { type: 'string' }),
    path: `${PERSON}/properties/first-name`,
    says: /field name "first-name"/,
  },
  {
    name: 'an unknown field property',
    change: (d) => set(d, `${PERSON}/properties/name/#properties`, ['unique']),
    path: `${PERSON}/properties/name/#properties/0`,
    says: /unknown field property "unique"/,
  },
  {
    name: 'a class property on a field',
    change: (d) => set(d, `${PERSON}/properties/name/#properties`, ['cache_only:1d']),
    path: `${PERSON}/properties/name/#properties/0`,
    says: /belongs on a class/,
  },
  {
    name: 'a counter on an array field',
    change: (d) => set(d, `${POST}/properties/tags/#properties`, ['counter']),
    path: `${POST}/properties/tags/#properties`,
    says: /applies only to a scalar field/,
  },
  {
    name: 'two primary keys',
    change: (d) => set(d, `${POST}/properties/created/#properties`, ['primary_key']),
    path: `${POST}/properties/created/#properties`,
    says: /second primary_key/,
  },
  {
    name: 'required naming a missing field',
    change: (d) => set(d, `${PERSON}/required`, ['nmae']),
    path: `${PERSON}/required/0`,
    says: /"nmae" is not a field here/,
  },
  {
    name: 'an empty enum',
    change: (d) => set(d, `${POST}/properties/kind/enum`, []),
    path: `${POST}/properties/kind/enum`,
    says: /at least one value/,
  },
  {
    name: 'an enum value of the wrong type',
    change: (d) => set(d, `${POST}/properties/kind/enum`, ['text', 3]),
    path: `${POST}/properties/kind/enum/1`,
    says: /3 is not a value of type "string"/,
  },
  {
    name: 'an array without items',
    change: (d) => remove(d, `${POST}/properties/tags/items`),
    path: `${POST}/properties/tags`,
    says: /needs "items"/,
  },
  {
    name: 'an array of arrays',
    change: (d) => set(d, `${POST}/properties/tags/items`, { type: 'array', items: { type: 'string' } }),
    path: `${POST}/properties/tags/items/type`,
    says: /arrays of arrays/,
  },
  {
    name: 'a $ref field with a type',
    change: (d) => set(d, `${POST}/properties/author/type`, 'object'),
    path: `${POST}/properties/author/type`,
    says: /may not be combined with "\$ref"/,
  },
  {
    name: 'an object field without properties',
    change: (d) => remove(d, `${PERSON}/properties/address/properties/geo/properties`),
    path: `${PERSON}/properties/address/properties/geo`,
    says: /needs "properties"/,
  },
  {
    name: 'an object field with no fields',
    change: (d) => set(d, `${PERSON}/properties/address/properties`, {}),
    path: `${PERSON}/properties/address/properties`,
    says: /at least one field/,
  },
  {
    name: 'rules on array items',
    change: (d) => set(d, `${POST}/properties/tags/items/#accesscontrol`, {}),
    path: `${POST}/properties/tags/items/#accesscontrol`,
    says: /on the array field, not on its items/,
  },
  {
    name: 'a field #obsolete given as a string',
    change: (d) => set(d, `${PERSON}/properties/age/#obsolete`, 'true'),
    path: `${PERSON}/properties/age/#obsolete`,
    says: /true or false, not "true"/,
  },
  {
    name: 'objects nested too deep',
    change: (d) => set(d, `${PERSON}/properties/deep`, nestedObject(20)),
    path: `${PERSON}/properties/deep${'/properties/inner'.repeat(16)}`,
    says: /nested more than 16 deep/,
  },
  {
    name: 'a contract that expands to too many fields',
    change: expansionBomb,
    path: '/jsonschema/$defs/t5',
    says: /expands to more than 50000 fields/,
  },
  // #accesscontrol
  {
    name: 'an unknown entity',
    change: (d) => set(d, ACCESS, { members: { permissions: ['read'] } }),
    path: `${ACCESS}/members`,
    says: /unknown entity "members"; entities are "member", "network", "any_member", "service", "app" or "anonymous"/,
  },
  {
    name: 'an unknown action',
    change: (d) => onePermission(d, 'member', 'write'),
    path: `${ACCESS}/member/permissions/0`,
    says: /unknown action "write"; actions are "read"/,
  },
  {
    name: 'an entity without permissions',
    change: (d) => set(d, ACCESS, { member: {} }),
    path: `${ACCESS}/member`,
    says: /needs "permissions"/,
  },
  {
    name: 'an entity with an unknown key',
    change: (d) => set(d, ACCESS, { member: { permissions: [], actions: [] } }),
    path: `${ACCESS}/member/actions`,
    says: /unknown key "actions"/,
  },
  {
    name: 'distance on the member entity',
    change: (d) => onePermission(d, 'member', { permission: 'read', distance: 2 }),
    path: `${ACCESS}/member/permissions/0/distance`,
    says: /only to the "network" entity, not "member"/,
  },
  {
    name: 'relation on the service entity',
    change: (d) => onePermission(d, 'service', { permission: 'read', relation: 'friend' }),
    path: `${ACCESS}/service/permissions/0/relation`,
    says: /only to the "network" entity/,
  },
  {
    name: 'app_ids on the network entity',
    change: (d) =>
      onePermission(d, 'network', { permission: 'read', app_ids: ['3f6c2a1e-8b4d-4c7a-9e21-5d0b7f3a9c14'] }),
    path: `${ACCESS}/network/permissions/0/app_ids`,
    says: /"app_ids" applies only to the "app" entity, not "network"/,
  },
  {
    name: 'app_ids on the any_member entity',
    change: (d) =>
      onePermission(d, 'any_member', {
        permission: 'read',
        app_ids: ['3f6c2a1e-8b4d-4c7a-9e21-5d0b7f3a9c14'],
      }),
    path: `${ACCESS}/any_member/permissions/0/app_ids`,
    says: /only to the "app" entity, not "any_member"/,
  },
  {
    name: 'an empty app_ids list',
    change: (d) => onePermission(d, 'app', { permission: 'read', app_ids: [] }),
    path: `${ACCESS}/app/permissions/0/app_ids`,
    says: /must name at least one app id \(leave it out to allow any app\)/,
  },
  {
    name: 'app_ids given as one string',
    change: (d) =>
      onePermission(d, 'app', { permission: 'read', app_ids: '3f6c2a1e-8b4d-4c7a-9e21-5d0b7f3a9c14' }),
    path: `${ACCESS}/app/permissions/0/app_ids`,
    says: /must be an array of strings/,
  },
  {
    name: 'an app id that is not a UUID',
    change: (d) => onePermission(d, 'app', { permission: 'read', app_ids: ['review-app'] }),
    path: `${ACCESS}/app/permissions/0/app_ids/0`,
    says: /"review-app" is not a lower-case UUID v4/,
  },
  {
    name: 'an app id in upper case',
    change: (d) =>
      onePermission(d, 'app', {
        permission: 'read',
        app_ids: ['3f6c2a1e-8b4d-4c7a-9e21-5d0b7f3a9c14', '3F6C2A1E-8B4D-4C7A-9E21-5D0B7F3A9C14'],
      }),
    path: `${ACCESS}/app/permissions/0/app_ids/1`,
    says: /is not a lower-case UUID v4/,
  },
  {
    name: 'an app id listed twice',
    change: (d) =>
      onePermission(d, 'app', {
        permission: 'read',
        app_ids: ['3f6c2a1e-8b4d-4c7a-9e21-5d0b7f3a9c14', '3f6c2a1e-8b4d-4c7a-9e21-5d0b7f3a9c14'],
      }),
    path: `${ACCESS}/app/permissions/0/app_ids/1`,
    says: /is listed twice/,
  },
  {
    name: 'an app id that is a number',
    change: (d) => onePermission(d, 'app', { permission: 'read', app_ids: [7] }),
    path: `${ACCESS}/app/permissions/0/app_ids/0`,
    says: /string/,
  },
  {
    name: 'a search permission with distance',
    change: (d) => onePermission(d, 'network', { permission: 'search', distance: 1 }),
    path: `${ACCESS}/network/permissions/0/distance`,
    says: /"search" permission may not have "distance"/,
  },
  {
    name: 'a search permission with relation',
    change: (d) => onePermission(d, 'network', { permission: 'search', relation: ['friend'] }),
    path: `${ACCESS}/network/permissions/0/relation`,
    says: /"search" permission may not have "relation"/,
  },
  {
    name: 'match on a read permission',
    change: (d) => onePermission(d, 'service', { permission: 'read', match: 'exact' }),
    path: `${ACCESS}/service/permissions/0/match`,
    says: /only to a "search" permission/,
  },
  {
    name: 'an unknown match',
    change: (d) => onePermission(d, 'service', { permission: 'search', match: 'fuzzy' }),
    path: `${ACCESS}/service/permissions/0/match`,
    says: /"exact" or "prefix"/,
  },
  {
    name: 'distance 0',
    change: (d) => onePermission(d, 'network', { permission: 'read', distance: 0 }),
    path: `${ACCESS}/network/permissions/0/distance`,
    says: /from 1/,
  },
  {
    name: 'an empty relation list',
    change: (d) => onePermission(d, 'network', { permission: 'read', relation: [] }),
    path: `${ACCESS}/network/permissions/0/relation`,
    says: /at least one relation/,
  },
  {
    name: 'an unknown permission key',
    change: (d) => onePermission(d, 'network', { permission: 'read', ttl: 5 }),
    path: `${ACCESS}/network/permissions/0/ttl`,
    says: /unknown key "ttl"/,
  },
  {
    name: 'a permission object without permission',
    change: (d) => onePermission(d, 'network', { distance: 1 }),
    path: `${ACCESS}/network/permissions/0`,
    says: /needs "permission"/,
  },
  {
    name: 'source_signature_required as a string',
    change: (d) => onePermission(d, 'network', { permission: 'read', source_signature_required: 'yes' }),
    path: `${ACCESS}/network/permissions/0/source_signature_required`,
    says: /true or false/,
  },
  {
    name: 'the same permission twice',
    change: (d) => set(d, ACCESS, { member: { permissions: ['read', 'read'] } }),
    path: `${ACCESS}/member/permissions/1`,
    says: /given twice/,
  },
  {
    name: '#accesscontrol as a string',
    change: (d) => set(d, ACCESS, 'read'),
    path: ACCESS,
    says: /must be an object \{<entity>/,
  },
  {
    name: 'a legacy list with a number',
    change: (d) => set(d, ACCESS, ['read', 7]),
    path: `${ACCESS}/1`,
    says: /must be an action or an object/,
  },
  {
    name: 'a legacy list with an unknown entity',
    change: (d) => set(d, ACCESS, [{ owner: ['read'] }]),
    path: `${ACCESS}/0/owner`,
    says: /unknown entity "owner"/,
  },
  {
    name: 'a legacy list with an unknown action',
    change: (d) => set(d, ACCESS, ['read', 'write']),
    path: `${ACCESS}/1`,
    says: /unknown action "write"/,
  },
];

describe('parseContract refuses invalid contracts with the JSON path of the fault', () => {
  it('has at least 35 distinct cases', () => {
    assert.ok(BAD_CONTRACTS.length >= 35);
    assert.equal(new Set(BAD_CONTRACTS.map((c) => c.name)).size, BAD_CONTRACTS.length);
  });

  it('accepts the unchanged small contract (so each case fails for its own change)', () => {
    assert.doesNotThrow(() => parseContract(smallContractDocument()));
  });

  for (const bad of BAD_CONTRACTS) {
    it(`refuses ${bad.name}`, () => {
      const doc = smallContractDocument();
      const replaced = bad.change(doc);
      assert.throws(
        () => parseContract(replaced === undefined ? doc : replaced),
        (err: unknown) => {
          assert.ok(err instanceof ByodaError, `a ByodaError, got ${String(err)}`);
          assert.equal(err.code, 'BYODA_ERR_CONTRACT_PATH');
          assert.equal(err.path, bad.path);
          assert.ok(err.message.includes(`at ${bad.path || '/'}:`), `message names the path: ${err.message}`);
          assert.match(err.message, bad.says);
          return true;
        },
      );
    });
  }
});
