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
 */
import { X509Certificate } from 'node:crypto';
import { ByodaError, isByodaError } from '../errors/index.js';
import { splitPemBundle, verifyChainBundle } from '../pki/index.js';
import type { PkiIdentity } from '../pki/index.js';
import type { PeerClient, PeerRequestOptions } from './peer-pool.js';
import type { VerifiedChains } from './verified-chains.js';

export interface DataCertCacheOptions {
  /** Fetches the chain PEM of a member (default wiring: `peerDataCertFetcher(pool, serviceId)`). */
  readonly fetchChain: (memberId: string) => Promise<string>;
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
  /** The verified data cert chain of `memberId` (PEM, leaf first). Throws a ByodaError otherwise. */
  get(memberId: string): Promise<string>;
  /** Puts a chain known to be good (this pod's own) without fetching it; it is still verified. */
  prime(memberId: string, chainPem: string): Promise<void>;
  readonly size: number;
}

export const DEFAULT_DATA_CERT_TTL_MS = 60 * 60_000;
export const DEFAULT_DATA_CERT_ENTRIES = 10_000;
export const DEFAULT_DATA_CERT_FAILURE_TTL_MS = 10_000;
export const DEFAULT_DATA_CERT_UNTRUSTED_TTL_MS = 5 * 60_000;
/** A PEM chain of three certificates is about 2 KiB; anything near this is not a data cert chain. */
export const MAX_DATA_CERT_CHAIN_BYTES = 64 * 1024;

/** spec §4: where a pod serves a membership's data cert chain. */
export function dataCertPath(serviceId: number): string {
  return `/api/v1/pod/data-cert/service-${serviceId}`;
}

/** `fetchChain` through the peer pool: `GET /api/v1/pod/data-cert/service-<S>` on the member's pod. */
export function peerDataCertFetcher(
  peers: PeerClient,
  serviceId: number,
  options: PeerRequestOptions = {},
): (memberId: string) => Promise<string> {
  return (memberId) => peers.getText(memberId, dataCertPath(serviceId), options);
}

interface Entry {
  readonly chainPem: string;
  readonly expires: number;
}

export function createDataCertCache(options: DataCertCacheOptions): DataCertCache {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? DEFAULT_DATA_CERT_TTL_MS;
  const maxEntries = options.maxEntries ?? DEFAULT_DATA_CERT_ENTRIES;
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<string>>();
  const failures = new Map<string, { readonly error: unknown; readonly until: number }>();

  function rememberFailure(memberId: string, error: unknown): void {
    const untrusted = isByodaError(error) && error.code === 'BYODA_ERR_CERT_CHAIN';
    const ttl = untrusted
      ? (options.untrustedTtlMs ?? DEFAULT_DATA_CERT_UNTRUSTED_TTL_MS)
      : (options.failureTtlMs ?? DEFAULT_DATA_CERT_FAILURE_TTL_MS);
    failures.delete(memberId);
    failures.set(memberId, { error, until: now() + ttl });
    while (failures.size > maxEntries) {
      const oldest = failures.keys().next();
      if (oldest.done) break;
      failures.delete(oldest.value);
    }
  }

  async function store(memberId: string, chainPem: string): Promise<string> {
    const notAfter = await verifyDataChain(memberId, chainPem, options);
    entries.delete(memberId);
    entries.set(memberId, { chainPem, expires: Math.min(now() + ttlMs, notAfter) });
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
    return chainPem;
  }

  async function fetchAndStore(memberId: string): Promise<string> {
    const chainPem = await options.fetchChain(memberId);
    if (Buffer.byteLength(chainPem) > MAX_DATA_CERT_CHAIN_BYTES) {
      throw new ByodaError('BYODA_ERR_CERT_CHAIN', 'the data certificate chain is far too large');
    }
    return store(memberId, chainPem);
  }

  return {
    get(memberId: string): Promise<string> {
      const id = memberId.toLowerCase();
      if (options.isRevoked?.(id)) {
        return Promise.reject(
          new ByodaError('BYODA_ERR_REVOKED', `the membership of ${id} is revoked`, { status: 403 }),
        );
      }
      const entry = entries.get(id);
      if (entry && entry.expires > now()) return Promise.resolve(entry.chainPem);
      const failed = failures.get(id);
      if (failed && failed.until > now()) return Promise.reject(failed.error);
      const pending = inFlight.get(id);
      if (pending) return pending;
      const fetching = fetchAndStore(id)
        .then(
          (chainPem) => {
            failures.delete(id);
            return chainPem;
          },
          (err: unknown) => {
            rememberFailure(id, err);
            throw err;
          },
        )
        .finally(() => inFlight.delete(id));
      inFlight.set(id, fetching);
      return fetching;
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
  const leaf = splitPemBundle(chainPem)[0] ?? '';
  return Date.parse(new X509Certificate(leaf).validTo);
}
