/**
 * What the directory remembers, behind one async interface with two backends (`--store URL`): which
 * accounts and services exist, where each account, service and membership was last registered, and the
 * DNS records that publish them. An account or service that exists may only be re-registered by its own
 * certificate holder, so these rows are what makes "first come, first served" hold across restarts.
 *
 * A registration and its DNS records are written by one `register` call: in one transaction on
 * PostgreSQL (where the records are PowerDNS's `records` rows), row then zone file on SQLite.
 */
import type { SoaData, StoredRecord, StoredZone, ZoneChange } from '../../dns/index.js';
import type { PkiIdentity, Revocation } from '../../pki/index.js';

export interface AccountRow {
  readonly accountId: string;
  readonly address: string;
  readonly port: number | undefined;
}

export interface ServiceRow {
  readonly serviceId: number;
  readonly name: string | undefined;
  readonly version: number | undefined;
  readonly address: string | undefined;
  readonly port: number | undefined;
}

export interface MemberRow {
  readonly memberId: string;
  readonly serviceId: number;
  readonly address: string;
  readonly port: number;
}

/** The row a registration saves; `zone` saves none (the directory's own name). */
export type Registration =
  | { readonly kind: 'account'; readonly row: AccountRow }
  | { readonly kind: 'service'; readonly row: ServiceRow }
  | { readonly kind: 'member'; readonly row: MemberRow }
  | { readonly kind: 'zone' };

export interface ZoneWrite {
  /** What changes; a change that leaves a name as it was is skipped and does not move the serial. */
  readonly changes: readonly ZoneChange[];
  /**
   * The SOA to write when something changed. SQLite writes its serial (the one after the zone's in
   * memory); PostgreSQL counts on from the serial of its own SOA row, which PowerDNS serves.
   */
  readonly soa: SoaData;
  /** Whether the zone in memory already holds `change` (SQLite; PostgreSQL compares its own rows). */
  readonly isUnchanged: (change: ZoneChange) => boolean;
  /** Every record of a name after a change, from memory (SQLite replaces whole names). */
  readonly recordsAfter: (change: ZoneChange) => readonly StoredRecord[];
}

export interface RegisterResult {
  /** The changes written (the unchanged ones left out). */
  readonly changed: readonly ZoneChange[];
  /** The zone's serial after the write. */
  readonly serial: number;
}

export interface DirectoryStore {
  /** `sqlite` or `postgres`: which backend, for logs and `byoda directory start`'s ready line. */
  readonly kind: 'sqlite' | 'postgres';
  getAccount(accountId: string): Promise<AccountRow | undefined>;
  getService(serviceId: number): Promise<ServiceRow | undefined>;
  listServices(): Promise<ServiceRow[]>;
  getMember(memberId: string, serviceId: number): Promise<MemberRow | undefined>;
  /** Records that a service id is taken (its CA was signed); a name given later replaces this one. */
  createService(serviceId: number, name: string | undefined): Promise<void>;
  /**
   * Remember the newest contract version the network countersigned. An older version signed again (a
   * service re-publishing its history) does not make the listing go back.
   */
  recordContractVersion(serviceId: number, version: number): Promise<void>;
  /** Saves the registration's row and its DNS changes together. */
  register(registration: Registration, zone: ZoneWrite): Promise<RegisterResult>;
  /** The stored zone (every A, AAAA and SRV record and the serial), to answer DNS from memory. */
  loadZone(): Promise<StoredZone>;
  /**
   * Adds a revocation (src/pki revocation.ts); revoking again keeps the first entry and resolves
   * false. Rows are never removed: a revocation is final.
   */
  revoke(entry: Revocation): Promise<boolean>;
  /** Every revocation, oldest first: what the signed list carries. */
  listRevocations(): Promise<Revocation[]>;
  /** Whether the account (account certs) or the membership (member certs) of `identity` is revoked. */
  isRevoked(identity: PkiIdentity): Promise<boolean>;
  close(): Promise<void>;
}
