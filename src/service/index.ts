/**
 * The service server (spec §4-5, §11): `initService` once per data folder, then `ServiceServer` to run
 * it; `publishServiceContract` publishes a new (compatible) contract version.
 */
export { initService } from './init.js';
export type { InitServiceOptions, ServiceSummary } from './init.js';
export { ServiceServer } from './server.js';
export type { ServiceAddress, ServiceStartOptions } from './server.js';
export { publishServiceContract } from './publish-file.js';
export type { PublishServiceContractOptions } from './publish-file.js';
export type { PublishOutcome } from './publish.js';
export { readServiceConfig, SERVICE_FILES } from './layout.js';
export type { ServiceConfig } from './layout.js';
export { SERVICE_BODY_LIMIT } from './app.js';
export { CONTRACT_PATH } from './routes/contract-routes.js';
export { DATA_CERT_PATH, NETWORK_DATA_CERT_PATH } from './routes/cert-routes.js';
export { MEMBER_PATH } from './routes/member-routes.js';
export { MAX_SEARCH_RESULTS, SEARCH_PATH, SEARCH_REFRESH_PATH } from './routes/search-routes.js';
export { DEFAULT_SEARCH_REFRESH_MS, SEARCH_REFRESH_ENV } from './search-collector.js';
export { searchStoreLocation } from './search-store/open-search-index.js';
