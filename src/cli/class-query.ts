/**
 * The query `byoda query --class X` builds: `X_connection(depth, relations, remote_member_id)` with
 * every field of the class's records (nested objects expanded) and each edge's `origin` (spec §7, §8).
 * The fields come from the pod's own schema, by introspection (owner only), so that the command works
 * for any contract and version without reading the contract itself. Pure functions over the
 * introspection answer.
 */
import { ByodaError } from '../errors/index.js';
import { isRecord } from './json-value.js';

/** One request for what the builder needs: the root query fields and every object type's fields. */
export const SCHEMA_QUERY = `query byoda_cli_schema {
  __schema { queryType { name } types { name kind fields { name type { ...type_ref } } } }
}
fragment type_ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`;

export interface ConnectionArgs {
  readonly depth?: number;
  readonly relations?: readonly string[];
  readonly remoteMemberId?: string;
}

interface TypeRef {
  readonly kind: string;
  readonly name: string | null;
  readonly ofType: TypeRef | null;
}

interface FieldInfo {
  readonly name: string;
  readonly type: TypeRef;
}

interface TypeInfo {
  readonly kind: string;
  readonly fields: readonly FieldInfo[];
}

export interface SchemaTypes {
  readonly queryType: string;
  readonly types: ReadonlyMap<string, TypeInfo>;
}

const CONNECTION_SUFFIX = '_connection';
/** Deeper than any contract nests objects, and far below the pod's nesting limit of 12. */
const MAX_OBJECT_DEPTH = 6;

/** Narrows the `data` of SCHEMA_QUERY; anything else is a pod that does not speak this API. */
export function parseSchemaTypes(data: unknown): SchemaTypes {
  const schema = isRecord(data) ? data['__schema'] : undefined;
  const queryType =
    isRecord(schema) && isRecord(schema['queryType']) ? schema['queryType']['name'] : undefined;
  const list = isRecord(schema) ? schema['types'] : undefined;
  if (typeof queryType !== 'string' || !Array.isArray(list)) {
    throw new ByodaError('BYODA_ERR_UNREACHABLE', 'the pod did not describe its GraphQL schema');
  }
  const types = new Map<string, TypeInfo>();
  for (const raw of list) {
    if (!isRecord(raw) || typeof raw['name'] !== 'string' || typeof raw['kind'] !== 'string') continue;
    const fields = Array.isArray(raw['fields']) ? raw['fields'].flatMap(fieldInfo) : [];
    types.set(raw['name'], { kind: raw['kind'], fields });
  }
  return { queryType, types };
}

/** The classes of the service: every root `X_connection`. */
export function classNames(schema: SchemaTypes): string[] {
  return (schema.types.get(schema.queryType)?.fields ?? [])
    .map((field) => field.name)
    .filter((name) => name.endsWith(CONNECTION_SUFFIX))
    .map((name) => name.slice(0, -CONNECTION_SUFFIX.length))
    .sort();
}

/** The whole document for `--class`; fails with the list of classes for an unknown one. */
export function connectionQuery(schema: SchemaTypes, className: string, args: ConnectionArgs): string {
  const rootField = `${className}${CONNECTION_SUFFIX}`;
  const root = schema.types.get(schema.queryType)?.fields.find((field) => field.name === rootField);
  if (!root) {
    const known = classNames(schema).join(', ') || 'none';
    throw new ByodaError(
      'BYODA_ERR_BAD_REQUEST',
      `the service has no class ${className} (classes: ${known})`,
    );
  }
  const connection = objectType(schema, namedType(root.type));
  const edge = objectType(schema, fieldType(connection, 'edges'));
  const node = fieldType(edge, 'node');
  const remoteErrors = connection.fields.some((field) => field.name === 'remote_errors')
    ? ' remote_errors { origin message }'
    : '';
  const selection = `total_count edges { origin node ${objectSelection(schema, node, [])} }${remoteErrors}`;
  return `query { ${rootField}${argumentList(args)} { ${selection} } }`;
}

/** GraphQL literals: JSON strings and lists of them are valid GraphQL values. */
function argumentList(args: ConnectionArgs): string {
  const parts = [
    ...(args.depth !== undefined ? [`depth: ${args.depth}`] : []),
    ...(args.relations !== undefined ? [`relations: ${JSON.stringify(args.relations)}`] : []),
    ...(args.remoteMemberId !== undefined
      ? [`remote_member_id: ${JSON.stringify(args.remoteMemberId)}`]
      : []),
  ];
  return parts.length === 0 ? '' : `(${parts.join(', ')})`;
}

/** `{ a b c { d } }`: scalars as they are, objects expanded, a type never inside itself. */
function objectSelection(schema: SchemaTypes, typeName: string, outer: readonly string[]): string {
  const type = objectType(schema, typeName);
  const path = [...outer, typeName];
  const fields = type.fields.flatMap((field) => {
    const inner = namedType(field.type);
    const kind = schema.types.get(inner)?.kind;
    if (kind === 'SCALAR' || kind === 'ENUM') return [field.name];
    if (kind !== 'OBJECT' || path.includes(inner) || path.length >= MAX_OBJECT_DEPTH) return [];
    return [`${field.name} ${objectSelection(schema, inner, path)}`];
  });
  return `{ ${fields.join(' ')} }`;
}

function objectType(schema: SchemaTypes, name: string): TypeInfo {
  const type = schema.types.get(name);
  if (type?.kind !== 'OBJECT') {
    throw new ByodaError('BYODA_ERR_UNREACHABLE', `the pod's schema has no object type ${name}`);
  }
  return type;
}

function fieldType(type: TypeInfo, name: string): string {
  const field = type.fields.find((f) => f.name === name);
  if (!field) throw new ByodaError('BYODA_ERR_UNREACHABLE', `the pod's connection type has no ${name}`);
  return namedType(field.type);
}

/** The type under NON_NULL and LIST wrappers. */
function namedType(ref: TypeRef): string {
  let current: TypeRef | null = ref;
  while (current && current.name === null) current = current.ofType;
  return current?.name ?? '';
}

function fieldInfo(raw: unknown): FieldInfo[] {
  if (!isRecord(raw) || typeof raw['name'] !== 'string') return [];
  const type = typeRef(raw['type']);
  return type ? [{ name: raw['name'], type }] : [];
}

function typeRef(raw: unknown): TypeRef | null {
  if (!isRecord(raw) || typeof raw['kind'] !== 'string') return null;
  return {
    kind: raw['kind'],
    name: typeof raw['name'] === 'string' ? raw['name'] : null,
    ofType: typeRef(raw['ofType']),
  };
}
