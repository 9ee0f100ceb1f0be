/**
 * Where a zone keeps its address records between restarts. The zone holds everything in memory for
 * answering; the store only sees writes (one name at a time, with the new SOA serial) and one load at
 * start. The interface is synchronous because both implementations are (better-sqlite3 is), which keeps
 * a change and its serial bump atomic without interleaving.
 */

/** The address record types a zone stores per name. */
export type AddressType = 'A' | 'AAAA';
/** Every record type a zone stores; SOA and NS are derived from the zone's options. */
export type StoredRecordType = AddressType | 'SRV';

export interface StoredRecord {
  /** Canonical name (lower-case, no trailing dot). */
  readonly name: string;
  readonly type: StoredRecordType;
  /**
   * The data in text form: an address (`192.0.2.1`, `2001:db8::1`), or for SRV the zone-file form
   * `<priority> <weight> <port> <target>` (srv.ts).
   */
  readonly value: string;
  /** Seconds. */
  readonly ttl: number;
}

export interface StoredZone {
  readonly records: readonly StoredRecord[];
  /** The last SOA serial written, or undefined for a new store. */
  readonly serial: number | undefined;
}

export interface ZoneStore {
  /** Everything stored, to rebuild the zone at start. */
  load(): StoredZone;
  /** Atomically replaces every record of `name` (none: the name is removed) and records `serial`. */
  replace(name: string, records: readonly StoredRecord[], serial: number): void;
  /** Releases the store's resources; the zone must not be used afterwards. */
  close(): void;
}

/** A store that forgets everything at exit: for tests and for throw-away local networks. */
export class MemoryZoneStore implements ZoneStore {
  private readonly records = new Map<string, readonly StoredRecord[]>();
  private serial: number | undefined;

  load(): StoredZone {
    return { records: [...this.records.values()].flat(), serial: this.serial };
  }

  replace(name: string, records: readonly StoredRecord[], serial: number): void {
    if (records.length === 0) this.records.delete(name);
    else this.records.set(name, [...records]);
    this.serial = serial;
  }

  close(): void {
    // Nothing to release: the records live as long as this object.
  }
}
