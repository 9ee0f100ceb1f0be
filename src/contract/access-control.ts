/**
 * `#accesscontrol` (spec §5): who may do what on a class or field.
 *
 * The modern form is `{<entity>: {permissions: [<action> | <permission object>]}}`. The original
 * BYODA's test contracts also use two legacy list forms, which we accept so that those contracts load:
 * `["read"]` (bare actions, granted to the owner entity `member`) and `[{"member": ["read", ...]}]`
 * (entity -> list of permissions).
 */
import { ACTIONS, ENTITIES, SEARCH_MATCHES } from './model.js';
import type { AccessRules, Action, Entity, Permission, SearchMatch } from './model.js';
import { describeValue, invalidAt, oneOf, pointer } from './contract-error.js';
import {
  checkKeys,
  isJsonObject,
  optional,
  readArray,
  readBoolean,
  readInteger,
  readObject,
  readString,
  readStringList,
} from './json-readers.js';
import type { JsonObject } from './json-readers.js';

const PERMISSION_KEYS = [
  'permission',
  'distance',
  'relation',
  'source_signature_required',
  'match',
  'casesensitive',
  'anonimized_responses',
  'app_ids',
] as const;

/** App ids are UUID v4s, lower case (the CN of an app's certificate compares byte for byte). */
const APP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A network rule without `distance` covers direct links only (one hop). */
const DEFAULT_NETWORK_DISTANCE = 1;

/** Permissions collected per entity while reading, before they are frozen into `AccessRules`. */
type RuleBuilder = Map<Entity, Permission[]>;

/** Parses the value of an `#accesscontrol` keyword found at `path`. */
export function parseAccessControl(value: unknown, path: string): AccessRules {
  const rules: RuleBuilder = new Map();
  if (Array.isArray(value)) readLegacyList(value, path, rules);
  else readModernForm(readObject(value, path, 'an object {<entity>: {permissions: [...]}}'), path, rules);
  return Object.fromEntries(rules) as AccessRules;
}

function readModernForm(object: JsonObject, path: string, rules: RuleBuilder): void {
  for (const [key, value] of Object.entries(object)) {
    const entityPath = pointer(path, key);
    const entity = readEntity(key, entityPath);
    const grant = readObject(value, entityPath, 'an object {permissions: [...]}');
    checkKeys(grant, entityPath, ['permissions']);
    if (!('permissions' in grant)) throw invalidAt(entityPath, 'needs "permissions": a list of actions');
    const listPath = pointer(entityPath, 'permissions');
    addPermissions(entity, readArray(grant.permissions, listPath), listPath, rules);
  }
}

/** Legacy: a list of bare actions (for the owner) and/or `{<entity>: [<permission>...]}` objects. */
function readLegacyList(items: readonly unknown[], path: string, rules: RuleBuilder): void {
  items.forEach((item, i) => {
    const itemPath = pointer(path, i);
    if (typeof item === 'string') {
      addPermissions('member', [item], path, rules, i);
      return;
    }
    if (!isJsonObject(item)) {
      throw invalidAt(
        itemPath,
        `must be an action or an object {<entity>: [<action>...]}, not ${describeValue(item)}`,
      );
    }
    for (const [key, value] of Object.entries(item)) {
      const entityPath = pointer(itemPath, key);
      addPermissions(readEntity(key, entityPath), readArray(value, entityPath), entityPath, rules);
    }
  });
}

/** Adds `items` (found at `listPath`, starting at index `offset`) to the entity's permissions. */
function addPermissions(
  entity: Entity,
  items: readonly unknown[],
  listPath: string,
  rules: RuleBuilder,
  offset = 0,
): void {
  const permissions = rules.get(entity) ?? [];
  items.forEach((item, i) => {
    const itemPath = pointer(listPath, offset + i);
    const permission = readPermission(entity, item, itemPath);
    if (permissions.some((known) => samePermission(known, permission))) {
      throw invalidAt(itemPath, `the same "${permission.action}" permission is given twice to "${entity}"`);
    }
    permissions.push(permission);
  });
  rules.set(entity, permissions);
}

function readEntity(key: string, path: string): Entity {
  if (!(ENTITIES as readonly string[]).includes(key)) {
    throw invalidAt(path, `unknown entity ${JSON.stringify(key)}; entities are ${oneOf(ENTITIES)}`);
  }
  return key as Entity;
}

function readAction(value: unknown, path: string): Action {
  if (typeof value !== 'string' || !(ACTIONS as readonly string[]).includes(value)) {
    throw invalidAt(path, `unknown action ${describeValue(value)}; actions are ${oneOf(ACTIONS)}`);
  }
  return value as Action;
}

function readPermission(entity: Entity, item: unknown, path: string): Permission {
  if (typeof item === 'string') return withDefaults(entity, { action: readAction(item, path) });
  if (!isJsonObject(item)) {
    throw invalidAt(path, `must be an action or a permission object, not ${describeValue(item)}`);
  }
  checkKeys(item, path, PERMISSION_KEYS);
  if (!('permission' in item)) throw invalidAt(path, `needs "permission": one of ${oneOf(ACTIONS)}`);
  const action = readAction(item.permission, pointer(path, 'permission'));
  checkConditionsFit(entity, action, item, path);
  return withDefaults(entity, {
    action,
    distance: optional(item, 'distance', path, (v, p) => readInteger(v, p, 1)),
    relations: optional(item, 'relation', path, readRelations),
    sourceSignatureRequired: optional(item, 'source_signature_required', path, readBoolean),
    match: optional(item, 'match', path, readMatch),
    caseSensitive: optional(item, 'casesensitive', path, readBoolean),
    anonymizedResponses: optional(item, 'anonimized_responses', path, readBoolean),
    appIds: optional(item, 'app_ids', path, readAppIds),
  });
}

/** `app_ids` of an `app` rule: the named apps it grants to (absent: every app of the service). */
function readAppIds(value: unknown, path: string): readonly string[] {
  const list = readStringList(value, path);
  if (list.length === 0)
    throw invalidAt(path, 'must name at least one app id (leave it out to allow any app)');
  list.forEach((id, i) => {
    if (!APP_ID.test(id))
      throw invalidAt(pointer(path, i), `${JSON.stringify(id)} is not a lower-case UUID v4`);
  });
  return list;
}

/**
 * Conditions must make sense for the entity and action: hops and relations exist only for network
 * links, and the service's search index has no notion of either (it only matches values).
 */
function checkConditionsFit(entity: Entity, action: Action, item: JsonObject, path: string): void {
  for (const key of ['distance', 'relation'] as const) {
    if (!(key in item)) continue;
    if (action === 'search') {
      throw invalidAt(pointer(path, key), `a "search" permission may not have "${key}"`);
    }
    if (entity !== 'network') {
      throw invalidAt(pointer(path, key), `"${key}" applies only to the "network" entity, not "${entity}"`);
    }
  }
  if ('app_ids' in item && entity !== 'app') {
    throw invalidAt(pointer(path, 'app_ids'), `"app_ids" applies only to the "app" entity, not "${entity}"`);
  }
  for (const key of ['match', 'casesensitive'] as const) {
    if (key in item && action !== 'search') {
      throw invalidAt(pointer(path, key), `"${key}" applies only to a "search" permission, not "${action}"`);
    }
  }
}

/** One relation or a list of them; relations are compared lower-cased, as the original does. */
function readRelations(value: unknown, path: string): readonly string[] {
  const list = typeof value === 'string' ? [readString(value, path)] : readStringList(value, path);
  if (list.length === 0) throw invalidAt(path, 'must name at least one relation (leave it out to allow any)');
  return [...new Set(list.map((relation) => relation.toLowerCase()))];
}

function readMatch(value: unknown, path: string): SearchMatch {
  if (typeof value !== 'string' || !(SEARCH_MATCHES as readonly string[]).includes(value)) {
    throw invalidAt(path, `unknown match ${describeValue(value)}; matches are ${oneOf(SEARCH_MATCHES)}`);
  }
  return value as SearchMatch;
}

interface PermissionInput {
  readonly action: Action;
  readonly distance?: number | undefined;
  readonly relations?: readonly string[] | undefined;
  readonly sourceSignatureRequired?: boolean | undefined;
  readonly match?: SearchMatch | undefined;
  readonly caseSensitive?: boolean | undefined;
  readonly anonymizedResponses?: boolean | undefined;
  readonly appIds?: readonly string[] | undefined;
}

/**
 * Fills in the documented defaults so consumers never guess: network rules cover one hop, searches
 * match exactly and ignore case. Absent optional conditions are left out rather than set to undefined.
 */
function withDefaults(entity: Entity, input: PermissionInput): Permission {
  const isSearch = input.action === 'search';
  const permission: Permission = {
    action: input.action,
    sourceSignatureRequired: input.sourceSignatureRequired ?? false,
    ...(entity === 'network' && !isSearch ? { distance: input.distance ?? DEFAULT_NETWORK_DISTANCE } : {}),
    ...(input.relations ? { relations: input.relations } : {}),
    ...(isSearch ? { match: input.match ?? 'exact', caseSensitive: input.caseSensitive ?? false } : {}),
    ...(input.anonymizedResponses !== undefined ? { anonymizedResponses: input.anonymizedResponses } : {}),
    ...(input.appIds ? { appIds: input.appIds } : {}),
  };
  return permission;
}

function samePermission(a: Permission, b: Permission): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
