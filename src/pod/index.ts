/**
 * The pod server (spec §1, §4, §6, §7, §10): `initPod` once per data folder, then `PodServer` to run
 * it. Other folders import only this file.
 */
export { initPod, DEFAULT_USERNAME, DEFAULT_ADDRESS } from './lifecycle/init.js';
export type { InitPodOptions, PodSummary } from './lifecycle/init.js';
export { PodServer } from './server.js';
export { DEADLINE_ENV, HOP_TIMEOUT_ENV, federationTimingsFromEnv } from './federation/federation-timings.js';
export type { FederationTimings } from './federation/federation-timings.js';
export type { PodAddress, PodBackupSchedule, PodCustomDomain, PodStartOptions } from './server.js';
export { podPaths, readPodConfig, readRunInfo, CREDENTIALS } from './lifecycle/layout.js';
export type { PodConfig, PodPaths, PodRunInfo } from './lifecycle/layout.js';
export { AccountStore } from './lifecycle/account-store.js';
export type { AccountRecord, MembershipRecord } from './lifecycle/account-store.js';
export { POD_PATHS } from './routes/web-routes.js';
export { DATA_PATH } from './routes/graphql/graphql-route.js';
export { DATA_CERT_PATH } from './routes/data-cert-route.js';
export { SEARCH_DATA_PATH } from './search/search-data-route.js';
export { NETWORK_LINKS_CLASS, linkRelations } from './federation/network-links.js';
export { DEFAULT_LOGIN_POLICY, LoginLimiter } from './auth/login-limiter.js';
export type { LoginLimiterOptions, LoginPolicy } from './auth/login-limiter.js';
export { OwnerTokens, bearerToken, MAX_TOKEN_LIFETIME_SECONDS } from './auth/owner-token.js';
export { generatePassword, hashPassword, verifyPassword, MIN_PASSWORD_LENGTH } from './auth/password.js';
export { checkPodArchive, podBackupIdentity } from './lifecycle/backup-identity.js';
export { revokeOwn } from './lifecycle/revoke.js';
export type { OwnRevocation } from './lifecycle/revoke.js';
export { isDomainName } from './acme/domain-name.js';
