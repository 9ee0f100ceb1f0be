/**
 * The pod server (spec §1, §4, §6, §7, §10): `initPod` once per data folder, then `PodServer` to run
 * it. Other folders import only this file.
 */
export { initPod, DEFAULT_USERNAME, DEFAULT_ADDRESS } from './init.js';
export type { InitPodOptions, PodSummary } from './init.js';
export { PodServer } from './server.js';
export { DEADLINE_ENV, HOP_TIMEOUT_ENV, federationTimingsFromEnv } from './federation-timings.js';
export type { FederationTimings } from './federation-timings.js';
export type { PodAddress, PodStartOptions } from './server.js';
export { podPaths, readPodConfig, readRunInfo, CREDENTIALS } from './layout.js';
export type { PodConfig, PodPaths, PodRunInfo } from './layout.js';
export { AccountStore } from './account-store.js';
export type { AccountRecord, MembershipRecord } from './account-store.js';
export { POD_PATHS } from './web-routes.js';
export { DATA_PATH } from './graphql-route.js';
export { DATA_CERT_PATH } from './data-cert-route.js';
export { SEARCH_DATA_PATH } from './search-data-route.js';
export { NETWORK_LINKS_CLASS, linkRelations } from './network-links.js';
export { LoginLimiter } from './login-limiter.js';
export type { LoginLimiterOptions } from './login-limiter.js';
export { OwnerTokens, bearerToken, MAX_TOKEN_LIFETIME_SECONDS } from './owner-token.js';
export { generatePassword, hashPassword, verifyPassword, MIN_PASSWORD_LENGTH } from './password.js';
