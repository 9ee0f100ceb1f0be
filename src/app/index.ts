/**
 * Apps of a service (spec §12; docs/protocol.md, "Apps and claims"): `initApp` makes an app's folder
 * with certificates from the service's apps CA, `AppServer` runs a reference app (`review` or
 * `identity`) that signs claims about members' records.
 */
export { initApp } from './init.js';
export type { InitAppOptions } from './init.js';
export { AppServer, APP_BODY_LIMIT } from './server.js';
export type { AppAddress, AppStartOptions } from './server.js';
export { APP_FILES, APP_KINDS, appPath, readAppConfig } from './layout.js';
export type { AppConfig, AppKind } from './layout.js';
export { APP_PATHS } from './claim-routes.js';
export { DEFAULT_REVIEW_POLICY, statementsFor } from './review.js';
export type { ReviewPolicy } from './review.js';
