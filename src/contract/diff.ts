/**
 * Compatibility of two versions of a contract (spec §5): a new version keeps every class and field
 * with the same type and may only add. Pods migrate their stored data to the new version, so anything
 * that would strand or reinterpret existing records is a problem; changes that only affect access,
 * indexes or presentation are listed but allowed.
 */
import canonicalize from 'canonicalize';
import { ByodaError } from '../errors/index.js';
import type { AccessRules, Contract, DataClass, Entity, Field, FieldType, ScalarFieldType } from './model.js';
import { typeShape } from './type-shape.js';

export const ADDITION_KINDS = ['class-added', 'field-added'] as const;
export const CHANGE_KINDS = [
  'max-query-depth-changed',
  'listen-relations-changed',
  'access-changed',
  'properties-changed',
  'obsolete-changed',
  'format-changed',
  'enum-widened',
] as const;
export const PROBLEM_KINDS = [
  'service-id-changed',
  'version-not-greater',
  'class-removed',
  'class-kind-changed',
  'field-removed',
  'type-changed',
  'required-field-added',
  'became-required',
  'enum-narrowed',
  'primary-key-changed',
] as const;
export type ContractChangeKind =
  (typeof ADDITION_KINDS)[number] | (typeof CHANGE_KINDS)[number] | (typeof PROBLEM_KINDS)[number];

export interface ContractChange {
  readonly kind: ContractChangeKind;
  /** What changed: `service_id`, `version`, a class (`person`) or a field (`person.email`). */
  readonly where: string;
  readonly message: string;
}

export interface ContractDiff {
  readonly oldVersion: number;
  readonly newVersion: number;
  /** True when there are no problems: the new version may replace the old one. */
  readonly compatible: boolean;
  /** New classes and fields. */
  readonly additions: readonly ContractChange[];
  /** Allowed changes that are not additions (access rules, indexes, obsolete marks, ...). */
  readonly changes: readonly ContractChange[];
  /** Why the new version may not replace the old one. */
  readonly problems: readonly ContractChange[];
}

/** Collects the findings of one comparison. */
class Findings {
  readonly additions: ContractChange[] = [];
  readonly changes: ContractChange[] = [];
  readonly problems: ContractChange[] = [];

  add(kind: ContractChangeKind, where: string, message: string): void {
    const list = (ADDITION_KINDS as readonly string[]).includes(kind)
      ? this.additions
      : (CHANGE_KINDS as readonly string[]).includes(kind)
        ? this.changes
        : this.problems;
    list.push({ kind, where, message });
  }
}

export function diffContracts(oldC: Contract, newC: Contract): ContractDiff {
  const findings = new Findings();
  compareService(oldC, newC, findings);
  compareClasses(oldC.classes, newC.classes, findings);
  return {
    oldVersion: oldC.version,
    newVersion: newC.version,
    compatible: findings.problems.length === 0,
    additions: findings.additions,
    changes: findings.changes,
    problems: findings.problems,
  };
}

/** Throws `BYODA_ERR_CONTRACT_INCOMPATIBLE` naming every problem when `newC` may not replace `oldC`. */
export function assertCompatible(oldC: Contract, newC: Contract): ContractDiff {
  const diff = diffContracts(oldC, newC);
  if (!diff.compatible) {
    const count = diff.problems.length === 1 ? '1 problem' : `${diff.problems.length} problems`;
    const list = diff.problems.map((problem) => problem.message).join('; ');
    throw new ByodaError(
      'BYODA_ERR_CONTRACT_INCOMPATIBLE',
      `version ${newC.version} of service ${newC.serviceId} is not a compatible successor of version ` +
        `${oldC.version} (${count}): ${list}`,
    );
  }
  return diff;
}

function compareService(oldC: Contract, newC: Contract, findings: Findings): void {
  if (oldC.serviceId !== newC.serviceId) {
    findings.add(
      'service-id-changed',
      'service_id',
      `service_id changed from ${oldC.serviceId} to ${newC.serviceId}`,
    );
  }
  if (newC.version <= oldC.version) {
    findings.add(
      'version-not-greater',
      'version',
      `version ${newC.version} is not greater than the old version ${oldC.version}`,
    );
  }
  if (oldC.maxQueryDepth !== newC.maxQueryDepth) {
    findings.add(
      'max-query-depth-changed',
      'max_query_depth',
      `max_query_depth changed from ${oldC.maxQueryDepth} to ${newC.maxQueryDepth}`,
    );
  }
  if (!sameJson(oldC.listenRelations, newC.listenRelations)) {
    findings.add('listen-relations-changed', 'listen_relations', 'listen_relations changed');
  }
}

function compareClasses(
  oldClasses: readonly DataClass[],
  newClasses: readonly DataClass[],
  findings: Findings,
): void {
  const added = newClasses.filter((n) => !oldClasses.some((o) => o.name === n.name));
  for (const oldClass of oldClasses) {
    const newClass = newClasses.find((n) => n.name === oldClass.name);
    if (newClass) {
      compareClass(oldClass, newClass, findings);
      continue;
    }
    const twin = added.find((n) => n.kind === oldClass.kind && n.typeName === oldClass.typeName);
    findings.add(
      'class-removed',
      oldClass.name,
      `class "${oldClass.name}" was removed${renameHint(twin?.name)}`,
    );
  }
  for (const newClass of added) {
    findings.add('class-added', newClass.name, `class "${newClass.name}" (${newClass.kind}) was added`);
  }
}

/** Renames cannot be told apart from a removal plus an addition; say so when one looks likely. */
function renameHint(candidate: string | undefined): string {
  return candidate === undefined
    ? ''
    : ` (renamed to "${candidate}"? a rename is a removal plus an addition, and removals are not allowed)`;
}

function compareClass(oldClass: DataClass, newClass: DataClass, findings: Findings): void {
  const where = oldClass.name;
  if (oldClass.kind !== newClass.kind) {
    findings.add(
      'class-kind-changed',
      where,
      `class "${where}" changed from ${oldClass.kind} to ${newClass.kind}`,
    );
    return;
  }
  if (oldClass.typeName !== newClass.typeName) {
    findings.add(
      'type-changed',
      where,
      `class "${where}" changed its item type from ${oldClass.typeName} to ${newClass.typeName}`,
    );
    return;
  }
  if (!sameJson(oldClass.rules, newClass.rules)) {
    findings.add('access-changed', where, `access rules of class "${where}" changed`);
  }
  if (!sameJson(oldClass.properties, newClass.properties)) {
    findings.add('properties-changed', where, `#properties of class "${where}" changed`);
  }
  if (oldClass.obsolete !== newClass.obsolete) {
    findings.add(
      'obsolete-changed',
      where,
      `class "${where}" is ${newClass.obsolete ? 'now' : 'no longer'} obsolete`,
    );
  }
  compareFields(
    oldClass.fields,
    newClass.fields,
    where,
    { old: oldClass.rules, new: newClass.rules },
    findings,
  );
}

/** The effective rules of what encloses the fields being compared (class or field), old and new. */
interface ParentRules {
  readonly old: AccessRules;
  readonly new: AccessRules;
}

function compareFields(
  oldFields: readonly Field[],
  newFields: readonly Field[],
  parent: string,
  parentRules: ParentRules,
  findings: Findings,
): void {
  const added = newFields.filter((n) => !oldFields.some((o) => o.name === n.name));
  for (const oldField of oldFields) {
    const where = `${parent}.${oldField.name}`;
    const newField = newFields.find((n) => n.name === oldField.name);
    if (newField) {
      compareField(oldField, newField, where, parentRules, findings);
      continue;
    }
    const twin = added.find((n) => typeShape(n.type) === typeShape(oldField.type));
    findings.add('field-removed', where, `field "${where}" was removed${renameHint(twin?.name)}`);
  }
  for (const newField of added) {
    const where = `${parent}.${newField.name}`;
    findings.add('field-added', where, `field "${where}" (${typeShape(newField.type)}) was added`);
    if (newField.required) {
      findings.add(
        'required-field-added',
        where,
        `new field "${where}" is required, but existing records lack it`,
      );
    }
  }
}

function compareField(
  oldField: Field,
  newField: Field,
  where: string,
  parentRules: ParentRules,
  findings: Findings,
): void {
  const fieldRules: ParentRules = { old: oldField.rules, new: newField.rules };
  compareTypes(oldField.type, newField.type, where, fieldRules, findings);
  if (!oldField.required && newField.required) {
    findings.add(
      'became-required',
      where,
      `field "${where}" became required, but existing records may lack it`,
    );
  }
  if (oldField.properties.primaryKey !== newField.properties.primaryKey) {
    const change = newField.properties.primaryKey ? 'became' : 'is no longer';
    findings.add('primary-key-changed', where, `field "${where}" ${change} the primary key`);
  } else if (!sameJson(oldField.properties, newField.properties)) {
    findings.add('properties-changed', where, `#properties of field "${where}" changed`);
  }
  // Inherited rules follow their parent, whose change is reported once; only what a field's own rules
  // set counts, so a class change to an entity that person.email does not name is not a change of it.
  if (
    oldField.ownRules !== newField.ownRules ||
    !sameJson(ownPart(oldField, parentRules.old), ownPart(newField, parentRules.new))
  ) {
    findings.add('access-changed', where, `access rules of field "${where}" changed`);
  }
  if (oldField.obsolete !== newField.obsolete) {
    findings.add(
      'obsolete-changed',
      where,
      `field "${where}" is ${newField.obsolete ? 'now' : 'no longer'} obsolete`,
    );
  }
}

/**
 * What a field's own `#accesscontrol` sets: the entities whose effective permissions differ from the
 * parent's (rules are merged per entity, so the others are inherited). Naming an entity with exactly
 * the parent's permissions changes nothing and is not told apart from leaving it out.
 */
function ownPart(field: Field, parentRules: AccessRules): AccessRules {
  if (!field.ownRules) return {};
  return Object.fromEntries(
    Object.entries(field.rules).filter(
      ([entity, permissions]) => !sameJson(permissions, parentRules[entity as Entity]),
    ),
  );
}

function compareTypes(
  oldType: FieldType,
  newType: FieldType,
  where: string,
  parentRules: ParentRules,
  findings: Findings,
): void {
  if (typeShape(oldType) !== typeShape(newType)) {
    findings.add(
      'type-changed',
      where,
      `field "${where}" changed type from ${typeShape(oldType)} to ${typeShape(newType)}`,
    );
    return;
  }
  // Same shape, so the kinds match; the checks below only narrow the types for the compiler.
  if (oldType.kind === 'scalar' && newType.kind === 'scalar')
    compareScalars(oldType, newType, where, findings);
  if (oldType.kind === 'object' && newType.kind === 'object')
    compareFields(oldType.fields, newType.fields, where, parentRules, findings);
  if (oldType.kind === 'array' && newType.kind === 'array')
    compareTypes(oldType.items, newType.items, where, parentRules, findings);
}

function compareScalars(
  oldType: ScalarFieldType,
  newType: ScalarFieldType,
  where: string,
  findings: Findings,
): void {
  if (oldType.format !== newType.format) {
    findings.add(
      'format-changed',
      where,
      `format of field "${where}" changed from ${oldType.format ?? 'none'} to ${newType.format ?? 'none'}`,
    );
  }
  compareEnums(oldType.enum, newType.enum, where, findings);
}

/** Stored values must stay valid: an enum may gain values or go away, but not lose values or appear. */
function compareEnums(
  oldEnum: readonly (string | number)[] | undefined,
  newEnum: readonly (string | number)[] | undefined,
  where: string,
  findings: Findings,
): void {
  if (newEnum === undefined) {
    if (oldEnum !== undefined)
      findings.add('enum-widened', where, `field "${where}" no longer restricts its values`);
    return;
  }
  if (oldEnum === undefined) {
    findings.add(
      'enum-narrowed',
      where,
      `field "${where}" now restricts its values to an enum; stored values may not fit`,
    );
    return;
  }
  const dropped = oldEnum.filter((value) => !newEnum.includes(value));
  if (dropped.length > 0) {
    const list = dropped.map((value) => JSON.stringify(value)).join(', ');
    findings.add('enum-narrowed', where, `field "${where}" no longer allows ${list}`);
  } else if (newEnum.length > oldEnum.length) {
    findings.add('enum-widened', where, `field "${where}" allows more values`);
  }
}

/** Key order carries no meaning in the contract, so values are compared in canonical JSON (RFC 8785). */
function sameJson(a: unknown, b: unknown): boolean {
  return canonicalize(a) === canonicalize(b);
}
