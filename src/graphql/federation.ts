/**
 * The federation arguments of `X_connection` (spec §7, §8), checked before anything is read, and the
 * call to the pod's proxy hook. The forwarding itself (mTLS, query-id memory, signatures, timeouts)
 * belongs to src/federation; this layer only decides whether a query may leave the pod and how.
 */
import { randomUUID } from 'node:crypto';
import type { Contract } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import type { Requester } from '../firewall/index.js';
import type { FilterInput, JsonObject, RecordInput } from '../storage/index.js';
import type { MembershipContext, ProxyRequest, ProxyResult } from './context.js';

/** `X_connection`'s arguments as graphql-js hands them over (null = given as null). */
export interface ConnectionArgs {
  readonly filter?: FilterInput | null;
  readonly first?: number | null;
  readonly after?: string | null;
  readonly depth?: number | null;
  readonly relations?: readonly string[] | null;
  readonly remote_member_id?: string | null;
  readonly query_id?: string | null;
  readonly timestamp?: string | null;
  readonly origin_member_id?: string | null;
  readonly origin_signature?: string | null;
  /** Not forwarded: this pod filters on its owner's trusted apps (claims.ts). */
  readonly trusted_claim?: string | null;
}

/** What the connection resolver does with a query. */
export type QueryRoute =
  | { readonly kind: 'local' }
  | { readonly kind: 'remote'; readonly request: ProxyRequest }
  | { readonly kind: 'recursive'; readonly request: ProxyRequest };

function badRequest(message: string): ByodaError {
  return new ByodaError('BYODA_ERR_BAD_REQUEST', message);
}

/** Refused before anything is read: a pod without federation does not answer such queries partially. */
function noFederation(): ByodaError {
  return badRequest('this pod does not forward queries: remote_member_id and depth >= 1 are not available');
}

const given = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

function checkDepth(depth: number, contract: Contract): void {
  if (depth < 0) throw badRequest('depth must not be negative');
  if (depth > contract.maxQueryDepth) {
    throw badRequest(
      `depth ${depth} is more than the greatest depth this service allows, ${contract.maxQueryDepth} ` +
        '(max_query_depth, spec §8)',
    );
  }
}

/** Relations are lower-cased in the contract (spec §5), so the names a client gives are too. */
function normalizeRelations(relations: readonly string[] | null | undefined): readonly string[] | undefined {
  if (relations === null || relations === undefined) return undefined;
  return [...new Set(relations.map((r) => r.toLowerCase()))];
}

/**
 * Spec §8: a recursive query needs a query id so pods visit it once. The owner's own pod originates
 * the query for them (spec §10), so it makes one up when the owner's app sent none; anyone else
 * forwarding to us must carry the id of the query they are part of.
 */
function queryIdFor(args: ConnectionArgs, requester: Requester): string {
  if (args.query_id) return args.query_id;
  if (requester.kind === 'owner') return randomUUID();
  throw badRequest('query_id is required when depth >= 1 (spec §8)');
}

/**
 * The filter as plain JSON: graphql-js builds input objects without a prototype, and the hook signs
 * and sends the filter (spec §8), so it gets ordinary objects and arrays.
 */
function plainFilter(filter: FilterInput | null | undefined): FilterInput | undefined {
  if (filter === null || filter === undefined) return undefined;
  return JSON.parse(JSON.stringify(filter)) as FilterInput;
}

function proxyRequest(
  className: string,
  args: ConnectionArgs,
  depth: number,
  requester: Requester,
  queryId: string | undefined,
): ProxyRequest {
  return {
    className,
    filter: plainFilter(args.filter),
    first: given(args.first),
    after: given(args.after),
    depth,
    relations: normalizeRelations(args.relations),
    remoteMemberId: given(args.remote_member_id),
    queryId,
    timestamp: given(args.timestamp),
    originMemberId: given(args.origin_member_id),
    originSignature: given(args.origin_signature),
    requester,
  };
}

/**
 * Decides how a connection query is answered, refusing what may not be done: a depth beyond the
 * contract's `max_query_depth`, `remote_member_id` with a depth (spec §8 forwards it with depth 0),
 * and `remote_member_id` from anyone but the owner, since a pod proxies only for its owner (spec §10)
 * and must not become an open relay for other members.
 */
export function routeQuery(
  className: string,
  contract: Contract,
  args: ConnectionArgs,
  context: Pick<MembershipContext, 'requester' | 'memberId' | 'proxy'>,
): QueryRoute {
  const depth = args.depth ?? 0;
  checkDepth(depth, contract);
  const remote = given(args.remote_member_id);
  if (remote !== undefined && remote !== context.memberId) {
    if (depth > 0) throw badRequest('remote_member_id cannot be combined with depth >= 1 (spec §8)');
    if (context.requester.kind !== 'owner') {
      throw new ByodaError('BYODA_ERR_FORBIDDEN', "only the pod's owner can have it query another member");
    }
    if (!context.proxy) throw noFederation();
    return {
      kind: 'remote',
      request: proxyRequest(className, args, 0, context.requester, given(args.query_id)),
    };
  }
  if (depth === 0) return { kind: 'local' };
  if (!context.proxy) throw noFederation();
  const queryId = queryIdFor(args, context.requester);
  return { kind: 'recursive', request: proxyRequest(className, args, depth, context.requester, queryId) };
}

/** Forwards through the pod's hook (present: `routeQuery` only routes away from this pod when it is). */
export async function forward(request: ProxyRequest, context: MembershipContext): Promise<ProxyResult> {
  if (!context.proxy) throw noFederation();
  return context.proxy(request);
}

// ---- appends in another member's pod ---------------------------------------------------------------

/** `append_X`'s federation argument. */
export interface RemoteAppendArgs {
  readonly remote_member_id?: string | null;
}

/**
 * The member whose pod an append goes to, or undefined to append here. Only the owner may send one
 * (spec §10: a pod acts for its owner; for anyone else it would be an open relay), and only through a
 * pod that has the hook.
 */
export function appendRoute(
  args: RemoteAppendArgs,
  context: Pick<MembershipContext, 'requester' | 'memberId' | 'remoteAppend'>,
): string | undefined {
  const remote = given(args.remote_member_id);
  if (remote === undefined || remote === context.memberId) return undefined;
  if (context.requester.kind !== 'owner') {
    throw new ByodaError(
      'BYODA_ERR_FORBIDDEN',
      "only the pod's owner can have it append in another member's pod",
    );
  }
  if (!context.remoteAppend) {
    throw badRequest('this pod does not send appends to other pods: remote_member_id is not available');
  }
  return remote;
}

/** Sends the append through the pod's hook (present: `appendRoute` only routes away when it is). */
export async function forwardAppend(
  className: string,
  input: RecordInput,
  signature: string | undefined,
  remoteMemberId: string,
  context: MembershipContext,
): Promise<JsonObject> {
  if (!context.remoteAppend) throw badRequest('this pod does not send appends to other pods');
  // graphql-js builds input objects without a prototype; the hook serializes plain JSON.
  const plain = JSON.parse(JSON.stringify(input)) as RecordInput;
  return context.remoteAppend({ className, input: plain, signature, remoteMemberId });
}
