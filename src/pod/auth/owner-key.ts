/**
 * The key that signs the owner's JWTs (spec §10). A P-256 key of its own, not the account's TLS key:
 * TLS keys are for TLS only (spec §3), and a token key can be replaced (invalidating every token out)
 * without touching a certificate. Stored like every other private key: encrypted PKCS#8, mode 0600.
 */
import { KeyObject } from 'node:crypto';
import { generateKeyPair, readPrivateKeyFile, writePrivateKeyFile } from '../../pki/index.js';

export interface OwnerSigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export async function createOwnerSigningKey(path: string, passphrase: string): Promise<void> {
  const keys = await generateKeyPair();
  await writePrivateKeyFile(path, keys.privateKey, passphrase);
}

export async function readOwnerSigningKey(path: string, passphrase: string): Promise<OwnerSigningKey> {
  const keys = await readPrivateKeyFile(path, passphrase);
  return { privateKey: KeyObject.from(keys.privateKey), publicKey: KeyObject.from(keys.publicKey) };
}
