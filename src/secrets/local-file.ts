/**
 * The local convenience of `byoda up` (and of an init with `--local-secrets`): a generated secret kept
 * in a file (mode 0600) beside what it protects, so that a local network restarts with no flags.
 * Never for a real network: whoever reads the folder has the keys. Only these functions write secrets
 * to disk, and only when asked to.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { ByodaError } from '../errors/index.js';

/** Said wherever a local secret file is made or listed. */
export const LOCAL_SECRET_LABEL =
  'local convenience: the secret is kept beside what it protects; never run a real network this way';

/**
 * The secret in `path`, made now (32 random bytes, base64url, or `generate()`) if the file does not
 * exist. An existing file (left by an interrupted init) is reused, never replaced: it may be the only
 * way to open keys written with it.
 */
export async function localSecretFile(
  path: string,
  generate: () => string = () => randomBytes(32).toString('base64url'),
): Promise<{ value: string; created: boolean }> {
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing !== undefined) {
    const value = existing.split(/\r?\n/)[0] ?? '';
    if (value === '') throw new ByodaError('BYODA_ERR_CONFIG', `the local secret file ${path} is empty`);
    return { value, created: false };
  }
  const value = generate();
  try {
    await writeFile(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CONFIG', `cannot create the local secret file ${path}`, { cause });
  }
  return { value, created: true };
}
