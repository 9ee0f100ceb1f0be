/**
 * What the app knows of a membership's data: its classes, read from the GraphQL schema by
 * introspection (allowed for the owner, spec §7) instead of from the contract, so the forms always
 * match what the pod accepts. Names follow spec §7: every class `X` has `X_connection`; an object
 * class adds `X`, `mutate_X(input: T_input!)` and `delete_X`; an array class adds
 * `append_X(input: T_input!)` and `delete_from_X(filter: T_filter!)`. Signed data (spec §9, our
 * docs/protocol.md "Signed data"): edges have `signature`, and `append_X` / `mutate_X` take `sign`.
 */
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import type {
  GraphQLField,
  GraphQLInputObjectType,
  GraphQLObjectType,
  GraphQLSchema,
  IntrospectionQuery,
} from 'graphql';
import { graphql } from './api.js';

export interface DataClass {
  readonly name: string;
  readonly kind: 'object' | 'array';
  readonly description: string;
  /** The object type `T` of the class (spec §7). */
  readonly type: GraphQLObjectType;
  /** `T_input`, the argument of `mutate_X` / `append_X`. */
  readonly input: GraphQLInputObjectType | undefined;
  /** `T_filter`, absent when `T` has no scalar field. */
  readonly filter: GraphQLInputObjectType | undefined;
  /** `delete_X` (object class) or `delete_from_X` (array class) is in the schema. */
  readonly canDelete: boolean;
  /** `T_edge` has `signature`: lists show a signature column (pods without signed data have none). */
  readonly signedEdges: boolean;
  /** The write mutation (`append_X` / `mutate_X`) takes `sign: Boolean`. */
  readonly canSign: boolean;
}

export interface MembershipSchema {
  readonly schema: GraphQLSchema;
  readonly classes: readonly DataClass[];
}

const cache = new Map<string, Promise<MembershipSchema>>();

/** The schema of a membership, fetched once per service and token (a new login fetches again). */
export function loadSchema(serviceId: number, token: string): Promise<MembershipSchema> {
  const key = `${serviceId}:${token}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = fetchSchema(serviceId);
    cache.set(key, entry);
    entry.catch(() => cache.delete(key));
  }
  return entry;
}

async function fetchSchema(serviceId: number): Promise<MembershipSchema> {
  const data = await graphql<IntrospectionQuery>(serviceId, getIntrospectionQuery({ descriptions: true }));
  const schema = buildClientSchema(data);
  return { schema, classes: dataClasses(schema) };
}

const CONNECTION = '_connection';

export function dataClasses(schema: GraphQLSchema): DataClass[] {
  const query = schema.getQueryType()?.getFields() ?? {};
  const mutation = schema.getMutationType()?.getFields() ?? {};
  const classes: DataClass[] = [];
  for (const [fieldName, field] of Object.entries(query)) {
    if (!fieldName.endsWith(CONNECTION)) continue;
    const name = fieldName.slice(0, -CONNECTION.length);
    const edge = edgeType(field);
    const type = edge && nodeType(edge);
    if (!edge || !type) continue;
    const mutate = mutation[`mutate_${name}`];
    const append = mutation[`append_${name}`];
    const kind = append ? 'array' : 'object';
    const write = kind === 'array' ? append : mutate;
    const filterArg = field.args.find((arg) => arg.name === 'filter');
    const filter = filterArg ? getNamedType(filterArg.type) : undefined;
    classes.push({
      name,
      kind,
      description: field.description ?? query[name]?.description ?? '',
      type,
      input: inputArg(write),
      filter: filter && isInputObjectType(filter) ? filter : undefined,
      canDelete: mutation[kind === 'array' ? `delete_from_${name}` : `delete_${name}`] !== undefined,
      signedEdges: edge.getFields()['signature'] !== undefined,
      canSign: write?.args.some((arg) => arg.name === 'sign') ?? false,
    });
  }
  return classes;
}

/** `X_connection` -> `T_connection.edges` -> `T_edge`. */
function edgeType(field: GraphQLField<unknown, unknown>): GraphQLObjectType | undefined {
  const connection = getNamedType(field.type);
  if (!isObjectType(connection)) return undefined;
  const edge = getNamedType(connection.getFields()['edges']?.type);
  return edge && isObjectType(edge) ? edge : undefined;
}

/** `T_edge.node` -> `T`. */
function nodeType(edge: GraphQLObjectType): GraphQLObjectType | undefined {
  const node = getNamedType(edge.getFields()['node']?.type);
  return node && isObjectType(node) ? node : undefined;
}

function inputArg(field: GraphQLField<unknown, unknown> | undefined): GraphQLInputObjectType | undefined {
  const arg = field?.args.find((a) => a.name === 'input');
  const type = arg ? getNamedType(arg.type) : undefined;
  return type && isInputObjectType(type) ? type : undefined;
}

/** A selection set with every field of `type`, nested objects included (fields with arguments skipped). */
export function selectionOf(type: GraphQLObjectType, depth = 0): string {
  const parts: string[] = [];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((arg) => isNonNullType(arg.type))) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) parts.push(field.name);
    else if (isObjectType(named) && depth < 4)
      parts.push(`${field.name} { ${selectionOf(named, depth + 1)} }`);
  }
  return parts.join(' ');
}

/** The record as `T_input` accepts it: only the input's fields, nested inputs likewise. */
export function toInputValue(input: GraphQLInputObjectType, record: unknown): Record<string, unknown> {
  const source = (record ?? {}) as Record<string, unknown>;
  const value: Record<string, unknown> = {};
  for (const field of Object.values(input.getFields())) {
    const v = source[field.name];
    if (v === undefined || v === null) continue;
    const named = getNamedType(field.type);
    value[field.name] = isInputObjectType(named) && !isListType(field.type) ? toInputValue(named, v) : v;
  }
  return value;
}

/**
 * A filter that matches `record`: `eq` (or `at` for date-times) on each scalar field it has a value
 * for. Used to delete one record of an array class; identical records are deleted together.
 */
export function filterFor(
  filter: GraphQLInputObjectType,
  record: Record<string, unknown>,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of Object.values(filter.getFields())) {
    const v = record[field.name];
    if (v === undefined || v === null || typeof v === 'object') continue;
    const operators = getNamedType(field.type);
    if (!isInputObjectType(operators)) continue;
    const ops = operators.getFields();
    const op = ops['eq'] ? 'eq' : ops['at'] ? 'at' : undefined;
    if (op) result[field.name] = { [op]: v };
  }
  return result;
}

/** Whether `X_connection` lists the pods that did not answer (`remote_errors`, federation pods only). */
export function connectionHasRemoteErrors(schema: MembershipSchema, field: string): boolean {
  const type = schema.schema.getQueryType()?.getFields()[field]?.type;
  const connection = type ? getNamedType(type) : undefined;
  return isObjectType(connection) && connection.getFields()['remote_errors'] !== undefined;
}
