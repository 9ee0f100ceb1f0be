/**
 * SRV records (RFC 2782) as the zone keeps them. BYODA publishes a server's port under
 * `_byoda._tcp.<fqdn>` with the FQDN itself as target, so that in local mode, where every pod and
 * service listens on 127.0.0.1 with a port of its own, a peer learns the port from the directory's DNS
 * as it learns the address (docs/protocol.md, "DNS").
 */
import { ByodaError } from '../errors/index.js';
import { canonicalName, isHostName } from './names.js';

/** The owner-name prefix of BYODA's SRV records. */
export const BYODA_SRV_PREFIX = '_byoda._tcp.';

export interface SrvData {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  /** Canonical host name that serves (no trailing dot). */
  readonly target: string;
}

export interface SrvInput {
  readonly port: number;
  /** The host that serves; default: the owner name without its `_service._proto.` labels. */
  readonly target?: string;
  /** RFC 2782: lower is tried first (default 0). */
  readonly priority?: number;
  /** RFC 2782: share among equal priorities (default 0). */
  readonly weight?: number;
  /** Seconds; the zone's default TTL when absent. */
  readonly ttl?: number;
}

// `_service._proto.` then at least one more label: RFC 2782's owner name form.
const SERVICE_OWNER = /^_[a-z0-9-]+\._(?:tcp|udp)\.(.+)$/;
const MAX_UINT16 = 0xffff;

/** `_byoda._tcp.<fqdn>`: where the port of `fqdn` is published. */
export function byodaSrvName(fqdn: string): string {
  return `${BYODA_SRV_PREFIX}${canonicalName(fqdn)}`;
}

/** The host an SRV owner name is about (`_x._tcp.host` -> `host`), or undefined if not that form. */
export function srvOwnerHost(name: string): string | undefined {
  return SERVICE_OWNER.exec(name)?.[1];
}

/** Checks an SRV record for owner `name` (canonical) and fills in the defaults. */
export function toSrvData(name: string, input: SrvInput): SrvData {
  const host = srvOwnerHost(name);
  if (host === undefined) {
    throw new ByodaError(
      'BYODA_ERR_DNS',
      `${JSON.stringify(name)} is not an SRV owner name (_service._tcp.<host>)`,
    );
  }
  const target = canonicalName(input.target ?? host);
  if (!isHostName(target))
    throw new ByodaError('BYODA_ERR_DNS', `${JSON.stringify(input.target)} is not a host name`);
  return {
    priority: checkUint16(input.priority ?? 0, 'priority'),
    weight: checkUint16(input.weight ?? 0, 'weight'),
    // Port 0 would mean "no service here"; a registration always names a real port.
    port: checkUint16(input.port, 'port', 1),
    target,
  };
}

/** Zone-file form, the store's `value` of an SRV record: `<priority> <weight> <port> <target>`. */
export function formatSrv(data: SrvData): string {
  return `${data.priority} ${data.weight} ${data.port} ${data.target}`;
}

/** The inverse of `formatSrv`; undefined for text it did not write (a damaged store row is skipped). */
export function parseSrv(value: string): SrvData | undefined {
  const parts = value.split(' ');
  if (parts.length !== 4) return undefined;
  const [priority, weight, port, target] = parts as [string, string, string, string];
  const numbers = [priority, weight, port].map((text) => (/^\d{1,5}$/.test(text) ? Number(text) : NaN));
  if (numbers.some((n) => !(n <= MAX_UINT16)) || !isHostName(target)) return undefined;
  const [p, w, n] = numbers as [number, number, number];
  return { priority: p, weight: w, port: n, target };
}

function checkUint16(value: number, what: string, min = 0): number {
  if (!Number.isInteger(value) || value < min || value > MAX_UINT16) {
    throw new ByodaError(
      'BYODA_ERR_DNS',
      `SRV ${what} ${value} is not a whole number from ${min} to ${MAX_UINT16}`,
    );
  }
  return value;
}
