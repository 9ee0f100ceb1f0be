/**
 * DNS for a BYODA network (spec §2): the zone of the network domain, its stores, the directory's
 * authoritative server and the resolver helper pods and services use to find each other.
 */
export { Zone, DEFAULT_TTL, DEFAULT_INFRASTRUCTURE_TTL, DEFAULT_SOA_TIMERS } from './zone.js';
export type { AddressInput, LookupResult, SoaData, SoaTimers, ZoneOptions, ZoneRecord } from './zone.js';
export { MemoryZoneStore } from './zone-store.js';
export type { AddressType, StoredRecord, StoredRecordType, StoredZone, ZoneStore } from './zone-store.js';
export { BYODA_SRV_PREFIX, byodaSrvName, srvOwnerHost } from './srv.js';
export type { SrvData, SrvInput } from './srv.js';
export { SqliteZoneStore } from './sqlite-zone-store.js';
export { DnsServer } from './server.js';
export type { DnsListenOptions, DnsServerAddress, DnsServerOptions } from './server.js';
export { createResolver, serverAddress, DnsNameNotFoundError } from './resolver.js';
export type { DnsResolver, ResolverOptions, SrvAnswer } from './resolver.js';
export { isLoopbackAddress, unpublishableReason } from './publishable.js';
export type { AddressPolicy } from './publishable.js';
export { nextSerial } from './zone.js';
export type { ZoneChange } from './zone.js';
export { fromPdnsRow, soaContent, soaSerialOf, toPdnsRow } from './pdns-records.js';
export type { PdnsRow } from './pdns-records.js';
