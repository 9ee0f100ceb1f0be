/**
 * Federation (spec §8): proxied and recursive queries between pods. Pure parts (origin signatures,
 * query-id memory, the remote query document and record checks) and the I/O parts (the mTLS peer
 * pool, the data cert cache, the fan-out behind the GraphQL layer's `ProxyHook`). Other folders import
 * only this file. Our choices are written down in docs/protocol.md, "Federation".
 *
 * How the pod wires it, per membership (service S, member id M):
 *
 * 1. At start (and when joining): `const federation = createMembershipFederation({tlsCredential:
 *    <member-S TLS credential>, dataCredential: <member-data-S credential>, rootCaPem, resolver:
 *    createResolver({host, port}) (the directory's DNS), contract: () => membership.snapshot.contract,
 *    links: async () => <the membership's network_links as {memberId, relation}>})`; `close()` it when
 *    the membership or the pod stops.
 * 2. Every GraphQL context of the membership, on both ports, gets `proxy: federation.proxy`. The hook
 *    signs and originates the owner's queries (`remote_member_id`, `depth >= 1`) and passes on
 *    members' verified ones; it refuses to forward for anyone else.
 * 3. On the member port, after the operation is parsed and validated (`prepareOperation`) and before
 *    it runs: `const {requester, replay} = await federation.admit(prepared, memberPortRequester)`.
 *    A ByodaError from it is the answer (a GraphQL error with its code; 400/403). Otherwise run the
 *    operation with that requester (a member's `distance` and `originSignatureVerified` come from the
 *    verified origin signature) and, when `replay` is true, with `replayContext(context)`: a query id
 *    seen within the last minutes is answered with no results and not forwarded again.
 *    The owner's requests (web port, or the membership's own cert) need no admission.
 * 4. Nothing else: `GET /api/v1/pod/data-cert/service-<S>` (which the pod already serves) is where
 *    other pods fetch the chain that verifies this pod's origin signatures.
 */
export {
  DEFAULT_MAX_QUERY_AGE_SECONDS,
  MAX_CLOCK_SKEW_SECONDS,
  originSignatureBytes,
  signOriginQuery,
  verifyOriginSignature,
} from './origin-signature.js';
export type {
  OriginSignedQuery,
  SignedQueryFields,
  VerifiedOrigin,
  VerifyOriginOptions,
} from './origin-signature.js';
export {
  DEFAULT_QUERY_MEMORY_ENTRIES,
  DEFAULT_QUERY_MEMORY_TTL_MS,
  createQueryMemory,
} from './query-memory.js';
export type { QueryMemory, QueryMemoryOptions } from './query-memory.js';
export {
  DEFAULT_DATA_CERT_ENTRIES,
  DEFAULT_DATA_CERT_FAILURE_TTL_MS,
  DEFAULT_DATA_CERT_UNTRUSTED_TTL_MS,
  DEFAULT_DATA_CERT_TTL_MS,
  createDataCertCache,
  dataCertPath,
  peerDataCertFetcher,
} from './data-cert-cache.js';
export type { DataCertCache, DataCertCacheOptions } from './data-cert-cache.js';
export {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_MEMBER_PORT,
  createPeerPool,
  dataPath,
  resolvePeer,
  verifyPeer,
} from './peer-pool.js';
export type {
  GraphQLRequestBody,
  PeerAddress,
  PeerClient,
  PeerIdentityOptions,
  PeerLookupOptions,
  PeerPool,
  PeerPoolOptions,
  PeerRequestOptions,
  PeerResolver,
  PeerResponse,
} from './peer-pool.js';
export {
  REMOTE_RESULT_ALIAS,
  buildRemoteQuery,
  readRemoteAnswer,
  remoteErrorCode,
  validateRemoteEdges,
} from './remote-query.js';
export type { RemoteAnswer, RemoteQueryArgs } from './remote-query.js';
export { checkRemoteRecord, servedFields } from './remote-records.js';
export { buildRemoteAppend, createRemoteAppend, readRemoteAppend } from './remote-append.js';
export type { RemoteAppendDeps } from './remote-append.js';
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_DEADLINE_MS,
  DEFAULT_MAX_MERGED_BYTES,
  DEFAULT_HOP_TIMEOUT_MS,
  createProxyHook,
  hopBudgetMs,
} from './fan-out.js';
export type { FanOutObserver, LinkTarget, ProxyHookDeps } from './fan-out.js';
export { admitIncomingQuery, isForwarded, readIncomingOperation, replayContext } from './incoming.js';
export type {
  Admission,
  AdmissionDeps,
  IncomingConnection,
  IncomingOperation,
  OperationInput,
} from './incoming.js';
export { DEFAULT_VERIFIED_CHAINS, createVerifiedChains } from './verified-chains.js';
export { DEFAULT_SIGNER_KEYS, createSignerKeys } from './signer-keys.js';
export type { SignerKeys, SignerKeysOptions } from './signer-keys.js';
export type { VerifiedChains, VerifiedChainsOptions } from './verified-chains.js';
export { createMembershipFederation } from './membership-federation.js';
export type { MembershipFederation, MembershipFederationOptions } from './membership-federation.js';
export { APP_DATA_CERT_PATH, createAppDataCerts } from './app-data-certs.js';
export type { AppDataCert, AppDataCerts, AppDataCertsOptions } from './app-data-certs.js';
