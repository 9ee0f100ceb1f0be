/**
 * Public keys of origin signers, imported once per certificate (issue 12: importing the signer's key
 * for every forwarded query was 8.6% of a proxied read). The key is a pure function of the leaf
 * certificate's text, so a key remembered by the SHA-256 of that text is the key a fresh import would
 * give: nothing is checked less. The caller still verifies the chain (verified-chains.ts) and the
 * signer's identity on every query, and only then asks for the key.
 */
import { createHash, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { BoundedMap } from '../bounded/index.js';

export interface SignerKeys {
  /** The public key of `leafPem`, a certificate whose chain the caller has verified. */
  keyOf(leafPem: string): KeyObject;
}

export interface SignerKeysOptions {
  /** Most keys remembered (default 10,000; the least recently used are forgotten first). */
  readonly maxEntries?: number;
}

export const DEFAULT_SIGNER_KEYS = 10_000;

export function createSignerKeys(options: SignerKeysOptions = {}): SignerKeys {
  const maxEntries = options.maxEntries ?? DEFAULT_SIGNER_KEYS;
  const keys = new BoundedMap<string, KeyObject>(maxEntries);
  return {
    keyOf(leafPem) {
      const fingerprint = createHash('sha256').update(leafPem.trim()).digest('base64');
      const known = keys.use(fingerprint);
      if (known) return known;
      const key = createPublicKey(leafPem);
      keys.set(fingerprint, key);
      return key;
    },
  };
}
