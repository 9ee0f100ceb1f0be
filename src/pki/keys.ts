/**
 * ECDSA P-256 key pairs (spec §3) and their only form on disk: encrypted PKCS#8 PEM (AES-256-CBC,
 * key derived from a passphrase by PBKDF2), in files of mode 0600. Keys are WebCrypto `CryptoKey`s in
 * memory because @peculiar/x509 signs with them; Node's `KeyObject` does the PEM encryption.
 */
import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { ByodaError } from '../errors/index.js';
import { subtle } from './x509.js';
import type { CryptoKey, CryptoKeyPair } from './x509.js';

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
/** Node's name of P-256, as `KeyObject.asymmetricKeyDetails` reports it. */
const NODE_P256 = 'prime256v1';
const PEM_CIPHER = 'aes-256-cbc';
const PRIVATE_FILE_MODE = 0o600;

/** A fresh P-256 key pair. Extractable, so that it can be written (encrypted) to disk. */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return subtle.generateKey(EC_P256, true, ['sign', 'verify']);
}

function assertPassphrase(passphrase: string): void {
  // An empty passphrase would make the "encrypted" file trivially readable (spec §3: never plaintext).
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new ByodaError('BYODA_ERR_KEY_PASSPHRASE', 'a non-empty passphrase is required for private keys');
  }
}

/** The private key as encrypted PKCS#8 PEM (`-----BEGIN ENCRYPTED PRIVATE KEY-----`). */
export function encryptPrivateKey(privateKey: CryptoKey, passphrase: string): string {
  assertPassphrase(passphrase);
  const pem = KeyObject.from(privateKey).export({
    type: 'pkcs8',
    format: 'pem',
    cipher: PEM_CIPHER,
    passphrase,
  });
  return pem.toString();
}

/**
 * The private key as unencrypted PKCS#8 PEM, for in-memory use only (e.g. the `key` of a TLS context).
 * Never write this to disk: use `writePrivateKeyFile`.
 */
export function privateKeyPem(privateKey: CryptoKey): string {
  return KeyObject.from(privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * The key pair from encrypted PKCS#8 PEM. A wrong passphrase gives BYODA_ERR_KEY_PASSPHRASE; a key that
 * is not P-256, or unencrypted PEM, gives BYODA_ERR_PKI.
 */
export async function decryptPrivateKey(pem: string, passphrase: string): Promise<CryptoKeyPair> {
  assertPassphrase(passphrase);
  if (!pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw new ByodaError('BYODA_ERR_PKI', 'the private key is not in encrypted PKCS#8 PEM form');
  }
  const keyObject = decryptKeyObject(pem, passphrase);
  if (keyObject.asymmetricKeyType !== 'ec' || keyObject.asymmetricKeyDetails?.namedCurve !== NODE_P256) {
    throw new ByodaError('BYODA_ERR_PKI', 'the private key is not an ECDSA P-256 key');
  }
  return toCryptoKeyPair(keyObject);
}

function decryptKeyObject(pem: string, passphrase: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch (cause) {
    // OpenSSL reports a wrong passphrase as a decryption or decoding failure; both mean the same here,
    // as the PEM header was already checked.
    throw new ByodaError('BYODA_ERR_KEY_PASSPHRASE', 'cannot decrypt the private key: wrong passphrase', {
      cause,
    });
  }
}

async function toCryptoKeyPair(privateKeyObject: KeyObject): Promise<CryptoKeyPair> {
  const pkcs8 = privateKeyObject.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(privateKeyObject).export({ type: 'spki', format: 'der' });
  const [privateKey, publicKey] = await Promise.all([
    subtle.importKey('pkcs8', pkcs8, EC_P256, true, ['sign']),
    subtle.importKey('spki', spki, EC_P256, true, ['verify']),
  ]);
  return { privateKey, publicKey };
}

/**
 * Write the private key, encrypted, to `path` with mode 0600. Written to a temporary file first and
 * renamed, so that a crash never leaves a truncated key behind.
 */
export async function writePrivateKeyFile(
  path: string,
  privateKey: CryptoKey,
  passphrase: string,
): Promise<void> {
  const pem = encryptPrivateKey(privateKey, passphrase);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, pem, { mode: PRIVATE_FILE_MODE });
  // `mode` applies only when the file is created; enforce it in case a stale temporary file existed.
  await chmod(tmp, PRIVATE_FILE_MODE);
  await rename(tmp, path);
}

export async function readPrivateKeyFile(path: string, passphrase: string): Promise<CryptoKeyPair> {
  return decryptPrivateKey(await readFile(path, 'utf8'), passphrase);
}

/** Whether two public keys are the same key (compared by their SPKI encoding). */
export async function samePublicKey(a: CryptoKey, b: CryptoKey): Promise<boolean> {
  const [da, db] = await Promise.all([subtle.exportKey('spki', a), subtle.exportKey('spki', b)]);
  return Buffer.from(da).equals(Buffer.from(db));
}
