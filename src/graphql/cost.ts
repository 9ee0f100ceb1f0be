/**
 * The cost of a GraphQL operation, estimated before it runs: about how many values its answer holds.
 * A field is one value; a list field is as many as its page, where a page is the `first` argument of
 * the field whose type holds the list (`X_connection(first: 50) { edges ... }`: 50 edges), or the
 * default page size when `first` is absent, at most the largest page storage serves. So aliases add,
 * and nested pages multiply. Fragments are expanded (each measured once per page size), and page
 * sizes given as variables are read from the request's own variables, so an operation with variables
 * is estimated for every request even when the validated document comes from a cache (one without
 * is estimated once per document).
 *
 * Introspection has a cost of its own: each `__schema` is priced as the whole schema (a standard
 * introspection query reads all of it), each `__type` as the schema's largest type.
 *
 * Every list directly in a paged field's value counts as a page (`remote_errors` too, which
 * overestimates a little). Lists elsewhere (a contract array field) count once: their size is bounded
 * by the records that hold them, which the answer's byte cap bounds (answer-meter.ts).
 */
import {
  Kind,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../storage/index.js';

/** A page size argument: the number of items each list in the field's value holds. */
const PAGE_ARGUMENT = 'first';
/** What one introspection item (type, field, argument, ...) stands for in the answer: name, kind, type... */
const VALUES_PER_SCHEMA_ITEM = 5;

type Variables = Readonly<Record<string, unknown>> | null | undefined;

/** Sums and products saturate, so a hostile document cannot push the estimate past exactness. */
const add = (a: number, b: number): number => Math.min(a + b, Number.MAX_SAFE_INTEGER);
const times = (a: number, b: number): number => Math.min(a * b, Number.MAX_SAFE_INTEGER);

interface IntrospectionCost {
  readonly schema: number;
  readonly type: number;
}

const introspectionCosts = new WeakMap<GraphQLSchema, IntrospectionCost>();

function typeItems(type: GraphQLNamedType): number {
  let items = 1;
  if (isObjectType(type) || isInterfaceType(type)) {
    for (const field of Object.values(type.getFields())) items += 1 + field.args.length;
  } else if (isInputObjectType(type)) {
    items += Object.keys(type.getFields()).length;
  } else if (isEnumType(type)) {
    items += type.getValues().length;
  }
  return items;
}

/** What `__schema` and `__type` cost in this schema (computed once per schema object). */
export function introspectionCost(schema: GraphQLSchema): IntrospectionCost {
  let known = introspectionCosts.get(schema);
  if (!known) {
    let total = 0;
    let largest = 0;
    for (const type of Object.values(schema.getTypeMap())) {
      const items = typeItems(type);
      total += items;
      largest = Math.max(largest, items);
    }
    for (const directive of schema.getDirectives()) total += 1 + directive.args.length;
    known = { schema: total * VALUES_PER_SCHEMA_ITEM, type: largest * VALUES_PER_SCHEMA_ITEM };
    introspectionCosts.set(schema, known);
  }
  return known;
}

class CostEstimator {
  /** Cost of a fragment under a page size, by `name/page`. */
  private readonly fragments = new Map<string, number>();
  private readonly inProgress = new Set<string>();
  private readonly fragmentDefinitions = new Map<string, FragmentDefinitionNode>();

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly variables: Variables,
    private readonly variableDefaults: ReadonlyMap<string, ValueNode>,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        this.fragmentDefinitions.set(definition.name.value, definition);
      }
    }
  }

  /** `page`: how many items each list field directly in `parent` holds. */
  selectionSet(
    node: SelectionSetNode | undefined,
    parent: GraphQLNamedType | undefined,
    page: number,
  ): number {
    if (!node) return 0;
    let cost = 0;
    for (const selection of node.selections) {
      switch (selection.kind) {
        case Kind.FIELD:
          cost = add(cost, this.field(selection, parent, page));
          break;
        case Kind.INLINE_FRAGMENT: {
          const condition = selection.typeCondition?.name.value;
          const type = condition === undefined ? parent : this.schema.getType(condition);
          cost = add(cost, this.selectionSet(selection.selectionSet, type, page));
          break;
        }
        case Kind.FRAGMENT_SPREAD:
          cost = add(cost, this.fragment(selection.name.value, page));
          break;
      }
    }
    return cost;
  }

  private field(node: FieldNode, parent: GraphQLNamedType | undefined, page: number): number {
    const name = node.name.value;
    if (name === '__schema') return introspectionCost(this.schema).schema;
    if (name === '__type') return introspectionCost(this.schema).type;
    const definition =
      parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
    // `__typename`, or a field validation let through on a type this walk does not know: one value.
    if (!definition) return 1;
    const paged = definition.args.some((arg) => arg.name === PAGE_ARGUMENT);
    const innerPage = paged ? this.pageSize(node) : 1;
    const inner = this.selectionSet(node.selectionSet, getNamedType(definition.type), innerPage);
    const count = isListType(getNullableType(definition.type)) ? page : 1;
    return times(count, add(1, inner));
  }

  private fragment(name: string, page: number): number {
    const key = `${name}/${page}`;
    const known = this.fragments.get(key);
    if (known !== undefined) return known;
    const definition = this.fragmentDefinitions.get(name);
    // A cycle or an unknown fragment is a validation error; validation ran before this.
    if (!definition || this.inProgress.has(key)) return 0;
    this.inProgress.add(key);
    const type = this.schema.getType(definition.typeCondition.name.value);
    const cost = this.selectionSet(definition.selectionSet, type, page);
    this.inProgress.delete(key);
    this.fragments.set(key, cost);
    return cost;
  }

  /** The page a `first` argument asks for, as storage will serve it (absent or null: the default). */
  private pageSize(node: FieldNode): number {
    const argument = node.arguments?.find((arg) => arg.name.value === PAGE_ARGUMENT);
    const value = argument ? this.valueOf(argument.value) : undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) return DEFAULT_PAGE_SIZE;
    return Math.min(Math.max(value, 0), MAX_PAGE_SIZE);
  }

  private valueOf(node: ValueNode): unknown {
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind !== Kind.VARIABLE) return undefined;
    const name = node.name.value;
    const given = this.variables?.[name];
    if (given !== undefined && given !== null) return given;
    const fallback = this.variableDefaults.get(name);
    return fallback ? this.valueOf(fallback) : undefined;
  }
}

function variableDefaults(operation: OperationDefinitionNode): Map<string, ValueNode> {
  const defaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) defaults.set(definition.variable.name.value, definition.defaultValue);
  }
  return defaults;
}

function rootType(schema: GraphQLSchema, operation: OperationDefinitionNode): GraphQLNamedType | undefined {
  return schema.getRootType(operation.operation) ?? undefined;
}

/**
 * The estimated cost of `operation` of a validated `document` with the request's `variables`; without
 * an operation (several and no name), the costliest of the document's operations.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode | null | undefined,
  variables: Variables,
): number {
  const operations = operation
    ? [operation]
    : document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  let cost = 0;
  for (const op of operations) cost = Math.max(cost, operationCost(schema, document, op, variables));
  return cost;
}

/**
 * Costs of operations that declare no variables: they depend only on the schema and the document,
 * and validated documents are kept and sent again (operation-cache.ts), so each is estimated once.
 * A valid document uses no variable its operation does not declare, fragments included.
 */
const fixedCosts = new WeakMap<
  OperationDefinitionNode,
  { readonly schema: GraphQLSchema; readonly cost: number }
>();

function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  op: OperationDefinitionNode,
  variables: Variables,
): number {
  const fixed = !op.variableDefinitions || op.variableDefinitions.length === 0;
  const known = fixed ? fixedCosts.get(op) : undefined;
  if (known?.schema === schema) return known.cost;
  const estimator = new CostEstimator(schema, document, variables, variableDefaults(op));
  const cost = estimator.selectionSet(op.selectionSet, rootType(schema, op), 1);
  if (fixed) fixedCosts.set(op, { schema, cost });
  return cost;
}
