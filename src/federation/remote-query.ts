/**
 * The GraphQL a pod sends to another pod for a forwarded query (spec §7, §8), and how it reads the
 * answer. The document asks `X_connection` with the forwarded arguments as variables and selects every
 * field of the class's type that the contract serves (nested objects expanded from the contract
 * model), so that the whole record comes back and can be checked against the contract here; plus each
 * edge's `origin`, `cursor` and data signature's `jws` (spec §9: verified here, by the asking pod) and
 * the remote pod's own `remote_errors` (from its further hops).
 *
 * Every error this produces carries a code (`ProxyError.code`): the remote pod's when it refused or
 * failed and sent a well-formed BYODA_ERR_* code, this pod's own for what it found wrong with the
 * answer, null when the remote pod sent no usable code (another implementation, an older pod).
 *
 * `after` is never forwarded: paging belongs to the pod that answers the client (the graphql layer
 * merges remote edges after its own page), and each remote pod answers with its first page.
 */
import type { DataClass, Field } from '../contract/index.js';
import { rootFieldNames, typeNames } from '../graphql/index.js';
import type { ProxyEdge, ProxyError } from '../graphql/index.js';
import { ByodaError, isByodaError } from '../errors/index.js';
import { MAX_DATA_SIGNATURE_LENGTH } from '../signing/index.js';
import { canonicalUuid } from '../storage/index.js';
import type { FilterInput } from '../storage/index.js';
import type { GraphQLRequestBody, PeerResponse } from './peer-pool.js';
import { checkRemoteRecord, servedFields } from './remote-records.js';

/** The arguments forwarded to the next pod, in the names of the `X_connection` arguments. */
export interface RemoteQueryArgs {
  readonly filter?: FilterInput | undefined;
  readonly first?: number | undefined;
  /** The depth the next pod gets: the depth this pod was asked minus one (0 for `remote_member_id`). */
  readonly depth: number;
  readonly relations?: readonly string[] | undefined;
  readonly queryId?: string | undefined;
  readonly timestamp?: string | undefined;
  readonly originMemberId?: string | undefined;
  readonly originSignature?: string | undefined;
}

/**
 * An edge as a remote pod sent it, checked. `origin` is null when the pod withheld it (a grant with
 * `anonimized_responses`, spec §5); the fan-out decides what to show instead.
 */
export interface RemoteEdge extends Omit<ProxyEdge, 'origin'> {
  readonly origin: string | null;
}

/** What one remote pod contributed: its valid edges, and errors naming origins. */
export interface RemoteAnswer {
  readonly edges: readonly RemoteEdge[];
  readonly errors: readonly ProxyError[];
}

/** The alias of the connection in the document, so the answer is read the same way for every class. */
export const REMOTE_RESULT_ALIAS = 'result';
/** Longest cursor accepted from another pod (ours are far shorter). */
export const MAX_REMOTE_CURSOR_LENGTH = 1024;
/** Most `remote_errors` taken over from one pod, and the longest message kept. */
export const MAX_FORWARDED_ERRORS = 100;
export const MAX_ERROR_MESSAGE_LENGTH = 300;
/** A code another pod may send: ours are far shorter; anything else is not taken over. */
const WELL_FORMED_CODE = /^BYODA_ERR_[A-Z0-9_]{1,64}$/;

const documents = new WeakMap<DataClass, string>();

/** The document and variables for `cls` (the document is built once per class of a contract). */
export function buildRemoteQuery(cls: DataClass, args: RemoteQueryArgs): GraphQLRequestBody {
  let query = documents.get(cls);
  if (query === undefined) {
    query = remoteDocument(cls);
    documents.set(cls, query);
  }
  const variables: Record<string, unknown> = {
    depth: args.depth,
    ...defined('filter', hasFilterType(cls) ? args.filter : undefined),
    ...defined('first', args.first),
    ...defined('relations', args.relations),
    ...defined('query_id', args.queryId),
    ...defined('timestamp', args.timestamp),
    ...defined('origin_member_id', args.originMemberId),
    ...defined('origin_signature', args.originSignature),
  };
  return { query, variables };
}

function defined(name: string, value: unknown): Record<string, unknown> {
  return value === undefined ? {} : { [name]: value };
}

/** The generated schema has `T_filter` only when the type has a scalar field to filter on. */
function hasFilterType(cls: DataClass): boolean {
  return servedFields(cls.fields).some((field) => field.type.kind === 'scalar');
}

function remoteDocument(cls: DataClass): string {
  const filter = hasFilterType(cls);
  const variableDefinitions = [
    ...(filter ? [`$filter: ${typeNames(cls.typeName).filter}`] : []),
    '$first: Int',
    '$depth: Int',
    '$relations: [String!]',
    '$query_id: UUID',
    '$timestamp: DateTime',
    '$origin_member_id: UUID',
    '$origin_signature: String',
  ];
  const args = [
    ...(filter ? ['filter: $filter'] : []),
    'first: $first',
    'depth: $depth',
    'relations: $relations',
    'query_id: $query_id',
    'timestamp: $timestamp',
    'origin_member_id: $origin_member_id',
    'origin_signature: $origin_signature',
  ];
  return (
    `query byoda_forwarded_${cls.name}(${variableDefinitions.join(', ')}) { ` +
    `${REMOTE_RESULT_ALIAS}: ${rootFieldNames(cls.name).connection}(${args.join(', ')}) { ` +
    `edges { cursor origin node { ${selection(cls.fields)} } signature { jws } } ` +
    'remote_errors { origin message code } } }'
  );
}

/** Every served field; nested objects (also in arrays) with their own fields. */
export function selection(fields: readonly Field[]): string {
  return servedFields(fields)
    .map((field) => {
      const type = field.type.kind === 'array' ? field.type.items : field.type;
      return type.kind === 'object' ? `${field.name} { ${selection(type.fields)} }` : field.name;
    })
    .join(' ');
}

// ---- the answer ----------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` when it is a well-formed BYODA_ERR_* code (a remote pod's), else null. */
export function remoteErrorCode(value: unknown): string | null {
  return typeof value === 'string' && WELL_FORMED_CODE.test(value) ? value : null;
}

function shortMessage(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > MAX_ERROR_MESSAGE_LENGTH ? `${line.slice(0, MAX_ERROR_MESSAGE_LENGTH - 1)}…` : line;
}

/**
 * Reads a pod's GraphQL answer: the connection's valid edges, records that break the contract
 * dropped and reported, its `remote_errors` taken over; or one error for `from` when there is no
 * connection (the pod refused the query, failed, or answered something that is not GraphQL). Errors
 * on single fields (a field this pod may not read) are not failures: the field is just null.
 */
export function readRemoteAnswer(cls: DataClass, response: PeerResponse, from: string): RemoteAnswer {
  const { body, status } = response;
  const data = isRecord(body) && isRecord(body['data']) ? body['data'] : undefined;
  const connection = data?.[REMOTE_RESULT_ALIAS];
  if (!isRecord(connection)) {
    return { edges: [], errors: [{ origin: from, ...failure(body, status) }] };
  }
  const checked = validateRemoteEdges(cls, connection['edges'], from);
  return {
    edges: checked.edges,
    errors: [...checked.errors, ...forwardedErrors(connection['remote_errors'])],
  };
}

/**
 * The remote pod's own message and code for a refused or failed query (e.g. "not allowed to read
 * ...", BYODA_ERR_FORBIDDEN): its first GraphQL error, or its spec §4 error body (a refusal before
 * GraphQL, such as a bad client certificate). An answer with neither is this pod's finding.
 */
function failure(body: unknown, status: number): { message: string; code: string | null } {
  const errors = isRecord(body) ? body['errors'] : undefined;
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  if (isRecord(first) && typeof first['message'] === 'string') {
    const extensions = first['extensions'];
    const code = isRecord(extensions) ? remoteErrorCode(extensions['code']) : null;
    return { message: shortMessage(first['message']), code };
  }
  const error = isRecord(body) ? body['error'] : undefined;
  if (isRecord(error) && typeof error['message'] === 'string') {
    return { message: shortMessage(error['message']), code: remoteErrorCode(error['code']) };
  }
  return { message: `the pod answered ${status} without a GraphQL result`, code: 'BYODA_ERR_UNREACHABLE' };
}

/**
 * `remote_errors` of the remote pod (from pods further away): kept when well-formed, bounded. Each
 * keeps its code when that is well-formed; an entry without one (a pod that does not send codes) is
 * kept with null.
 */
function forwardedErrors(value: unknown): ProxyError[] {
  if (!Array.isArray(value)) return [];
  const errors: ProxyError[] = [];
  for (const item of value.slice(0, MAX_FORWARDED_ERRORS)) {
    if (!isRecord(item) || typeof item['message'] !== 'string') continue;
    const origin = canonicalUuid(item['origin']);
    if (origin === undefined) continue;
    errors.push({ origin, message: shortMessage(item['message']), code: remoteErrorCode(item['code']) });
  }
  return errors;
}

/**
 * Keeps the edges whose record fits `cls` under this pod's contract and whose `cursor` and `origin`
 * are well-formed; every dropped edge is counted in one error for `from`, the pod that sent it.
 */
export function validateRemoteEdges(cls: DataClass, edges: unknown, from: string): RemoteAnswer {
  if (!Array.isArray(edges)) {
    const message = 'the answer has no list of edges';
    return { edges: [], errors: [{ origin: from, message, code: 'BYODA_ERR_VALUE' }] };
  }
  const valid: RemoteEdge[] = [];
  const problems: ByodaError[] = [];
  for (const edge of edges) {
    try {
      valid.push(checkEdge(cls, edge));
    } catch (err) {
      if (!isByodaError(err)) throw err;
      problems.push(err);
    }
  }
  if (problems.length === 0) return { edges: valid, errors: [] };
  const message = shortMessage(
    `dropped ${problems.length === 1 ? '1 record that breaks' : `${problems.length} records that break`} ` +
      'the contract ' +
      `(${problems[0]?.message ?? ''})`,
  );
  // The first problem's code stands for all: they are this pod's checks of the records.
  return { edges: valid, errors: [{ origin: from, message, code: problems[0]?.code ?? 'BYODA_ERR_VALUE' }] };
}

function checkEdge(cls: DataClass, edge: unknown): RemoteEdge {
  const bad = (problem: string): ByodaError => new ByodaError('BYODA_ERR_VALUE', problem);
  if (!isRecord(edge)) throw bad('an edge is not an object');
  const { cursor, origin, node, signature } = edge;
  if (typeof cursor !== 'string' || cursor.length > MAX_REMOTE_CURSOR_LENGTH) {
    throw bad('an edge has no valid cursor');
  }
  const checkedOrigin = origin === null || origin === undefined ? null : canonicalUuid(origin);
  if (checkedOrigin === undefined) throw bad('an edge has an origin that is not a member id');
  const jws = checkSignature(signature);
  const record = checkRemoteRecord(cls.fields, node, cls.typeName);
  return { cursor, origin: checkedOrigin, node: record, ...(jws === undefined ? {} : { signature: jws }) };
}

/**
 * An edge's `signature { jws }` (spec §9): the JWS only, never the remote pod's `verified` (this pod
 * verifies for itself when its client asks). Its form is left to that check, which explains a bad one.
 */
function checkSignature(signature: unknown): string | undefined {
  if (signature === null || signature === undefined) return undefined;
  const jws = isRecord(signature) ? signature['jws'] : undefined;
  // Withheld by the remote pod: the record has fields this pod may not read there, which the
  // signature also covers. It cannot be verified here, so the edge carries none.
  if (jws === null) return undefined;
  if (typeof jws !== 'string' || jws.length > MAX_DATA_SIGNATURE_LENGTH) {
    throw new ByodaError('BYODA_ERR_VALUE', 'an edge has a signature that is not a data signature');
  }
  return jws;
}
