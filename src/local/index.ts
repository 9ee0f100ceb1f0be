/**
 * `byoda up` (spec §11): a whole local network in one process. Other folders import only this file.
 */
export { LocalNetwork, DEFAULT_CONTRACT_PATH, DEFAULT_POD_COUNT, MAX_POD_COUNT } from './local-network.js';
export type { LocalNetworkOptions } from './local-network.js';
export { DEFAULT_DATA_DIR, localPaths } from './layout.js';
export type { LocalPaths } from './layout.js';
export { LOCAL_NETWORK } from './directory-part.js';
export type { MembershipJson, NetworkJson, PodJson, ServiceJson } from './network-file.js';
export type { ProgressAction, ProgressEvent, ProgressListener } from './progress.js';
export { createConsoleReporter, formatTable } from './console-reporter.js';
export type { ConsoleReporter, ConsoleReporterOptions } from './console-reporter.js';
export { runDemo, judge, DEMO_PEOPLE, DEMO_RELATION, FAMILY_QUERY } from './demo.js';
export type { DemoListener, DemoOptions, DemoOutcome, DemoPerson } from './demo.js';
