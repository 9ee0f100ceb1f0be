/**
 * The data firewall's decisions (spec §6): may this requester perform this action on this class or
 * field? An operation is allowed only when some permission, of some entity the requester is, grants
 * exactly that action and its conditions hold. Anything not granted is denied. Everything here is pure.
 */
import { ENTITIES, describePermission } from '../contract/index.js';
import type {
  AccessRules,
  Action,
  DataClass,
  Entity,
  Field,
  FieldType,
  Permission,
} from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import { unmetCondition } from './conditions.js';
import { entitiesOf } from './entities.js';
import { podKeptRefusal } from './pod-kept.js';
import { describeRequester } from './requester.js';
import type { Requester, TokenScope } from './requester.js';

export { entitiesOf } from './entities.js';

/** The permission that allowed an operation, and the entity it was given to. */
export interface Grant {
  readonly entity: Entity;
  readonly permission: Permission;
}

export interface Decision {
  readonly allowed: boolean;
  /** Names the rule that granted, or why nothing did; safe to send to the requester. */
  readonly reason: string;
  /** The action decided on (set by every function here; optional so callers may build decisions). */
  readonly action?: Action;
  /** Set when allowed: the grant, e.g. to honour its `anonymizedResponses`. */
  readonly grant?: Grant;
}

/** Decides `action` for `requester` under `rules` (of a class or a field). */
export function decide(rules: AccessRules, action: Action, requester: Requester): Decision {
  const unmet: string[] = [];
  for (const entity of entitiesOf(requester)) {
    for (const permission of rules[entity] ?? []) {
      // Actions never imply one another: `search` or `persist` grant only themselves, `update` no `read`.
      if (permission.action !== action) continue;
      const why = unmetCondition(entity, permission, requester);
      if (why === undefined) return granted(action, { entity, permission });
      unmet.push(`the ${entity} rule "${describePermission(permission)}" ${why}`);
    }
  }
  return denied(action, denialReason(rules, action, requester, unmet));
}

/** A decision on a class, under its effective class rules. Obsolete classes are not served (spec §5). */
export function classDecision(cls: DataClass, action: Action, requester: Requester): Decision {
  if (cls.obsolete) return denied(action, 'the class is obsolete and not served');
  const kept = podKeptRefusal(cls.name, action, requester);
  if (kept !== undefined) return denied(action, kept);
  if (requester.kind === 'delegate') {
    const outside = outsideScope(cls.name, action, requester.scope);
    if (outside !== undefined) return denied(action, outside);
  }
  return decide(cls.rules, action, requester);
}

/**
 * Why a scoped token does not cover `action` on class `className`; undefined when it does. Checked
 * before the contract, which then decides as for the owner: a scope only ever takes rights away.
 * Fields are reached only through their class, whose decision comes first, so the class is enough.
 */
function outsideScope(className: string, action: Action, scope: TokenScope): string | undefined {
  if (!scope.classes.includes(className)) {
    return `the scoped token covers only the classes ${scope.classes.join(', ')}`;
  }
  if (!scope.actions.includes(action)) {
    return `the scoped token grants only ${scope.actions.join(', ')}`;
  }
  return undefined;
}

/**
 * A decision on a field, under its effective rules (own, or inherited as the parser resolved them).
 * Obsolete fields are never readable, nor writable: they are kept for compatibility, not served.
 * A nested field is only reached through its parent, whose decision callers take first.
 */
export function fieldDecision(field: Field, action: Action, requester: Requester): Decision {
  if (field.obsolete) return denied(action, 'the field is obsolete and not served');
  return decide(field.rules, action, requester);
}

/**
 * The (top-level) fields of a record the requester may read: reading needs the class's `read` and the
 * field's `read` (spec §6). Without class `read` nothing is readable, whatever the fields say.
 */
export function readableFields(cls: DataClass, requester: Requester): readonly Field[] {
  if (!classDecision(cls, 'read', requester).allowed) return [];
  return cls.fields.filter((field) => fieldDecision(field, 'read', requester).allowed);
}

/** Throws `BYODA_ERR_FORBIDDEN` (403) for a denial; `what` names the class or field, e.g. `person.email`. */
export function assertAllowed(decision: Decision, what: string): void {
  if (decision.allowed) return;
  throw new ByodaError(
    'BYODA_ERR_FORBIDDEN',
    `not allowed to ${decision.action ?? 'access'} ${what}: ${decision.reason}`,
  );
}

/**
 * A write is allowed when the class allows the action and so does every field present in `input`,
 * nested ones included (spec §6: denied writes change nothing, so we check all before any storage).
 * Fields that inherit their rules agree with their parent; checking them anyway keeps this simple.
 * Keys the contract does not know are left to input validation. Throws for the first denied field
 * in contract order.
 */
export function assertWriteAllowed(
  cls: DataClass,
  action: 'update' | 'append' | 'delete',
  input: Record<string, unknown> | undefined,
  requester: Requester,
): void {
  assertAllowed(classDecision(cls, action, requester), cls.name);
  if (input === undefined) return;
  const refusal = firstDeniedField(cls.fields, input, action, requester, cls.name);
  if (refusal) assertAllowed(refusal.decision, refusal.path);
}

/** The first field a record or input sets that the action is denied on, with its path and why. */
export interface FieldRefusal {
  readonly path: string;
  readonly decision: Decision;
}

/**
 * The first field set in `value` (nested object fields too, in contract order) on which `action` is
 * denied to `requester`, or undefined when it is allowed on all of them. Keys the class does not know
 * are skipped: checking them is input validation's job. Shared by writes, persist and signatures.
 */
export function deniedField(
  cls: DataClass,
  action: Action,
  value: Readonly<Record<string, unknown>>,
  requester: Requester,
): FieldRefusal | undefined {
  return firstDeniedField(cls.fields, value, action, requester, cls.name);
}

function firstDeniedField(
  fields: readonly Field[],
  input: Readonly<Record<string, unknown>>,
  action: Action,
  requester: Requester,
  parentPath: string,
): FieldRefusal | undefined {
  for (const field of fields) {
    if (!Object.hasOwn(input, field.name)) continue;
    const path = `${parentPath}.${field.name}`;
    const decision = fieldDecision(field, action, requester);
    if (!decision.allowed) return { path, decision };
    const nested = nestedRefusal(field.type, input[field.name], action, requester, path);
    if (nested) return nested;
  }
  return undefined;
}

/** Descends into an object value, or each object of an array value, of an object-typed field. */
function nestedRefusal(
  type: FieldType,
  value: unknown,
  action: Action,
  requester: Requester,
  path: string,
): FieldRefusal | undefined {
  const objectType = type.kind === 'array' ? type.items : type;
  if (objectType.kind !== 'object') return undefined;
  const records = type.kind === 'array' && Array.isArray(value) ? value : [value];
  for (const record of records) {
    if (!isRecord(record)) continue;
    const refusal = firstDeniedField(objectType.fields, record, action, requester, path);
    if (refusal) return refusal;
  }
  return undefined;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function granted(action: Action, grant: Grant): Decision {
  return {
    allowed: true,
    action,
    grant,
    reason: `granted to ${grant.entity} by "${describePermission(grant.permission)}"`,
  };
}

function denied(action: Action, reason: string): Decision {
  return { allowed: false, action, reason };
}

/**
 * Why nothing granted, most useful first: the conditions that failed on rules the requester is
 * entitled to, else which entities the action is granted to, else that no rule grants it at all.
 */
function denialReason(
  rules: AccessRules,
  action: Action,
  requester: Requester,
  unmet: readonly string[],
): string {
  if (unmet.length > 0) return unmet.join('; ');
  const grantees = entitiesGranting(rules, action);
  if (grantees.length === 0) return `no rule grants "${action}"`;
  return `"${action}" is granted only to ${grantees.join(', ')}, and ${describeRequester(requester)} is none of them`;
}

function entitiesGranting(rules: AccessRules, action: Action): readonly Entity[] {
  return ENTITIES.filter((entity) =>
    (rules[entity] ?? []).some((permission) => permission.action === action),
  );
}
