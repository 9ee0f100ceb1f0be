/**
 * The directory server (docs/protocol.md, "Directory API"): signs account and service certificates,
 * keeps the network's DNS zone, countersigns contracts and lists services.
 */
export { DirectoryServer, DIRECTORY_BODY_LIMIT } from './directory-server.js';
export type {
  DirectoryAddress,
  DirectoryDnsMode,
  DirectoryStartOptions,
  DnsTcpLimits,
} from './directory-server.js';
export { directoryPaths } from './data-dir.js';
export type { DirectoryPaths } from './data-dir.js';
export { revokeAsOperator } from './operator-revocation.js';
export type { RevocationTarget } from './operator-revocation.js';
