/**
 * The one error type of BYODA-TS. Every failure that can reach a user or a client carries a stable
 * `code` (for programs), an HTTP status (for servers) and a message that is safe to show: it names the
 * input at fault and never contains a stack trace or an internal path.
 */
export type ErrorCode =
  | 'BYODA_ERR_CONTRACT_JSON'
  | 'BYODA_ERR_CONTRACT_PATH'
  | 'BYODA_ERR_CONTRACT_INCOMPATIBLE'
  | 'BYODA_ERR_CONTRACT_SIGNATURE'
  | 'BYODA_ERR_DATA_SIGNATURE'
  | 'BYODA_ERR_PERSIST_DENIED'
  | 'BYODA_ERR_STORAGE'
  | 'BYODA_ERR_STORAGE_NOT_FOUND'
  | 'BYODA_ERR_FILTER'
  | 'BYODA_ERR_CURSOR'
  | 'BYODA_ERR_VALUE'
  | 'BYODA_ERR_PKI'
  | 'BYODA_ERR_CSR'
  | 'BYODA_ERR_CERT_CHAIN'
  | 'BYODA_ERR_KEY_PASSPHRASE'
  | 'BYODA_ERR_DNS'
  | 'BYODA_ERR_BAD_REQUEST'
  | 'BYODA_ERR_UNAUTHORIZED'
  | 'BYODA_ERR_TOTP_REQUIRED'
  | 'BYODA_ERR_FORBIDDEN'
  | 'BYODA_ERR_REVOKED'
  | 'BYODA_ERR_NOT_FOUND'
  | 'BYODA_ERR_CONFLICT'
  | 'BYODA_ERR_TOO_LARGE'
  | 'BYODA_ERR_QUERY_TOO_COSTLY'
  | 'BYODA_ERR_ANSWER_TOO_LARGE'
  | 'BYODA_ERR_TOO_MANY_SUBSCRIPTIONS'
  | 'BYODA_ERR_RATE_LIMITED'
  | 'BYODA_ERR_MEMBER_QUOTA'
  | 'BYODA_ERR_UNREACHABLE'
  | 'BYODA_ERR_NOT_IMPLEMENTED'
  | 'BYODA_ERR_CONFIG'
  | 'BYODA_ERR_BACKUP_KEY'
  | 'BYODA_ERR_BACKUP_ARCHIVE'
  | 'BYODA_ERR_BACKUP_TARGET'
  | 'BYODA_ERR_ACME'
  | 'BYODA_ERR_INTERNAL';

/** Default HTTP status per code; a thrower may override it. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  BYODA_ERR_CONTRACT_INCOMPATIBLE: 409,
  BYODA_ERR_CONTRACT_SIGNATURE: 400,
  BYODA_ERR_STORAGE: 500,
  BYODA_ERR_STORAGE_NOT_FOUND: 404,
  BYODA_ERR_UNAUTHORIZED: 401,
  /** The owner enrolled a second factor (spec §12): the login needs its one-time code too. */
  BYODA_ERR_TOTP_REQUIRED: 401,
  BYODA_ERR_FORBIDDEN: 403,
  /** The certificate's account or membership is on the network's revocation list. */
  BYODA_ERR_REVOKED: 403,
  /** Remote data that the contract does not let this pod keep (spec §8 persist/cache rules). */
  BYODA_ERR_PERSIST_DENIED: 403,
  BYODA_ERR_NOT_FOUND: 404,
  BYODA_ERR_CONFLICT: 409,
  BYODA_ERR_TOO_LARGE: 413,
  /** A GraphQL document whose estimated answer is over the requester's cost budget (before execution). */
  BYODA_ERR_QUERY_TOO_COSTLY: 400,
  /** An answer that grew past the requester's byte cap while it was built; nothing of it is sent. */
  BYODA_ERR_ANSWER_TOO_LARGE: 413,
  /** More open subscriptions than one client, or one membership, may hold. */
  BYODA_ERR_TOO_MANY_SUBSCRIPTIONS: 429,
  BYODA_ERR_RATE_LIMITED: 429,
  /** An account holds as many member ids of a service as it may (waiting does not help: 403). */
  BYODA_ERR_MEMBER_QUOTA: 403,
  /** A server we call could not be reached or answered nonsense (we act as a gateway). */
  BYODA_ERR_UNREACHABLE: 502,
  /** An API the protocol names that this version does not offer yet. */
  BYODA_ERR_NOT_IMPLEMENTED: 501,
  /** A backup target (folder or S3) that could not be read or written. */
  BYODA_ERR_BACKUP_TARGET: 502,
  /** The ACME CA (custom domain, docs/protocol.md) refused an order or could not be reached. */
  BYODA_ERR_ACME: 502,
  BYODA_ERR_INTERNAL: 500,
};

export class ByodaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Where in the input the fault is (a JSON path such as `/jsonschema/properties/person`), if known. */
  readonly path: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { status?: number; path?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ByodaError';
    this.code = code;
    this.status = options.status ?? STATUS[code] ?? 400;
    this.path = options.path;
  }

  /** The JSON body servers send: `{error: {code, message}}` (spec §4). */
  toJSON(): { error: { code: ErrorCode; message: string; path?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.path ? { path: this.path } : {}) } };
  }
}

export function isByodaError(err: unknown): err is ByodaError {
  return err instanceof ByodaError;
}
