/** The HTTPS server base shared by the directory, service and pod servers. */
export { countFurtherOperation, createHttpsServer, toByodaError, DEFAULT_BODY_LIMIT } from './server.js';
export type { HttpServerOptions, HttpsApp, TlsOptions } from './server.js';
export { compiledOnFirstUse } from './first-use.js';
export { peerCertificateChain, peerCertificateChainOf } from './peer.js';
export { createClientIdentityVerifier, DEFAULT_MAX_REMEMBERED_LEAVES } from './client-identity.js';
export type { ClientIdentityOptions, ClientIdentityVerifier } from './client-identity.js';
export { httpsUrl, listeningPort, publishableAddress } from './listen.js';
export { SOFTWARE_VERSION, STATUS_PATH, statusBody } from './status.js';
export type { ServerKind, StatusBody } from './status.js';
export { createLogger, DEFAULT_LOG_KEEP, DEFAULT_LOG_MAX_BYTES, silentLogger } from './logger.js';
export type { LoggerOptions } from './logger.js';
export {
  DEFAULT_RATE_LIMIT,
  DEFAULT_RATE_LIMIT_WINDOW_MS,
  OWNER_RATE_FACTOR,
  RATE_LIMIT_ENV,
  checkRateLimit,
  clientAddress,
  limitOfKey,
  rateLimitFromEnv,
  rateLimitKey,
} from './rate-limit.js';
export type { ClientIdentityOf, OwnerOf, RateLimitOptions, RateLimitSetting } from './rate-limit.js';
