/**
 * Talking to the network's servers: the directory client, and the JSON-over-mutual-TLS helpers that the
 * service and pod clients reuse (`createTlsAgent` + `requestJson`).
 */
export { DirectoryClient, certificateFingerprint } from './directory-client.js';
export type {
  DirectoryClientOptions,
  DirectoryService,
  FetchRootCaOptions,
  Registration,
  SignedCsr,
} from './directory-client.js';
export { DIRECTORY_PATHS, serviceContractPath, servicePath } from './directory-api.js';
export type {
  AccountCsrBody,
  AccountUpdateBody,
  ContractReply,
  ContractSignBody,
  AppUpdateBody,
  MemberUpdateBody,
  RegistrationReply,
  RevocationBody,
  RevocationListReply,
  ServiceCsrBody,
  ServiceListingReply,
  ServiceUpdateBody,
  SignedCsrReply,
} from './directory-api.js';
export { createTlsAgent, requestJson, requestText } from './request-json.js';
export type { JsonRequest, TlsAgentOptions } from './request-json.js';
export { OWNER_API_PATHS, OwnerApi, tokenExpiry } from './pod-owner-client.js';
export type {
  GraphqlAnswer,
  GraphqlError,
  JoinedMembership,
  MembershipInfo,
  OwnerToken,
  PodEndpoint,
  RotatedKey,
  TotpEnrolment,
  TotpStatus,
} from './pod-owner-client.js';
export {
  DEFAULT_REVOCATION_REFRESH_MS,
  REVOCATION_REFRESH_ENV,
  RevocationWatcher,
  revocationRefreshFromEnv,
} from './revocation-watcher.js';
export type { RevocationWatcherOptions } from './revocation-watcher.js';
