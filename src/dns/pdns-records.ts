/**
 * The zone's records as rows of PowerDNS's generic SQL schema (`records`: name, type, content, ttl,
 * prio), so that a `pdns_server` with `launch=gpgsql` on the directory's database answers the same
 * names as the built-in server. PowerDNS keeps an SRV record's priority in `prio` and the rest
 * (`weight port target`) in `content`; names are lower-case without the trailing dot, as ours are.
 */
import { formatSrv, parseSrv } from './srv.js';
import type { SoaData } from './zone.js';
import type { StoredRecord } from './zone-store.js';

export interface PdnsRow {
  readonly name: string;
  readonly type: string;
  readonly content: string;
  readonly ttl: number;
  readonly prio: number | null;
}

export function toPdnsRow(record: StoredRecord): PdnsRow {
  if (record.type !== 'SRV') return { ...record, content: record.value, prio: null };
  const data = parseSrv(record.value);
  if (!data) return { ...record, content: record.value, prio: 0 };
  return { ...record, content: `${data.weight} ${data.port} ${data.target}`, prio: data.priority };
}

/** The inverse of `toPdnsRow`; undefined for a row of another type or one it cannot read. */
export function fromPdnsRow(row: PdnsRow): StoredRecord | undefined {
  const { name, type, ttl } = row;
  if (type === 'A' || type === 'AAAA') return { name, type, value: row.content, ttl };
  if (type !== 'SRV') return undefined;
  const [weight, port, target] = row.content.split(' ');
  const data = parseSrv(`${row.prio ?? 0} ${weight} ${port} ${target}`);
  return data ? { name, type, value: formatSrv(data), ttl } : undefined;
}

/** The SOA record's `content`: `mname rname serial refresh retry expire minimum`. */
export function soaContent(soa: SoaData): string {
  return [soa.mname, soa.rname, soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum].join(' ');
}

/** The serial of an SOA `content`, or undefined when it is not one. */
export function soaSerialOf(content: string): number | undefined {
  const serial = Number(content.split(' ')[2]);
  return Number.isInteger(serial) && serial >= 0 ? serial : undefined;
}
