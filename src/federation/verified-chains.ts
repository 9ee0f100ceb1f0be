/**
 * Certificate chains already verified, remembered until their leaf expires. Federation checks the
 * same few chains over and over (a pod's server chain on every new connection, an origin's data cert
 * on every forwarded query), and a full verification with the network's issuance rules costs tens of
 * milliseconds: too much to repeat per hop. The directory keeps verified leaves the same way
 * (docs/protocol.md, "TLS session resumption").
 *
 * The key is the SHA-256 of the root and of the exact chain, so a different chain, or the same chain
 * against another root, is verified afresh. The project has no revocation, so nothing else can make a
 * verified chain invalid before its leaf's end.
 */
import { createHash } from 'node:crypto';
import { BoundedMap } from '../bounded/index.js';
import { notAfterMs, splitPemBundle, verifyChain } from '../pki/index.js';
import type { PkiIdentity } from '../pki/index.js';

export interface VerifiedChains {
  /** The identity the chain's leaf names, verified to `rootCaPem` now or earlier (throws as verifyChain). */
  verify(chain: string | readonly string[], rootCaPem: string): Promise<PkiIdentity>;
}

export interface VerifiedChainsOptions {
  /** Most chains remembered (default 10,000; the oldest are forgotten first). */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly identity: PkiIdentity;
  readonly notAfter: number;
}

export const DEFAULT_VERIFIED_CHAINS = 10_000;

export function createVerifiedChains(options: VerifiedChainsOptions = {}): VerifiedChains {
  const maxEntries = options.maxEntries ?? DEFAULT_VERIFIED_CHAINS;
  const now = options.now ?? Date.now;
  const entries = new BoundedMap<string, Entry>(maxEntries);
  return {
    async verify(chain, rootCaPem) {
      const pems = typeof chain === 'string' ? splitPemBundle(chain) : [...chain];
      const key = chainKey(pems, rootCaPem);
      const known = entries.get(key);
      if (known && known.notAfter > now()) return known.identity;
      const [leaf, ...intermediates] = pems;
      const identity = await verifyChain(leaf ?? '', intermediates, rootCaPem);
      entries.set(key, { identity, notAfter: notAfterMs(leaf ?? '') });
      return identity;
    },
  };
}

function chainKey(pems: readonly string[], rootCaPem: string): string {
  const hash = createHash('sha256').update(rootCaPem.trim());
  for (const pem of pems) hash.update('\n').update(pem.trim());
  return hash.digest('base64');
}
