/**
 * Members' data cert chains, fetched from their pods and kept for a while (spec §4, §8, §9): every
 * forwarded query carries an origin signature, and fetching the origin's chain for each one would
 * cost a round trip per hop. A chain is cached only after it verified to the network root as the
 * member data cert of that member and this service, so the cache never holds what a pod would refuse.
 *
 * Entries live `ttlMs` (default one hour, and never past the certificate's own end) and at most
 * `maxEntries` are kept (default 10,000; the oldest go first). Concurrent requests for the same member
 * share one fetch. A failure is remembered for a short while (10 s; 5 minutes for a chain that did not
 * verify), so that records naming many unknown or untrusted signers, or a burst of queries from one,
 * cost one attempt per member and not one per record or query; then the next use tries again.
 *
 * After a key rotation (docs/protocol.md, "Key rotation") a member has two data certs: signatures name
 * theirs by thumbprint (`x5t#S256`). `get(id, x5t)` answers the cached chain when it is that one, else
 * fetches the one named (`?x5t=`) and keeps it beside the current one; a member whose pod has no such
 * certificate (a renewal keeps the key but changes the thumbprint) gets its current chain. Origin
 * signatures carry no thumbprint: `refresh(id)` fetches the current chain again when the cached one did
 * not verify, at most once per `refreshGapMs` per member, so that forged queries cannot make the pod
 * fetch for each one.
 */
import { BoundedMap } from '../bounded/index.js';
import { ByodaError, isByodaError } from '../errors/index.js';
import { certThumbprint, notAfterMs, splitPemBundle, verifyChainBundle } from '../pki/index.js';
import type { PkiIdentity } from '../pki/index.js';
import type { PeerClient, PeerRequestOptions } from './peer-pool.js';
import type { VerifiedChains } from './verified-chains.js';

export interface DataCertCacheOptions {
  /**
   * Fetches the chain PEM of a member (default wiring: `peerDataCertFetcher(pool, serviceId)`): its
   * current one, or the one of thumbprint `x5t` (its pod answers 404 when it has none such).
   */
  readonly fetchChain: (memberId: string, x5t?: string) => Promise<string>;
  /** Least time between two `refresh`es of one member, in ms (default 10 s). */
  readonly refreshGapMs?: number;
  readonly rootCaPem: string;
  readonly network: string;
  readonly serviceId: number;
  /** How long a verified chain is reused, in milliseconds (default one hour). */
  readonly ttlMs?: number;
  /** Most chains kept (default 10,000). */
  readonly maxEntries?: number;
  readonly now?: () => number;
  /** Shared memory of verified chains (default: none, every fetched chain is verified). */
  readonly chains?: VerifiedChains;
  /** How long a failed fetch answers with its error before trying again, in ms (default 10 s). */
  readonly failureTtlMs?: number;
  /** The same for a chain that was fetched but did not verify (default 5 minutes). */
  readonly untrustedTtlMs?: number;
  /**
   * Whether the member is on the network's revocation list: then its chain, cached or not, is refused
   * (BYODA_ERR_REVOKED), so that its signatures stop verifying as soon as the pod knows.
   */
  readonly isRevoked?: (memberId: string) => boolean;
}

export interface DataCertCache {
  /**
   * The verified data cert chain of `memberId` (PEM, leaf first): the one of thumbprint `x5t` when
   * given and its pod has it, else the current one. Throws a ByodaError otherwise.
   */
  get(memberId: string, x5t?: string): Promise<string>;
  /**
   * The member's current chain fetched again (a signature did not verify with the cached one: the
   * member may have rotated its key); within `refreshGapMs` of the last refresh, the cached one.
   */
  refresh(memberId: string): Promise<string>;
  /** Puts a chain known to be good (this pod's own) without fetching it; it is still verified. */
  prime(memberId: string, chainPem: string): Promise<void>;
  readonly size: number;
}

export const DEFAULT_DATA_CERT_TTL_MS = 60 * 60_000;
export const DEFAULT_DATA_CERT_ENTRIES = 10_000;
export const DEFAULT_DATA_CERT_FAILURE_TTL_MS = 10_000;
export const DEFAULT_DATA_CERT_UNTRUSTED_TTL_MS = 5 * 60_000;
export const DEFAULT_DATA_CERT_REFRESH_GAP_MS = 10_000;
/** A PEM chain of three certificates is about 2 KiB; anything near this is not a data cert chain. */
export const MAX_DATA_CERT_CHAIN_BYTES = 64 * 1024;

/** spec §4: where a pod serves a membership's data cert chain. */
export function dataCertPath(serviceId: number): string {
  return `/api/v1/pod/data-cert/service-${serviceId}`;
}

/**
 * `fetchChain` through the peer pool: `GET /api/v1/pod/data-cert/service-<S>[?x5t=<thumbprint>]` on
 * the member's pod.
 */
export function peerDataCertFetcher(
  peers: PeerClient,
  serviceId: number,
  options: PeerRequestOptions = {},
): (memberId: string, x5t?: string) => Promise<string> {
  return (memberId, x5t) => {
    const query = x5t === undefined ? '' : `?x5t=${encodeURIComponent(x5t)}`;
    return peers.getText(memberId, `${dataCertPath(serviceId)}${query}`, options);
  };
}

interface Entry {
  readonly chainPem: string;
  /** The leaf's `x5t#S256`. */
  readonly thumbprint: string;
  readonly expires: number;
}

export function createDataCertCache(options: DataCertCacheOptions): DataCertCache {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? DEFAULT_DATA_CERT_TTL_MS;
  const maxEntries = options.maxEntries ?? DEFAULT_DATA_CERT_ENTRIES;
  const entries = new BoundedMap<string, Entry>(maxEntries);
  const inFlight = new Map<string, Promise<string>>();
  const failures = new BoundedMap<string, { readonly error: unknown; readonly until: number }>(maxEntries);

  /** Chains asked for by thumbprint that are not the current one, by `<member>|<x5t>`. */
  const named = new BoundedMap<string, Entry>(maxEntries);
  const lastRefresh = new BoundedMap<string, number>(maxEntries);

  function rememberFailure(key: string, error: unknown): void {
    const untrusted = isByodaError(error) && error.code === 'BYODA_ERR_CERT_CHAIN';
    const ttl = untrusted
      ? (options.untrustedTtlMs ?? DEFAULT_DATA_CERT_UNTRUSTED_TTL_MS)
      : (options.failureTtlMs ?? DEFAULT_DATA_CERT_FAILURE_TTL_MS);
    failures.set(key, { error, until: now() + ttl });
  }

  async function verified(memberId: string, chainPem: string): Promise<Entry> {
    const notAfter = await verifyDataChain(memberId, chainPem, options);
    return { chainPem, thumbprint: certThumbprint(chainPem), expires: Math.min(now() + ttlMs, notAfter) };
  }

  async function store(memberId: string, chainPem: string): Promise<string> {
    entries.set(memberId, await verified(memberId, chainPem));
    return chainPem;
  }

  async function fetchChecked(memberId: string, x5t?: string): Promise<string> {
    const chainPem = await options.fetchChain(memberId, x5t);
    if (Buffer.byteLength(chainPem) > MAX_DATA_CERT_CHAIN_BYTES) {
      throw new ByodaError('BYODA_ERR_CERT_CHAIN', 'the data certificate chain is far too large');
    }
    return chainPem;
  }

  /** One attempt per key at a time, failures remembered under the same key. */
  function once(key: string, work: () => Promise<string>): Promise<string> {
    const failed = failures.get(key);
    if (failed && failed.until > now()) return Promise.reject(failed.error);
    const pending = inFlight.get(key);
    if (pending) return pending;
    const running = work()
      .then(
        (chainPem) => {
          failures.delete(key);
          return chainPem;
        },
        (err: unknown) => {
          rememberFailure(key, err);
          throw err;
        },
      )
      .finally(() => inFlight.delete(key));
    inFlight.set(key, running);
    return running;
  }

  function current(id: string): Promise<string> {
    const entry = entries.get(id);
    if (entry && entry.expires > now()) return Promise.resolve(entry.chainPem);
    return once(id, async () => store(id, await fetchChecked(id)));
  }

  async function byThumbprint(id: string, x5t: string): Promise<string> {
    const entry = entries.get(id);
    if (entry && entry.expires > now() && entry.thumbprint === x5t) return entry.chainPem;
    const key = `${id}|${x5t}`;
    const known = named.get(key);
    if (known && known.expires > now()) return known.chainPem;
    try {
      return await once(key, async () => {
        const fetched = await verified(id, await fetchChecked(id, x5t));
        if (fetched.thumbprint !== x5t) {
          throw new ByodaError(
            'BYODA_ERR_CERT_CHAIN',
            `the pod of member ${id} served another data certificate than the one asked for`,
          );
        }
        named.set(key, fetched);
        return fetched.chainPem;
      });
    } catch {
      // Not there (e.g. renewed: same key, new certificate) or not to be had: the current chain,
      // which verifies the signature when its key is the one that made it, and refuses it otherwise.
      return current(id);
    }
  }

  function refused(id: string): Promise<never> | undefined {
    if (!options.isRevoked?.(id)) return undefined;
    return Promise.reject(
      new ByodaError('BYODA_ERR_REVOKED', `the membership of ${id} is revoked`, { status: 403 }),
    );
  }

  return {
    get(memberId: string, x5t?: string): Promise<string> {
      const id = memberId.toLowerCase();
      return refused(id) ?? (x5t === undefined ? current(id) : byThumbprint(id, x5t));
    },
    refresh(memberId: string): Promise<string> {
      const id = memberId.toLowerCase();
      const revoked = refused(id);
      if (revoked) return revoked;
      const last = lastRefresh.get(id);
      const gap = options.refreshGapMs ?? DEFAULT_DATA_CERT_REFRESH_GAP_MS;
      if (last !== undefined && now() - last < gap) return current(id);
      lastRefresh.set(id, now());
      return once(`${id}|refresh`, async () => store(id, await fetchChecked(id)));
    },
    async prime(memberId: string, chainPem: string): Promise<void> {
      await store(memberId.toLowerCase(), chainPem);
      failures.delete(memberId.toLowerCase());
    },
    get size(): number {
      return entries.size;
    },
  };
}

/** Verifies the chain as `memberId`'s member data cert of this service; returns the leaf's end (ms). */
async function verifyDataChain(
  memberId: string,
  chainPem: string,
  options: DataCertCacheOptions,
): Promise<number> {
  let identity: PkiIdentity;
  try {
    identity = await (options.chains
      ? options.chains.verify(chainPem, options.rootCaPem)
      : verifyChainBundle(chainPem, options.rootCaPem));
  } catch (err) {
    if (isByodaError(err)) throw err;
    throw new ByodaError('BYODA_ERR_CERT_CHAIN', 'the data certificate chain is not readable', {
      cause: err,
    });
  }
  const fits =
    identity.type === 'member-data' &&
    identity.network === options.network &&
    identity.serviceId === options.serviceId &&
    identity.memberId === memberId;
  if (!fits) {
    throw new ByodaError(
      'BYODA_ERR_CERT_CHAIN',
      `the pod of member ${memberId} served a certificate that is not its member data certificate ` +
        `of service ${options.serviceId}`,
    );
  }
  return notAfterMs(splitPemBundle(chainPem)[0] ?? '');
}
