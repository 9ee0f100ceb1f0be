/**
 * Resolvers of the query root (spec §7): `X` for object classes, `X_connection` for every class (local,
 * proxied to one member, or recursive), and `X_counter`. Every one checks the class's `read` first
 * (spec §6); the fields of the records are checked one by one by the node resolver.
 */
import type { Contract, DataClass } from '../contract/index.js';
import { evaluateFilter, type FilterInput, type Page, type ValidFilter } from '../storage/index.js';
import { assertClassAllowed, readableFilter } from './access.js';
import { jsonBytes, meteredRead, recordsBytes } from './answer-meter.js';
import type { MembershipContext, ProxyEdge, ProxyError, ProxyRequest, ProxyResult } from './context.js';
import { guarded, type Resolver } from './errors.js';
import { forward, routeQuery, type ConnectionArgs } from './federation.js';
import { nodeSource, type NodeSource } from './node.js';
import { EdgeClaims, keepTrustedClaims } from './claims.js';
import { edgeSignature, type EdgeSignature } from './signatures.js';

/** The source of a `T_connection` (field names as in the schema, so default resolvers apply). */
export interface ConnectionSource {
  readonly total_count: number;
  readonly edges: readonly EdgeSource[];
  readonly page_info: { readonly end_cursor: string | null; readonly has_next_page: boolean };
  readonly remote_errors: readonly ProxyError[];
}

export interface EdgeSource {
  readonly cursor: string;
  readonly origin: string | null;
  /**
   * The member whose client certificate appended the record here (appender.ts): for the owner's eyes
   * only, and only for this pod's records; null otherwise and when none was recorded.
   */
  readonly appender: string | null;
  readonly node: NodeSource;
  /** The record's data signature (spec §9), verified only if the client selects it; null: none. */
  readonly signature: EdgeSignature | null;
  /** The record's claims (claims.ts), checked only if the client selects them or filters on them. */
  readonly claims: EdgeClaims;
}

export interface FilterArgs {
  readonly filter?: FilterInput | null;
}

/** `X`: this pod's record of an object class, or null. */
export function objectResolver(cls: DataClass): Resolver<unknown, unknown, Promise<NodeSource | null>> {
  return guarded(async (_source, _args, context) => {
    assertClassAllowed(cls, 'read', context);
    const record = await meteredRead(
      context.answer,
      () => context.store.getObject(cls.name),
      (read) => (read ? jsonBytes(read.data) : 0),
    );
    return record ? nodeSource(cls.fields, record.data) : null;
  });
}

/** `X_counter(filter)`: how many records match. */
export function counterResolver(cls: DataClass): Resolver<unknown, FilterArgs, Promise<number>> {
  return guarded(async (_source, args, context) => {
    assertClassAllowed(cls, 'read', context);
    readableFilter(cls, args.filter, context.requester);
    context.answer?.check();
    return context.store.count(cls.name, args.filter);
  });
}

/** `X_connection(...)` (spec §7, §8). */
export function connectionResolver(
  cls: DataClass,
  contract: Contract,
): Resolver<unknown, ConnectionArgs, Promise<ConnectionSource>> {
  return guarded(async (_source, args, context) =>
    withTrustedClaims(await connection(cls, contract, args, context), args.trusted_claim, context),
  );
}

/** `trusted_claim`: the connection with only the edges it keeps (a filtered page). */
async function withTrustedClaims(
  source: ConnectionSource,
  statement: string | null | undefined,
  context: MembershipContext,
): Promise<ConnectionSource> {
  if (statement === undefined || statement === null) return source;
  const edges = await keepTrustedClaims(source.edges, statement, context);
  return { ...source, edges, total_count: edges.length };
}

async function connection(
  cls: DataClass,
  contract: Contract,
  args: ConnectionArgs,
  context: MembershipContext,
): Promise<ConnectionSource> {
  {
    const route = routeQuery(cls.name, contract, args, context);
    if (route.kind === 'remote') {
      // The remote pod applies its own rules for this pod (spec §8); the filter is still checked here
      // so a malformed one fails the same way as locally, and again over what comes back.
      const filter = readableFilter(cls, args.filter, context.requester);
      return remoteConnection(cls, filter, await forwardMetered(route.request, context));
    }
    const decision = assertClassAllowed(cls, 'read', context);
    const filter = readableFilter(cls, args.filter, context.requester);
    const page = await meteredRead(
      context.answer,
      () => context.store.query(cls.name, { filter: args.filter, first: args.first, after: args.after }),
      (read) => recordsBytes(read.records),
    );
    // A grant with `anonimized_responses` (spec §5) reads the records but not whose pod holds them.
    const origin = decision.grant?.permission.anonymizedResponses ? null : context.memberId;
    const local = localConnection(cls, page, origin, context.requester.kind === 'owner');
    if (route.kind === 'local') return local;
    return mergeRemote(cls, local, filter, await forwardMetered(route.request, context));
  }
}

/**
 * Forwards, counting the records that come back in the answer's bytes. Remote reads are not taken one
 * at a time like local ones (they wait on the network); the fan-out bounds what each brings back.
 */
async function forwardMetered(request: ProxyRequest, context: MembershipContext): Promise<ProxyResult> {
  context.answer?.check();
  const result = await forward(request, context);
  let bytes = 0;
  for (const edge of result.edges)
    bytes += jsonBytes(edge.node) + edge.cursor.length + (edge.signature?.length ?? 0);
  context.answer?.charge(bytes);
  return result;
}

/** `memberId` null: origins are withheld. `forOwner`: appenders are shown. */
function localConnection(
  cls: DataClass,
  page: Page,
  memberId: string | null,
  forOwner: boolean,
): ConnectionSource {
  return {
    total_count: page.totalCount,
    edges: page.records.map((record) => ({
      cursor: record.cursor,
      // spec §7: the member whose pod holds the record; a cached copy of remote data names its source.
      origin: memberId === null ? null : (record.meta.origin ?? memberId),
      appender: forOwner ? (record.meta.appender ?? null) : null,
      node: nodeSource(cls.fields, record.data),
      // The signature names its signer: withheld with the origin, for the same reason.
      signature: memberId === null ? null : edgeSignature(record.meta.signature, cls.name, record.data),
      claims: new EdgeClaims(cls.name, record.data),
    })),
    page_info: { end_cursor: page.endCursor, has_next_page: page.hasNextPage },
    remote_errors: [],
  };
}

/** Remote edges that match the filter: remote pods are not trusted to have applied it. */
function remoteEdges(cls: DataClass, filter: ValidFilter, edges: readonly ProxyEdge[]): EdgeSource[] {
  return edges
    .filter((edge) => evaluateFilter(filter, edge.node))
    .map((edge) => ({
      cursor: edge.cursor,
      origin: edge.origin,
      // Another pod's bookkeeping is not forwarded (the forwarded document does not ask for it).
      appender: null,
      node: nodeSource(cls.fields, edge.node),
      signature: edgeSignature(edge.signature, cls.name, edge.node),
      claims: new EdgeClaims(cls.name, edge.node),
    }));
}

function remoteConnection(cls: DataClass, filter: ValidFilter, result: ProxyResult): ConnectionSource {
  const edges = remoteEdges(cls, filter, result.edges);
  return {
    total_count: edges.length,
    edges,
    page_info: { end_cursor: edges.at(-1)?.cursor ?? null, has_next_page: false },
    remote_errors: result.errors,
  };
}

/**
 * spec §8: this pod's page first, then what the linked pods sent. Paging (`after`, `has_next_page`)
 * is this pod's; remote pods each answer with at most `first` records of their own.
 */
function mergeRemote(
  cls: DataClass,
  local: ConnectionSource,
  filter: ValidFilter,
  result: ProxyResult,
): ConnectionSource {
  const edges = remoteEdges(cls, filter, result.edges);
  return {
    total_count: local.total_count + edges.length,
    edges: [...local.edges, ...edges],
    page_info: local.page_info,
    remote_errors: result.errors,
  };
}
