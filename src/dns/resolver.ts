/**
 * How pods and services find each other (spec §2): Node's resolver pointed at the directory's DNS
 * server only, never the system's, so that names under the network domain resolve the same way on any
 * machine (e.g. `127.0.0.1:5353` in local mode).
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ByodaError } from '../errors/index.js';

export interface ResolverOptions {
  /** The DNS server's IP address. */
  readonly host: string;
  readonly port: number;
  /** Milliseconds a lookup may take in all, retries included (default 2000). */
  readonly timeoutMs?: number;
  /** UDP attempts within that time (default 2), for a lost packet. */
  readonly tries?: number;
}

export interface DnsResolver {
  /** `host:port`, as handed to Node (`[::1]:5353` for IPv6). */
  readonly server: string;
  /** IPv4 addresses of `name`; [] when the name exists without one. Throws DnsNameNotFoundError. */
  resolveA(name: string): Promise<string[]>;
  /** IPv6 addresses of `name`; [] when the name exists without one. Throws DnsNameNotFoundError. */
  resolveAaaa(name: string): Promise<string[]>;
  /**
   * SRV records of `name` (`_byoda._tcp.<fqdn>` for a BYODA server's port), sorted by priority, then
   * by weight, highest first; [] when the name exists without one. Throws DnsNameNotFoundError.
   */
  resolveSrv(name: string): Promise<SrvAnswer[]>;
}

export interface SrvAnswer {
  /** The target host (Node calls it `name`). */
  readonly target: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

/** NXDOMAIN: the name does not exist (not registered, or removed). */
export class DnsNameNotFoundError extends ByodaError {
  readonly hostname: string;

  constructor(hostname: string, cause?: unknown) {
    super('BYODA_ERR_DNS', `${hostname} does not exist`, { status: 404, cause });
    this.name = 'DnsNameNotFoundError';
    this.hostname = hostname;
  }
}

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_TRIES = 2;

export function createResolver(options: ResolverOptions): DnsResolver {
  const server = serverAddress(options.host, options.port);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tries = options.tries ?? DEFAULT_TRIES;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || !Number.isInteger(tries) || tries <= 0) {
    throw new ByodaError('BYODA_ERR_CONFIG', 'DNS timeoutMs and tries must be positive whole numbers');
  }
  // c-ares doubles its per-try timeout on each retry, so the total it would wait is hard to predict;
  // a deadline of our own bounds it, and the per-try timeout only spreads the attempts within it.
  const resolver = new Resolver({ timeout: Math.max(1, Math.floor(timeoutMs / (2 ** tries - 1))), tries });
  resolver.setServers([server]);
  const lookup = <T>(name: string, query: () => Promise<T[]>): Promise<T[]> =>
    withDnsErrors(name, () => withDeadline(query(), timeoutMs));
  return {
    server,
    resolveA: (name) => lookup(name, () => resolver.resolve4(name)),
    resolveAaaa: (name) => lookup(name, () => resolver.resolve6(name)),
    resolveSrv: async (name) => sortSrv(await lookup(name, () => resolver.resolveSrv(name))),
  };
}

/** Node's server syntax: `1.2.3.4:53`, or `[::1]:53` since an IPv6 address is full of colons. */
export function serverAddress(host: string, port: number): string {
  const family = isIP(host);
  if (family === 0) {
    throw new ByodaError('BYODA_ERR_CONFIG', `DNS host ${JSON.stringify(host)} is not an IP address`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ByodaError('BYODA_ERR_CONFIG', `DNS port ${port} is not a port number`);
  }
  return family === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Rejects with ETIMEOUT once `ms` have passed. The query itself is left to c-ares' own timeout:
 * `Resolver.cancel()` would cancel every other lookup in flight on the same resolver too.
 */
function withDeadline<T>(query: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error('DNS deadline passed'), { code: 'ETIMEOUT' })),
      ms,
    );
  });
  return Promise.race([query, deadline]).finally(() => clearTimeout(timer));
}

/** RFC 2782 order for a client that tries one target after another: lowest priority, then heaviest. */
export function sortSrv(
  records: readonly { name: string; port: number; priority: number; weight: number }[],
): SrvAnswer[] {
  return records
    .map(({ name, port, priority, weight }) => ({ target: name, port, priority, weight }))
    .sort((a, b) => a.priority - b.priority || b.weight - a.weight);
}

/** Node reports DNS outcomes as error codes; turn them into results and ByodaErrors. */
async function withDnsErrors<T>(name: string, query: () => Promise<T[]>): Promise<T[]> {
  try {
    return await query();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENODATA') return [];
    if (code === 'ENOTFOUND') throw new DnsNameNotFoundError(name, err);
    if (code === 'ETIMEOUT') {
      throw new ByodaError('BYODA_ERR_DNS', `DNS lookup of ${name} timed out`, { status: 504, cause: err });
    }
    throw new ByodaError('BYODA_ERR_DNS', `DNS lookup of ${name} failed (${code ?? 'unknown error'})`, {
      status: 502,
      cause: err,
    });
  }
}
