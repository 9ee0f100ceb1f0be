/**
 * Small secrets the pod keeps in account.db (the owner's TOTP secret), sealed with AES-256-GCM under a
 * key derived by scrypt from the pod's passphrase, the one that protects its private keys. A copy of
 * account.db alone (a backup, a stray file) then does not give the second factor away; the file is also
 * 0600. Format: `aesgcm$<salt>$<iv>$<tag>$<ciphertext>`, base64url parts.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { ByodaError } from '../../errors/index.js';

const SALT_LENGTH = 16;
const IV_LENGTH = 12;
/** Interactive-login cost, as for passwords (password.ts); a seal is opened once per code checked. */
const COST = { N: 2 ** 15, r: 8, p: 1, maxmem: 256 * 2 ** 15 * 8 } as const;

function deriveKey(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase, salt, 32, COST, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function sealSecret(plaintext: string, passphrase: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', await deriveKey(passphrase, salt), iv);
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [salt, iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url'));
  return ['aesgcm', ...parts].join('$');
}

/** The plaintext of `sealed`; a ByodaError when it is malformed or the passphrase is not the one. */
export async function openSecret(sealed: string, passphrase: string): Promise<string> {
  const parts = sealed.split('$');
  if (parts.length !== 5 || parts[0] !== 'aesgcm') {
    throw new ByodaError('BYODA_ERR_CONFIG', 'a sealed secret in account.db is malformed');
  }
  const [salt, iv, tag, data] = parts.slice(1).map((part) => Buffer.from(part, 'base64url')) as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  try {
    const decipher = createDecipheriv('aes-256-gcm', await deriveKey(passphrase, salt), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_KEY_PASSPHRASE', 'cannot open a sealed secret of account.db', {
      cause,
    });
  }
}
