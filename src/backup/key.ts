/**
 * The backup key: 32 random bytes the owner keeps apart from the pod (a password manager, another
 * machine), written as 64 hex digits. Every archive is sealed under a key derived from it (crypto.ts),
 * so one key serves every backup of a pod. A key file inside the pod's own folder is refused: a backup
 * that travels with its key protects nothing once the host is lost or stolen.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { relative, resolve, isAbsolute } from 'node:path';
import { ByodaError } from '../errors/index.js';

export const BACKUP_KEY_ENV = 'BYODA_BACKUP_KEY';
const KEY_BYTES = 32;

/** A new key as its 64 hex digits (`byoda pod backup-key`). */
export function generateBackupKey(): string {
  return randomBytes(KEY_BYTES).toString('hex');
}

/** The key from its text form (surrounding whitespace ignored); anything else is BYODA_ERR_BACKUP_KEY. */
export function parseBackupKey(text: string, where: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new ByodaError('BYODA_ERR_BACKUP_KEY', `${where} must hold 64 hex digits (byoda pod backup-key)`);
  }
  return Buffer.from(hex, 'hex');
}

export interface BackupKeySource {
  /** `--key-file`: a file holding the key. */
  readonly keyFile?: string | undefined;
  /** The environment (BYODA_BACKUP_KEY) when no key file is given. */
  readonly env?: NodeJS.ProcessEnv;
  /** The pod's folder: a key file under it is refused. */
  readonly podDir: string;
}

/** `--key-file F`, else BYODA_BACKUP_KEY; neither is BYODA_ERR_BACKUP_KEY. */
export async function loadBackupKey(source: BackupKeySource): Promise<Buffer> {
  if (source.keyFile !== undefined) {
    if (isInside(source.podDir, source.keyFile)) {
      throw new ByodaError(
        'BYODA_ERR_BACKUP_KEY',
        '--key-file lies inside the pod folder: keep the backup key apart from the pod',
      );
    }
    const text = await readFile(source.keyFile, 'utf8').catch((cause: unknown) => {
      throw new ByodaError('BYODA_ERR_BACKUP_KEY', 'cannot read the --key-file', { cause });
    });
    return parseBackupKey(text, '--key-file');
  }
  const fromEnv = (source.env ?? process.env)[BACKUP_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return parseBackupKey(fromEnv, BACKUP_KEY_ENV);
  throw new ByodaError('BYODA_ERR_BACKUP_KEY', `no backup key: give --key-file or set ${BACKUP_KEY_ENV}`);
}

function isInside(dir: string, file: string): boolean {
  const rel = relative(resolve(dir), resolve(file));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
