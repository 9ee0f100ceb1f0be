/**
 * Where the passphrase of the network's private keys comes from, in order: a file named on the command
 * line, the `BYODA_PASSPHRASE` environment variable, or (local development only) `<data>/passphrase`,
 * created with random content by `byoda network init`. The last keeps a local network running with no
 * flags, but it stores the passphrase next to the keys it protects: a real network must use one of the
 * first two.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { ByodaError } from '../errors/index.js';

export const PASSPHRASE_ENV = 'BYODA_PASSPHRASE';

export type PassphraseSource = 'file' | 'env' | 'local-file' | 'generated';

export interface PassphraseOptions {
  /** `--passphrase-file`. */
  readonly file?: string;
  /** The process environment (a parameter so tests need not touch the real one). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `<data>/passphrase`. */
  readonly localFile: string;
  /** Create `localFile` when nothing else gives a passphrase (`network init`); else it must exist. */
  readonly create: boolean;
}

export async function resolvePassphrase(
  options: PassphraseOptions,
): Promise<{ passphrase: string; source: PassphraseSource }> {
  if (options.file !== undefined) {
    return {
      passphrase: nonEmpty(await readText(options.file, '--passphrase-file'), 'the passphrase file'),
      source: 'file',
    };
  }
  const fromEnv = options.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { passphrase: fromEnv, source: 'env' };
  if (options.create)
    return { passphrase: await createLocalPassphrase(options.localFile), source: 'generated' };
  const local = await readFile(options.localFile, 'utf8').catch(() => undefined);
  if (local === undefined) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `no passphrase: give --passphrase-file or set ${PASSPHRASE_ENV} (no local passphrase file in the data folder)`,
    );
  }
  return { passphrase: nonEmpty(trimNewline(local), 'the local passphrase file'), source: 'local-file' };
}

/**
 * 32 random bytes, base64url. An existing file (left by an interrupted init) is reused, never
 * replaced: it may be the only way to open keys written with it.
 */
async function createLocalPassphrase(path: string): Promise<string> {
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing !== undefined) return nonEmpty(trimNewline(existing), 'the local passphrase file');
  const passphrase = randomBytes(32).toString('base64url');
  try {
    await writeFile(path, `${passphrase}\n`, { mode: 0o600, flag: 'wx' });
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CONFIG', 'cannot create the local passphrase file in the data folder', {
      cause,
    });
  }
  return passphrase;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return trimNewline(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CONFIG', `cannot read ${what} ${path}`, { cause });
  }
}

/** A file written by `echo` ends in a newline that is not part of the passphrase. */
function trimNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

function nonEmpty(passphrase: string, what: string): string {
  if (passphrase.length === 0) throw new ByodaError('BYODA_ERR_CONFIG', `${what} is empty`);
  return passphrase;
}
