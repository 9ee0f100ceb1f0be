/**
 * The zone of one network domain (spec §2): an A/AAAA/SRV record set per name, plus the SOA and NS records
 * that make the directory's DNS server authoritative for it. The zone answers from memory and writes
 * every change through to its store, bumping the SOA serial, so that secondaries and caches could tell
 * that something changed.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ByodaError } from '../errors/index.js';
import { canonicalName, intermediateNames, isHostName, isInDomain } from './names.js';
import { formatSrv, parseSrv, toSrvData } from './srv.js';
import type { SrvData, SrvInput } from './srv.js';
import { MemoryZoneStore } from './zone-store.js';
import type { AddressType, StoredRecord, StoredRecordType, ZoneStore } from './zone-store.js';

/** Pods move (new address on re-registration), so their records live in caches only briefly. */
export const DEFAULT_TTL = 300;
/** The SOA and NS records change only when the directory moves. */
export const DEFAULT_INFRASTRUCTURE_TTL = 3600;
/** RFC 2181 §8: a TTL is an unsigned 31-bit number. */
const MAX_TTL = 2 ** 31 - 1;
const MAX_SERIAL = 2 ** 32 - 1;

export interface SoaTimers {
  /** Seconds between a secondary's checks of the serial. */
  readonly refresh: number;
  /** Seconds before a secondary retries a failed check. */
  readonly retry: number;
  /** Seconds after which a secondary that cannot reach us stops answering. */
  readonly expire: number;
  /**
   * Negative-caching TTL (RFC 2308): how long a resolver may remember NXDOMAIN. Short, because a pod
   * that registers just after someone looked it up must become resolvable quickly.
   */
  readonly minimum: number;
}

export const DEFAULT_SOA_TIMERS: SoaTimers = { refresh: 3600, retry: 600, expire: 604800, minimum: 60 };

export interface SoaData extends SoaTimers {
  /** The primary name server (`dir.<network>`). */
  readonly mname: string;
  /** The zone's contact mailbox, in name form (`hostmaster.<network>`). */
  readonly rname: string;
  readonly serial: number;
}

export type ZoneRecord =
  | { readonly name: string; readonly type: 'A' | 'AAAA' | 'NS'; readonly ttl: number; readonly data: string }
  | { readonly name: string; readonly type: 'SOA'; readonly ttl: number; readonly data: SoaData }
  | { readonly name: string; readonly type: 'SRV'; readonly ttl: number; readonly data: SrvData };

/**
 * What the zone says about a (name, type) question. `outside`: not ours to answer (REFUSED);
 * `nxdomain` and `nodata` carry the SOA for the authority section (RFC 2308).
 */
export type LookupResult =
  | { readonly status: 'outside' }
  | { readonly status: 'nxdomain'; readonly authority: readonly ZoneRecord[] }
  | { readonly status: 'nodata'; readonly authority: readonly ZoneRecord[] }
  | {
      readonly status: 'answer';
      readonly answers: readonly ZoneRecord[];
      /** Glue: the name server's addresses when the answer names it. */
      readonly additionals: readonly ZoneRecord[];
    };

/**
 * A change of one name: its records of `types` become `records` (other types stay). Built by the zone
 * without writing anything, so that a caller can write it to a store of its own in a transaction with
 * other data, then `applyCommitted` it.
 */
export interface ZoneChange {
  readonly name: string;
  readonly types: readonly StoredRecordType[];
  readonly records: readonly StoredRecord[];
}

export interface AddressInput {
  readonly a?: string | readonly string[];
  readonly aaaa?: string | readonly string[];
  /** Seconds; the zone's default TTL when absent. */
  readonly ttl?: number;
}

export interface ZoneOptions {
  /** The network domain, e.g. `byoda.test`. */
  readonly domain: string;
  /** Where records persist; in memory when absent. */
  readonly store?: ZoneStore;
  /** TTL of address records set without one (default 300 s). */
  readonly defaultTtl?: number;
  /** TTL of the SOA and NS records (default 3600 s). */
  readonly infrastructureTtl?: number;
  readonly soa?: Partial<SoaTimers>;
  /** Addresses of `dir.<domain>`, the zone's name server, set (or updated) when the zone opens. */
  readonly nameServerAddress?: AddressInput;
}

type RecordSet = Readonly<Record<StoredRecordType, readonly StoredRecord[]>>;

const EMPTY_SET: RecordSet = { A: [], AAAA: [], SRV: [] };

export class Zone {
  /** Canonical network domain. */
  readonly domain: string;
  /** The zone's only name server, `dir.<domain>` (spec §2). */
  readonly nameServer: string;
  private readonly store: ZoneStore;
  private readonly defaultTtl: number;
  private readonly infrastructureTtl: number;
  private readonly timers: SoaTimers;
  private readonly recordSets = new Map<string, RecordSet>();
  /** Empty non-terminals: how many names with records lie below each intermediate name. */
  private readonly descendants = new Map<string, number>();
  private currentSerial: number;

  constructor(options: ZoneOptions) {
    this.domain = canonicalName(options.domain);
    if (!isHostName(this.domain)) {
      throw new ByodaError('BYODA_ERR_DNS', 'the zone domain is not a valid name');
    }
    this.nameServer = `dir.${this.domain}`;
    this.store = options.store ?? new MemoryZoneStore();
    this.defaultTtl = checkTtl(options.defaultTtl ?? DEFAULT_TTL);
    this.infrastructureTtl = checkTtl(options.infrastructureTtl ?? DEFAULT_INFRASTRUCTURE_TTL);
    this.timers = checkTimers({ ...DEFAULT_SOA_TIMERS, ...options.soa });
    this.currentSerial = this.loadFromStore();
    if (options.nameServerAddress) this.setAddress(this.nameServer, options.nameServerAddress);
  }

  /** The SOA serial; it grows by one on every change. */
  get serial(): number {
    return this.currentSerial;
  }

  /** Names that have records (address or SRV), sorted. */
  names(): string[] {
    return [...this.recordSets.keys()].sort();
  }

  /**
   * Sets every address of `name`, replacing what it had: a pod re-registering with only an IPv4 address
   * loses its stale AAAA records. At least one address is required; use `remove` to delete a name.
   * Returns whether anything changed (an identical re-registration does not bump the serial).
   */
  setAddress(name: string, input: AddressInput): boolean {
    return this.commitChange(this.addressChange(name, input));
  }

  /** What `setAddress` would change, without changing it. */
  addressChange(name: string, input: AddressInput): ZoneChange {
    const canonical = this.checkOwnName(name);
    const addresses = toAddressSet(canonical, input, input.ttl ?? this.defaultTtl);
    if (addresses.A.length + addresses.AAAA.length === 0) {
      throw new ByodaError('BYODA_ERR_DNS', `no address given for ${canonical}`);
    }
    return { name: canonical, types: ['A', 'AAAA'], records: [...addresses.A, ...addresses.AAAA] };
  }

  /**
   * Sets the SRV record of `name` (`_service._proto.<host>`, e.g. `_byoda._tcp.<fqdn>`; see srv.ts),
   * replacing the one it had. The target defaults to `<host>`. Returns whether anything changed.
   */
  setService(name: string, input: SrvInput): boolean {
    return this.commitChange(this.serviceChange(name, input));
  }

  /** What `setService` would change, without changing it. */
  serviceChange(name: string, input: SrvInput): ZoneChange {
    const canonical = this.checkOwnName(name);
    const ttl = checkTtl(input.ttl ?? this.defaultTtl);
    const value = formatSrv(toSrvData(canonical, input));
    return { name: canonical, types: ['SRV'], records: [{ name: canonical, type: 'SRV', value, ttl }] };
  }

  /** Whether `change` would leave the zone as it is (an identical re-registration). */
  isUnchanged(change: ZoneChange): boolean {
    const previous = this.recordSets.get(change.name) ?? EMPTY_SET;
    return sameRecords(previous, withChange(previous, change));
  }

  /** Every record `change.name` has after `change`: what a store that replaces whole names writes. */
  recordsAfter(change: ZoneChange): StoredRecord[] {
    return allRecords(withChange(this.recordSets.get(change.name) ?? EMPTY_SET, change));
  }

  /**
   * Takes in changes a caller has already written to its store with `serial` (the directory on
   * PostgreSQL writes them in the registration's transaction); memory follows the store.
   */
  applyCommitted(changes: readonly ZoneChange[], serial: number): void {
    for (const change of changes) {
      const next = withChange(this.recordSets.get(change.name) ?? EMPTY_SET, change);
      this.setInMemory(change.name, allRecords(next).length > 0 ? next : undefined);
    }
    this.currentSerial = serial;
  }

  /** Removes the SRV record of `name`, keeping any addresses; returns false when it had none. */
  removeService(name: string): boolean {
    const canonical = this.checkOwnName(name);
    const previous = this.recordSets.get(canonical);
    if (!previous || previous.SRV.length === 0) return false;
    return this.commitChange({ name: canonical, types: ['SRV'], records: [] });
  }

  /** Removes every record of `name`; returns false when it had none. */
  remove(name: string): boolean {
    const canonical = this.checkOwnName(name);
    if (canonical === this.nameServer) {
      throw new ByodaError('BYODA_ERR_DNS', 'the name server of the zone cannot be removed', { status: 409 });
    }
    if (!this.recordSets.has(canonical)) return false;
    return this.commitChange({ name: canonical, types: ['A', 'AAAA', 'SRV'], records: [] });
  }

  /** The zone's SOA record (also the negative-caching source for resolvers). */
  soa(): ZoneRecord & { type: 'SOA' } {
    const data: SoaData = {
      mname: this.nameServer,
      rname: `hostmaster.${this.domain}`,
      serial: this.currentSerial,
      ...this.timers,
    };
    return { name: this.domain, type: 'SOA', ttl: this.infrastructureTtl, data };
  }

  /**
   * Answers a question. `type` is a record type name as dns-packet spells it (`A`, `AAAA`, `SRV`, `NS`,
   * `SOA`, `ANY`); any other type of an existing name yields `nodata`, since the zone holds no such records.
   */
  lookup(name: string, type: string): LookupResult {
    const canonical = canonicalName(name);
    if (!isInDomain(canonical, this.domain)) return { status: 'outside' };
    const answers = this.recordsOf(canonical, type.toUpperCase());
    if (answers.length > 0) return { status: 'answer', answers, additionals: this.glueFor(answers) };
    const authority = [this.negativeSoa()];
    return this.exists(canonical) ? { status: 'nodata', authority } : { status: 'nxdomain', authority };
  }

  /** Closes the store; the zone must not be changed afterwards. */
  close(): void {
    this.store.close();
  }

  private recordsOf(name: string, type: string): ZoneRecord[] {
    const atApex = name === this.domain;
    const set = this.recordSets.get(name);
    const ofType = (wanted: StoredRecordType): ZoneRecord[] => (set ? set[wanted].flatMap(toZoneRecord) : []);
    switch (type) {
      case 'A':
      case 'AAAA':
      case 'SRV':
        return ofType(type);
      case 'SOA':
        return atApex ? [this.soa()] : [];
      case 'NS':
        return atApex ? [this.nsRecord()] : [];
      case 'ANY':
        // RFC 8482 allows a minimal answer; the zone is small, so give everything the name has.
        return [
          ...(atApex ? [this.soa(), this.nsRecord()] : []),
          ...ofType('A'),
          ...ofType('AAAA'),
          ...ofType('SRV'),
        ];
      default:
        return [];
    }
  }

  private exists(name: string): boolean {
    return name === this.domain || this.recordSets.has(name) || this.descendants.has(name);
  }

  private nsRecord(): ZoneRecord {
    return { name: this.domain, type: 'NS', ttl: this.infrastructureTtl, data: this.nameServer };
  }

  /** RFC 2308 §3: the SOA in a negative answer carries min(SOA TTL, SOA minimum). */
  private negativeSoa(): ZoneRecord {
    const soa = this.soa();
    return { ...soa, ttl: Math.min(soa.ttl, soa.data.minimum) };
  }

  /**
   * Additional-section addresses: the name server's for an NS answer (glue), and each in-zone SRV
   * target's (RFC 2782), which saves the client a second query for the host it is about to contact.
   */
  private glueFor(answers: readonly ZoneRecord[]): ZoneRecord[] {
    const hosts = new Set<string>();
    for (const record of answers) {
      if (record.type === 'NS') hosts.add(this.nameServer);
      if (record.type === 'SRV') hosts.add(record.data.target);
    }
    return [...hosts].flatMap((host) => {
      const set = this.recordSets.get(host);
      return set ? [...set.A, ...set.AAAA].flatMap(toZoneRecord) : [];
    });
  }

  private checkOwnName(name: string): string {
    const canonical = canonicalName(name);
    if (!isHostName(canonical) || !isInDomain(canonical, this.domain)) {
      throw new ByodaError('BYODA_ERR_DNS', `${JSON.stringify(name)} is not a name in zone ${this.domain}`);
    }
    return canonical;
  }

  /** Writes through to the store first, so memory never holds a change the store refused. */
  private commitChange(change: ZoneChange): boolean {
    if (this.isUnchanged(change)) return false;
    const serial = nextSerial(this.currentSerial);
    this.store.replace(change.name, this.recordsAfter(change), serial);
    this.applyCommitted([change], serial);
    return true;
  }

  private setInMemory(name: string, next: RecordSet | undefined): void {
    const existed = this.recordSets.has(name);
    if (next) this.recordSets.set(name, next);
    else this.recordSets.delete(name);
    if (!existed && next) this.countDescendant(name, 1);
    if (existed && !next) this.countDescendant(name, -1);
  }

  private countDescendant(name: string, delta: 1 | -1): void {
    for (const parent of intermediateNames(name, this.domain)) {
      const count = (this.descendants.get(parent) ?? 0) + delta;
      if (count > 0) this.descendants.set(parent, count);
      else this.descendants.delete(parent);
    }
  }

  /** Rebuilds memory from the store; records of another domain (a reused file) are ignored. */
  private loadFromStore(): number {
    const stored = this.store.load();
    const byName = new Map<string, StoredRecord[]>();
    for (const record of stored.records) {
      if (!isInDomain(record.name, this.domain)) continue;
      byName.set(record.name, [...(byName.get(record.name) ?? []), record]);
    }
    for (const [name, records] of byName) this.setInMemory(name, withChange(EMPTY_SET, allTypes(records)));
    return stored.serial ?? 1;
  }
}

function toAddressSet(
  name: string,
  input: AddressInput,
  ttl: number,
): Readonly<Record<AddressType, readonly StoredRecord[]>> {
  checkTtl(ttl);
  const build = (type: AddressType, values: string | readonly string[] | undefined): StoredRecord[] => {
    const list = typeof values === 'string' ? [values] : [...(values ?? [])];
    const valid = type === 'A' ? isIPv4 : isIPv6;
    const bad = list.find((value) => !valid(value));
    if (bad !== undefined) {
      throw new ByodaError('BYODA_ERR_DNS', `${JSON.stringify(bad)} is not an ${type} address`);
    }
    const unique = [...new Set(list.map((value) => value.toLowerCase()))].sort();
    return unique.map((value) => ({ name, type, value, ttl }));
  };
  return { A: build('A', input.a), AAAA: build('AAAA', input.aaaa) };
}

/** `set` with the records of `change.types` replaced by `change.records`. */
function withChange(set: RecordSet, change: Pick<ZoneChange, 'types' | 'records'>): RecordSet {
  const next: Record<StoredRecordType, readonly StoredRecord[]> = { ...set };
  for (const type of change.types) next[type] = change.records.filter((record) => record.type === type);
  return next;
}

function allTypes(records: readonly StoredRecord[]): Pick<ZoneChange, 'types' | 'records'> {
  return { types: ['A', 'AAAA', 'SRV'], records };
}

function allRecords(set: RecordSet): StoredRecord[] {
  return [...set.A, ...set.AAAA, ...set.SRV];
}

/** Address sets are sorted by value when built and a name has one SRV record, so order is stable. */
function sameRecords(left: RecordSet, right: RecordSet): boolean {
  const key = (set: RecordSet): string =>
    allRecords(set)
      .map((record) => `${record.type} ${record.value} ${record.ttl}`)
      .join(',');
  return key(left) === key(right);
}

/** A stored record as an answer; an SRV row the zone cannot read (a damaged store) yields none. */
function toZoneRecord(record: StoredRecord): ZoneRecord[] {
  if (record.type !== 'SRV')
    return [{ name: record.name, type: record.type, ttl: record.ttl, data: record.value }];
  const data = parseSrv(record.value);
  return data ? [{ name: record.name, type: 'SRV', ttl: record.ttl, data }] : [];
}

/** Serials only grow (RFC 1982 arithmetic); 0 is skipped on wrap-around so it never means "unset". */
export function nextSerial(serial: number): number {
  return serial >= MAX_SERIAL ? 1 : serial + 1;
}

function checkTtl(ttl: number): number {
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL) {
    throw new ByodaError('BYODA_ERR_DNS', `TTL ${ttl} is not a whole number of seconds from 0 to ${MAX_TTL}`);
  }
  return ttl;
}

function checkTimers(timers: SoaTimers): SoaTimers {
  Object.values(timers).forEach(checkTtl);
  return timers;
}
