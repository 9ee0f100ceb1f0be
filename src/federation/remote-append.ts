/**
 * `append_X(remote_member_id)`: the owner's append sent to another member's pod (ours; docs/protocol.md,
 * "Signed data"). The typical use is spec §9's: A's pod signs a record for A's owner and appends it
 * where the other member keeps such records (a follower edge in B's pod), under B's own rules for
 * members (its firewall decides whether A may append there).
 *
 * The pod sends `append_X(input, signature)` to the member's pod over mutual TLS through the
 * membership's peer pool, as the member it is, and returns the record the remote pod answered with,
 * checked against this pod's contract. Fields the remote pod does not let this member read come back
 * null and are left out. A refusal keeps the remote pod's code and message; a pod that cannot be
 * reached is BYODA_ERR_UNREACHABLE.
 */
import type { Contract, DataClass } from '../contract/index.js';
import { findClass } from '../contract/index.js';
import { ByodaError, isByodaError, type ErrorCode } from '../errors/index.js';
import type { RemoteAppendHook, RemoteAppendRequest } from '../graphql/index.js';
import { rootFieldNames, typeNames } from '../graphql/index.js';
import type { JsonObject } from '../storage/index.js';
import type { GraphQLRequestBody, PeerClient, PeerResponse } from './peer-pool.js';
import { checkRemoteRecord } from './remote-records.js';
import { REMOTE_RESULT_ALIAS, selection } from './remote-query.js';

export interface RemoteAppendDeps {
  readonly peers: PeerClient;
  readonly contract: () => Contract;
  /** How long the remote pod may take (default: the pool's). */
  readonly timeoutMs?: number;
}

/** Codes a remote pod's refusal keeps: they say what was wrong with the append, not with our pod. */
const RELAYED_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'BYODA_ERR_BAD_REQUEST',
  'BYODA_ERR_VALUE',
  'BYODA_ERR_FORBIDDEN',
  'BYODA_ERR_UNAUTHORIZED',
  'BYODA_ERR_CONFLICT',
  'BYODA_ERR_DATA_SIGNATURE',
  'BYODA_ERR_STORAGE_NOT_FOUND',
  'BYODA_ERR_NOT_FOUND',
  'BYODA_ERR_TOO_LARGE',
  'BYODA_ERR_RATE_LIMITED',
  'BYODA_ERR_PERSIST_DENIED',
]);
const MAX_MESSAGE_LENGTH = 300;

const documents = new WeakMap<DataClass, string>();

/** The document and variables sent for `request` (the document is built once per class). */
export function buildRemoteAppend(cls: DataClass, request: RemoteAppendRequest): GraphQLRequestBody {
  let query = documents.get(cls);
  if (query === undefined) {
    query =
      `mutation byoda_remote_append_${cls.name}($input: ${typeNames(cls.typeName).input}!, ` +
      `$signature: String) { ${REMOTE_RESULT_ALIAS}: ${rootFieldNames(cls.name).append}(` +
      `input: $input, signature: $signature) { ${selection(cls.fields)} } }`;
    documents.set(cls, query);
  }
  return {
    query,
    variables: {
      input: request.input,
      ...(request.signature === undefined ? {} : { signature: request.signature }),
    },
  };
}

export function createRemoteAppend(deps: RemoteAppendDeps): RemoteAppendHook {
  return async (request) => {
    const cls = findClass(deps.contract(), request.className);
    if (!cls || cls.kind !== 'array') {
      throw new ByodaError('BYODA_ERR_BAD_REQUEST', `${request.className} is not an array class`);
    }
    const response = await deps.peers.postGraphQL(
      request.remoteMemberId,
      buildRemoteAppend(cls, request),
      deps.timeoutMs === undefined ? {} : { timeoutMs: deps.timeoutMs },
    );
    return readRemoteAppend(cls, response, request.remoteMemberId);
  };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The appended record as the remote pod returned it, or its refusal as a ByodaError. */
export function readRemoteAppend(cls: DataClass, response: PeerResponse, from: string): JsonObject {
  const { body, status } = response;
  const data = isRecord(body) && isRecord(body['data']) ? body['data'] : undefined;
  const result = data?.[REMOTE_RESULT_ALIAS];
  if (isRecord(result)) {
    try {
      return checkRemoteRecord(cls.fields, result, cls.typeName);
    } catch (err) {
      if (!isByodaError(err)) throw err;
      throw new ByodaError(
        'BYODA_ERR_UNREACHABLE',
        `the pod of member ${from} appended the record but answered one that breaks the contract ` +
          `(${err.message})`,
      );
    }
  }
  throw remoteRefusal(body, status, from);
}

function remoteRefusal(body: unknown, status: number, from: string): ByodaError {
  const errors = isRecord(body) ? body['errors'] : undefined;
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  const nested = isRecord(body) && isRecord(body['error']) ? body['error'] : undefined;
  const detail = isRecord(first) ? first : nested;
  const message = typeof detail?.['message'] === 'string' ? shortMessage(detail['message']) : undefined;
  const extensions = isRecord(first) && isRecord(first['extensions']) ? first['extensions'] : undefined;
  const code = extensions?.['code'] ?? nested?.['code'];
  if (message === undefined) {
    return new ByodaError(
      'BYODA_ERR_UNREACHABLE',
      `the pod of member ${from} answered ${status} without a GraphQL result`,
    );
  }
  const relayed = typeof code === 'string' && RELAYED_CODES.has(code) ? (code as ErrorCode) : undefined;
  return new ByodaError(
    relayed ?? 'BYODA_ERR_UNREACHABLE',
    `the pod of member ${from} refused the append: ${message}`,
  );
}

function shortMessage(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > MAX_MESSAGE_LENGTH ? `${line.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : line;
}
