/**
 * A readable account of a contract: the service, its classes with their kinds, the fields with their
 * types, and who may do what. `summarizeContractJson` gives the same facts as plain data (for
 * `--json` and for tools); `summarizeContract` renders them as text for people.
 */
import type { AccessRules, Contract, DataClass, Entity, Field, FieldType, Permission } from './model.js';
import { ENTITIES } from './model.js';
import { formatDuration } from './duration.js';
import { typeLabel } from './type-shape.js';

export interface ContractSummary {
  readonly service: {
    readonly id: number;
    readonly name: string;
    readonly version: number;
    readonly description?: string;
    readonly owner?: string;
    readonly website?: string;
    readonly supportEmail?: string;
  };
  readonly maxQueryDepth: number;
  readonly corsOrigins: readonly string[];
  readonly listenRelations: readonly string[];
  /** Which signatures the document carries (`service`, `network`); they are not verified here. */
  readonly signedBy: readonly string[];
  readonly classes: readonly ClassSummary[];
  /** Object types used by fields, each listed once. */
  readonly types: readonly TypeSummary[];
}

/** Per entity, its permissions in words: `read`, `read (distance 1, relations friend|family)`. */
export type AccessSummary = Readonly<Partial<Record<Entity, readonly string[]>>>;

export interface ClassSummary {
  readonly name: string;
  readonly kind: 'object' | 'array';
  readonly typeName: string;
  readonly obsolete: boolean;
  /** Class `#properties` in words: `cache_only 3d`, `cache 1h`. */
  readonly properties: readonly string[];
  readonly access: AccessSummary;
  readonly fields: readonly FieldSummary[];
}

export interface FieldSummary {
  readonly name: string;
  /** Compact type: `string`, `uuid`, `string(uri)`, `[string]`, `claim`, `[claim]`. */
  readonly type: string;
  readonly required: boolean;
  readonly obsolete: boolean;
  readonly properties: readonly string[];
  /**
   * Only when the field has its own `#accesscontrol`: its effective access, the own rules merged per
   * entity over its parent's. A field without own rules has its parent's access, so none is given.
   */
  readonly access?: AccessSummary;
}

export interface TypeSummary {
  readonly name: string;
  readonly fields: readonly FieldSummary[];
}

export function summarizeContractJson(contract: Contract): ContractSummary {
  return {
    service: {
      id: contract.serviceId,
      name: contract.name,
      version: contract.version,
      ...pick(contract, ['description', 'owner', 'website', 'supportEmail']),
    },
    maxQueryDepth: contract.maxQueryDepth,
    corsOrigins: contract.corsOrigins,
    listenRelations: contract.listenRelations.map(
      (l) =>
        `${l.className} of ${l.relations.join('|')} links -> ${l.destinationClass}` +
        (l.feedClass !== undefined ? ` (feed ${l.feedClass})` : ''),
    ),
    signedBy: (['service', 'network'] as const).filter((signer) => contract.signatures[signer] !== undefined),
    classes: contract.classes.map(summarizeClass),
    types: collectTypes(contract.classes.flatMap((dataClass) => dataClass.fields)),
  };
}

export function summarizeContract(contract: Contract): string {
  const summary = summarizeContractJson(contract);
  return [
    ...serviceLines(summary),
    '',
    `${summary.classes.length} data classes:`,
    ...summary.classes.flatMap((dataClass) => ['', ...classLines(dataClass)]),
    ...(summary.types.length > 0 ? ['', 'object types used by fields:'] : []),
    ...summary.types.flatMap((type) => ['', type.name, ...fieldLines(type.fields, '  ')]),
    '',
  ].join('\n');
}

function summarizeClass(dataClass: DataClass): ClassSummary {
  const { cacheOnlySeconds, cacheSeconds } = dataClass.properties;
  return {
    name: dataClass.name,
    kind: dataClass.kind,
    typeName: dataClass.typeName,
    obsolete: dataClass.obsolete,
    properties: [
      ...(cacheOnlySeconds !== undefined ? [`cache_only ${formatDuration(cacheOnlySeconds)}`] : []),
      ...(cacheSeconds !== undefined ? [`cache ${formatDuration(cacheSeconds)}`] : []),
    ],
    access: summarizeAccess(dataClass.rules),
    fields: dataClass.fields.map(summarizeField),
  };
}

function summarizeField(field: Field): FieldSummary {
  const flags = field.properties;
  return {
    name: field.name,
    type: typeLabel(field.type),
    required: field.required,
    obsolete: field.obsolete,
    properties: [
      ...(flags.primaryKey ? ['primary_key'] : []),
      ...(flags.index ? ['index'] : []),
      ...(flags.counter ? ['counter'] : []),
    ],
    ...(field.ownRules ? { access: summarizeAccess(field.rules) } : {}),
  };
}

export function summarizeAccess(rules: AccessRules): AccessSummary {
  const entries = ENTITIES.flatMap((entity) => {
    const permissions = rules[entity];
    return permissions ? [[entity, permissions.map(describePermission)] as const] : [];
  });
  return Object.fromEntries(entries);
}

/** `read`, or `read (distance 1, relations friend|family, origin signature required)`. */
export function describePermission(permission: Permission): string {
  const conditions = [
    ...(permission.distance !== undefined ? [`distance ${permission.distance}`] : []),
    ...(permission.relations ? [`relations ${permission.relations.join('|')}`] : []),
    ...(permission.match !== undefined ? [`match ${permission.match}`] : []),
    ...(permission.caseSensitive !== undefined
      ? [permission.caseSensitive ? 'case-sensitive' : 'case-insensitive']
      : []),
    ...(permission.sourceSignatureRequired ? ['origin signature required'] : []),
    ...(permission.anonymizedResponses ? ['anonymized responses'] : []),
    ...(permission.appIds ? [`apps ${permission.appIds.join('|')}`] : []),
  ];
  return conditions.length > 0 ? `${permission.action} (${conditions.join(', ')})` : permission.action;
}

/** Nested object types, in order of first use, each once (a `$defs` type has one shape wherever used). */
function collectTypes(fields: readonly Field[], seen = new Map<string, TypeSummary>()): TypeSummary[] {
  for (const field of fields) {
    const object = objectOf(field.type);
    if (!object || seen.has(object.typeName)) continue;
    seen.set(object.typeName, { name: object.typeName, fields: object.fields.map(summarizeField) });
    collectTypes(object.fields, seen);
  }
  return [...seen.values()];
}

function objectOf(type: FieldType): Extract<FieldType, { kind: 'object' }> | undefined {
  if (type.kind === 'object') return type;
  return type.kind === 'array' && type.items.kind === 'object' ? type.items : undefined;
}

function serviceLines(summary: ContractSummary): string[] {
  const { service } = summary;
  const contact = [service.owner, service.supportEmail && `<${service.supportEmail}>`]
    .filter(Boolean)
    .join(' ');
  return [
    `service ${service.name} (id ${service.id}), contract version ${service.version}`,
    ...(service.description ? [`  ${service.description}`] : []),
    ...(contact ? [`  owner: ${contact}`] : []),
    ...(service.website ? [`  website: ${service.website}`] : []),
    `  max query depth: ${summary.maxQueryDepth}`,
    ...(summary.corsOrigins.length > 0 ? [`  cors origins: ${summary.corsOrigins.join(', ')}`] : []),
    ...summary.listenRelations.map((relation) => `  listens to: ${relation}`),
    `  signatures: ${summary.signedBy.length > 0 ? summary.signedBy.join(', ') : 'none'}`,
  ];
}

function classLines(dataClass: ClassSummary): string[] {
  const kind = dataClass.kind === 'array' ? `array of ${dataClass.typeName}` : 'object';
  const notes = [kind, ...dataClass.properties, ...(dataClass.obsolete ? ['obsolete'] : [])];
  return [
    `${dataClass.name} (${notes.join(', ')})`,
    ...accessLines(dataClass.access, '  '),
    '  fields:',
    ...fieldLines(dataClass.fields, '    '),
  ];
}

function accessLines(access: AccessSummary, indent: string): string[] {
  const entries = Object.entries(access);
  if (entries.length === 0) return [`${indent}access: nobody`];
  return [
    `${indent}access:`,
    ...entries.map(([entity, permissions]) => `${indent}  ${entity}: ${permissions.join(', ')}`),
  ];
}

/**
 * One aligned line per field: name, type, then notes. A field with its own rules is followed by its
 * effective access, laid out as a class's is.
 */
function fieldLines(fields: readonly FieldSummary[], indent: string): string[] {
  const nameWidth = Math.max(...fields.map((field) => field.name.length));
  const typeWidth = Math.max(...fields.map((field) => field.type.length));
  return fields.flatMap((field) => {
    const notes = [
      ...(field.required ? ['required'] : []),
      ...field.properties,
      ...(field.obsolete ? ['obsolete'] : []),
    ].join(', ');
    const line =
      `${indent}${field.name.padEnd(nameWidth)}  ${field.type.padEnd(typeWidth)}  ${notes}`.trimEnd();
    return field.access ? [line, ...accessLines(field.access, `${indent}  `)] : [line];
  });
}

function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(
    keys.filter((key) => object[key] !== undefined).map((key) => [key, object[key]]),
  ) as Partial<Pick<T, K>>;
}
