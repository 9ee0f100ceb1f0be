/**
 * One `byoda up` per data folder: two would open the same SQLite databases and keys and publish
 * conflicting ports at the same names. The lock is a file holding the owner's pid; a lock whose
 * process is gone (killed with SIGKILL, a crash) is taken over.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { ByodaError } from '../errors/index.js';

export interface RunLock {
  release(): Promise<void>;
}

export async function acquireRunLock(path: string): Promise<RunLock> {
  if (!(await tryCreate(path))) {
    const owner = await lockOwner(path);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      throw new ByodaError(
        'BYODA_ERR_CONFLICT',
        `another byoda up (pid ${owner}) is using this data folder; stop it first`,
      );
    }
    await rm(path, { force: true });
    if (!(await tryCreate(path))) {
      throw new ByodaError('BYODA_ERR_CONFLICT', 'another byoda up took this data folder at the same moment');
    }
  }
  return { release: () => rm(path, { force: true }) };
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    await writeFile(path, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new ByodaError('BYODA_ERR_CONFIG', `cannot create ${path}`, { cause: err });
  }
}

async function lockOwner(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether a process with this id exists (signal 0 only checks; EPERM means it exists as another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
