/**
 * Forwarded queries arriving at this pod (spec §6, §8), checked before the operation runs: the pod's
 * requester for the operation depends on them (distance, verified origin), and a query id seen before
 * must be answered with nothing at all, local data included, which only the server can arrange.
 *
 * A connection field is **forwarded** when it has `depth >= 1` or carries any of `timestamp`,
 * `origin_member_id` and `origin_signature`. For such an operation from another member:
 *
 * 1. every root field must be a forwarded `X_connection` (the signature covers what it names and
 *    nothing else, so it must not lend its weight to other fields of the same operation);
 * 2. each must carry `query_id`, `timestamp`, `origin_member_id` and `origin_signature`, ask at most
 *    the contract's `max_query_depth`, and the signature must verify (origin-signature.ts: signer's
 *    data cert, age, fields); both are checked before the query id is remembered, so a forged or
 *    over-deep query cannot burn the id of a real one;
 * 3. the requester stays the member that connected (mutual TLS) with its own link relations, and gets
 *    `originSignatureVerified: true` and `distance` = hops from the originating pod (the greatest
 *    over the operation's fields): 1 when the originating pod itself connects, 2 for the peers of its
 *    peers, and so on (spec §6: the depth of a proxied query counts as distance);
 * 4. a query id seen before makes the whole operation a replay: answer it with `replayContext`.
 *
 * The owner originates queries (the hook signs them) and is not admitted here; the service and
 * anonymous clients cannot sign (no member data key), so a forwarded query from them is refused.
 */
import { Kind, getArgumentValues, getOperationAST, getVariableValues } from 'graphql';
import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLSchema,
  SelectionSetNode,
} from 'graphql';
import { ByodaError } from '../errors/index.js';
import type { MemberRequester, Requester } from '../firewall/index.js';
import type { MembershipContext, ProxyResult } from '../graphql/index.js';
import type { DataStore, FilterInput, Page } from '../storage/index.js';
import { verifyOriginSignature } from './origin-signature.js';
import type { VerifiedOrigin, VerifyOriginOptions } from './origin-signature.js';
import type { QueryMemory } from './query-memory.js';

/** The operation as graphql-js executes it (e.g. the pod's prepared operation). */
export interface OperationInput {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly variableValues?: Readonly<Record<string, unknown>> | null | undefined;
  readonly operationName?: string | null | undefined;
}

/** The federation arguments of one root `X_connection` field, coerced as the resolver will get them. */
export interface IncomingConnection {
  readonly className: string;
  readonly filter: FilterInput | undefined;
  readonly depth: number;
  readonly relations: readonly string[] | undefined;
  readonly queryId: string | undefined;
  readonly timestamp: string | undefined;
  readonly originMemberId: string | undefined;
  readonly originSignature: string | undefined;
}

export interface IncomingOperation {
  readonly connections: readonly IncomingConnection[];
  /** Other root fields (`X`, `X_counter`, ...); `__typename` is left out, it reveals nothing. */
  readonly otherFields: readonly string[];
}

export interface AdmissionDeps {
  readonly queryMemory: QueryMemory;
  /** How signatures are checked; `maxSignedDepth` is the contract's `max_query_depth`. */
  readonly verify: VerifyOriginOptions;
}

export interface Admission {
  /** The requester to run the operation as. */
  readonly requester: Requester;
  /** The query id was seen before: run with `replayContext` (no data, nothing forwarded). */
  readonly replay: boolean;
}

const NONE: IncomingOperation = { connections: [], otherFields: [] };
const CONNECTION_SUFFIX = '_connection';

/**
 * The root fields of the operation that will run, with the connection fields' arguments. An
 * operation that will fail anyway (unknown operation, variables that do not coerce) reads as empty:
 * execution reports those errors itself.
 */
export function readIncomingOperation(input: OperationInput): IncomingOperation {
  const operation = getOperationAST(input.document, input.operationName ?? undefined);
  const queryType = input.schema.getQueryType();
  if (!operation || operation.operation !== 'query' || !queryType) return NONE;
  const coerced = getVariableValues(input.schema, operation.variableDefinitions ?? [], {
    ...input.variableValues,
  });
  if (coerced.errors) return NONE;
  const fragments = fragmentsOf(input.document);
  const fields = queryType.getFields();
  const connections: IncomingConnection[] = [];
  const otherFields: string[] = [];
  for (const node of rootFields(operation.selectionSet, fragments, new Set())) {
    const name = node.name.value;
    const definition = fields[name];
    if (name === '__typename') continue;
    if (!definition || !name.endsWith(CONNECTION_SUFFIX)) {
      otherFields.push(name);
      continue;
    }
    try {
      const args = getArgumentValues(definition, node, coerced.coerced);
      connections.push(connectionArguments(name.slice(0, -CONNECTION_SUFFIX.length), args));
    } catch {
      return NONE;
    }
  }
  return { connections, otherFields };
}

function fragmentsOf(document: DocumentNode): ReadonlyMap<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** Root fields, through inline fragments and fragment spreads (each fragment once). */
function rootFields(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  visited: Set<string>,
): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      fields.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fields.push(...rootFields(selection.selectionSet, fragments, visited));
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || visited.has(name)) continue;
      visited.add(name);
      fields.push(...rootFields(fragment.selectionSet, fragments, visited));
    }
  }
  return fields;
}

const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

function connectionArguments(className: string, args: Record<string, unknown>): IncomingConnection {
  const { filter, depth, relations } = args;
  return {
    className,
    // Plain JSON, as the graphql layer hands the filter to the hook (graphql-js builds null-prototype
    // objects), so that the signature is checked over the same value the hook forwards.
    filter:
      filter === null || filter === undefined
        ? undefined
        : (JSON.parse(JSON.stringify(filter)) as FilterInput),
    depth: typeof depth === 'number' ? depth : 0,
    relations: Array.isArray(relations)
      ? relations.filter((r): r is string => typeof r === 'string')
      : undefined,
    queryId: optionalString(args['query_id']),
    timestamp: optionalString(args['timestamp']),
    originMemberId: optionalString(args['origin_member_id']),
    originSignature: optionalString(args['origin_signature']),
  };
}

/** Whether a connection field takes part in a forwarded query (see the file comment). */
export function isForwarded(connection: IncomingConnection): boolean {
  return (
    connection.depth >= 1 ||
    connection.timestamp !== undefined ||
    connection.originMemberId !== undefined ||
    connection.originSignature !== undefined
  );
}

/**
 * Checks the forwarded queries of an operation and returns the requester to run it as, or throws
 * BYODA_ERR_BAD_REQUEST / BYODA_ERR_FORBIDDEN (see the file comment for the rules).
 */
export async function admitIncomingQuery(
  operation: IncomingOperation,
  requester: Requester,
  deps: AdmissionDeps,
): Promise<Admission> {
  const forwarded = operation.connections.filter(isForwarded);
  if (forwarded.length === 0 || requester.kind === 'owner') return { requester, replay: false };
  if (requester.kind !== 'member') {
    throw new ByodaError(
      'BYODA_ERR_FORBIDDEN',
      'only members of the service can send forwarded queries: they need an origin signature (spec §8)',
    );
  }
  if (operation.otherFields.length > 0 || forwarded.length !== operation.connections.length) {
    throw new ByodaError(
      'BYODA_ERR_BAD_REQUEST',
      'a forwarded query may hold only forwarded X_connection fields: the origin signature covers ' +
        'nothing else',
    );
  }
  const origins = await Promise.all(forwarded.map((connection) => verifyConnection(connection, deps)));
  const replay = rememberQueryIds(forwarded, deps.queryMemory);
  return { requester: admittedMember(requester, origins), replay };
}

async function verifyConnection(
  connection: IncomingConnection,
  deps: AdmissionDeps,
): Promise<VerifiedOrigin> {
  const { queryId, timestamp, originMemberId, originSignature } = connection;
  if (!queryId || !timestamp || !originMemberId || !originSignature) {
    throw new ByodaError(
      'BYODA_ERR_BAD_REQUEST',
      'a forwarded query needs query_id, timestamp, origin_member_id and origin_signature (spec §8)',
    );
  }
  checkDepth(connection.depth, deps.verify.maxSignedDepth);
  return verifyOriginSignature(
    {
      query_id: queryId,
      timestamp,
      service_id: deps.verify.serviceId,
      class: connection.className,
      filter: connection.filter,
      depth: connection.depth,
      relations: connection.relations,
      origin_member_id: originMemberId,
      origin_signature: originSignature,
    },
    deps.verify,
  );
}

/**
 * spec §8: a depth beyond the contract's `max_query_depth` is refused. The resolver would refuse it
 * too, but only after admission had remembered the query id and cost a signature check; refusing it
 * here keeps such a query from using up the id, as for a forged one.
 */
function checkDepth(depth: number, maxDepth: number | undefined): void {
  if (maxDepth === undefined || depth <= maxDepth) return;
  throw new ByodaError(
    'BYODA_ERR_BAD_REQUEST',
    `depth ${depth} is more than the greatest depth this service allows, ${maxDepth} ` +
      '(max_query_depth, spec §8)',
  );
}

/** spec §8: one visit per pod and query id. Every id of the operation is remembered. */
function rememberQueryIds(connections: readonly IncomingConnection[], memory: QueryMemory): boolean {
  const ids = new Set(connections.map((c) => (c.queryId ?? '').toLowerCase()));
  let replay = false;
  for (const id of ids) {
    if (!memory.firstVisit(id)) replay = true;
  }
  return replay;
}

function admittedMember(requester: MemberRequester, origins: readonly VerifiedOrigin[]): MemberRequester {
  const distance = Math.max(requester.distance, ...origins.map((origin) => origin.distance));
  return { ...requester, distance, originSignatureVerified: true };
}

// ---- replays -------------------------------------------------------------------------------------------

const EMPTY_RESULT: ProxyResult = { edges: [], errors: [] };
const EMPTY_PAGE: Page = { records: [], totalCount: 0, endCursor: null, hasNextPage: false };

/**
 * The context for a replayed query id (spec §8: answered with no results, not forwarded again): a
 * store that holds nothing and a hook that forwards nothing. The requester becomes the owner of that
 * nothing, so that every connection answers empty rather than with a refusal: the answer is the same
 * for everyone, and tells only that this pod has seen the query. This is safe because admission lets
 * a replay hold nothing but forwarded connection fields, validated beforehand with the real requester.
 */
export function replayContext(context: MembershipContext): MembershipContext {
  // The replay runs as the owner over no data: its decisions are not the requester's, so the data
  // log (which already has the first run's) is not told of them.
  const { decisions, ...rest } = context;
  void decisions;
  return {
    ...rest,
    requester: { kind: 'owner' },
    store: withoutData(context.store),
    proxy: async () => EMPTY_RESULT,
  };
}

/** A read-only view of `store` in which every class is empty; writes are refused. */
function withoutData(store: DataStore): DataStore {
  const refuse = async (): Promise<never> => {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'a repeated forwarded query neither reads nor writes data');
  };
  return {
    get contract() {
      return store.contract;
    },
    getObject: async () => null,
    query: async () => EMPTY_PAGE,
    count: async () => 0,
    putObject: refuse,
    deleteObject: refuse,
    append: refuse,
    appendBatch: refuse,
    update: refuse,
    delete: refuse,
    deleteExpired: async () => 0,
    nextExpiry: async () => null,
    getState: async () => undefined,
    setState: refuse,
    // Nothing changes through this view, so nobody is ever told of a change.
    onChange: () => () => undefined,
    get closed() {
      return store.closed;
    },
    migrate: refuse,
    // The real store belongs to the membership; this view has nothing to close.
    close: async () => undefined,
  };
}
