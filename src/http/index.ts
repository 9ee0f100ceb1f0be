/** The HTTPS server base shared by the directory, service and pod servers. */
export { createHttpsServer, toByodaError, DEFAULT_BODY_LIMIT } from './server.js';
export type { HttpServerOptions, HttpsApp, TlsOptions } from './server.js';
export { peerCertificateChain, peerCertificateChainOf } from './peer.js';
export { createLogger, silentLogger } from './logger.js';
export type { LoggerOptions } from './logger.js';
