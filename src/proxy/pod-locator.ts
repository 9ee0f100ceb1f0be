/**
 * Where a pod's web port is (spec §2, docs/protocol.md "DNS"): the account FQDN's A record and its
 * `_byoda._tcp` SRV port, asked of the network's DNS server only. Answers are kept briefly, so that a
 * page's dozens of requests cost one lookup, yet a pod that moved (a restart in local mode) is found
 * again within seconds. Only account names are ever looked up: the proxy never reaches a member port.
 */
import { byodaSrvName } from '../dns/index.js';
import type { DnsResolver } from '../dns/index.js';
import { ByodaError } from '../errors/index.js';
import { accountFqdn } from '../pki/index.js';

export interface PodWebPort {
  readonly fqdn: string;
  readonly host: string;
  readonly port: number;
}

/** The web port's default when no SRV record names one (spec §4). */
const DEFAULT_WEB_PORT = 443;
const REMEMBER_MS = 5_000;
const MAX_REMEMBERED = 10_000;

export class PodLocator {
  readonly #resolver: DnsResolver;
  readonly #network: string;
  readonly #known = new Map<string, { found: PodWebPort; untilMs: number }>();

  constructor(resolver: DnsResolver, network: string) {
    this.#resolver = resolver;
    this.#network = network;
  }

  /** The web port of account `accountId`; BYODA_ERR_NOT_FOUND when the network has no such pod. */
  async locate(accountId: string): Promise<PodWebPort> {
    const known = this.#known.get(accountId);
    if (known && known.untilMs > Date.now()) return known.found;
    const fqdn = accountFqdn(this.#network, accountId);
    const [addresses, srv] = await Promise.all([
      this.#resolver.resolveA(fqdn).catch(() => []),
      this.#resolver.resolveSrv(byodaSrvName(fqdn)).catch(() => []),
    ]);
    const host = addresses[0];
    if (host === undefined) {
      throw new ByodaError('BYODA_ERR_NOT_FOUND', `account_id: no pod ${accountId} in ${this.#network}`, {
        path: 'account_id',
      });
    }
    const found = { fqdn, host, port: srv[0]?.port ?? DEFAULT_WEB_PORT };
    // Bounded: a flood of names costs at most this many entries (each lookup refills as needed).
    if (this.#known.size >= MAX_REMEMBERED) this.#known.clear();
    this.#known.set(accountId, { found, untilMs: Date.now() + REMEMBER_MS });
    return found;
  }

  /** Forgets a pod whose address failed, so the next request looks it up again. */
  forget(accountId: string): void {
    this.#known.delete(accountId);
  }
}
