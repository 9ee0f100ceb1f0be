/**
 * Sealing an archive: AES-256-GCM under a key derived (HKDF-SHA-256) from the owner's backup key and a
 * random salt per archive, so that no two archives share a (key, nonce) pair however many are made.
 *
 * Sealed layout (docs/backup.md):
 * `"BYODABAK"` (8 bytes) | format version (1 byte, 1) | salt (16) | nonce (12) | ciphertext | tag (16).
 * The first 37 bytes (the header) are the additional authenticated data, so a changed version byte or
 * salt fails like a changed ciphertext. GCM cannot tell a wrong key from a damaged archive: both are
 * one BYODA_ERR_BACKUP_ARCHIVE, and nothing of the plaintext is returned before the tag checked.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ByodaError } from '../errors/index.js';

const MAGIC = Buffer.from('BYODABAK', 'ascii');
export const SEALED_FORMAT_VERSION = 1;
const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + SALT_BYTES + NONCE_BYTES;
const HKDF_INFO = Buffer.from('byoda backup archive v1', 'ascii');

function archiveKey(backupKey: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', backupKey, salt, HKDF_INFO, 32));
}

export function seal(plaintext: Buffer, backupKey: Buffer): Buffer {
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const header = Buffer.concat([MAGIC, Buffer.from([SEALED_FORMAT_VERSION]), salt, nonce]);
  const cipher = createCipheriv('aes-256-gcm', archiveKey(backupKey, salt), nonce);
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, body, cipher.getAuthTag()]);
}

export function open(sealed: Buffer, backupKey: Buffer): Buffer {
  if (sealed.length < HEADER_BYTES + TAG_BYTES || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw archiveError('is not a BYODA backup archive (or is truncated)');
  }
  const version = sealed[MAGIC.length];
  if (version !== SEALED_FORMAT_VERSION) {
    throw archiveError(`has format version ${String(version)}; this version reads ${SEALED_FORMAT_VERSION}`);
  }
  const header = sealed.subarray(0, HEADER_BYTES);
  const salt = header.subarray(MAGIC.length + 1, MAGIC.length + 1 + SALT_BYTES);
  const nonce = header.subarray(MAGIC.length + 1 + SALT_BYTES);
  const body = sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', archiveKey(backupKey, salt), nonce);
  decipher.setAAD(header);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (cause) {
    throw archiveError('does not open with this key: wrong key, or a damaged or truncated archive', cause);
  }
}

export function archiveError(what: string, cause?: unknown): ByodaError {
  return new ByodaError('BYODA_ERR_BACKUP_ARCHIVE', `the backup archive ${what}`, { cause });
}
