/**
 * One running process per data folder. Two `byoda up`, or two `byoda pod start` on one pod folder,
 * would open the same SQLite databases and keys and publish conflicting ports at the same names in
 * DNS: the second would move the first's records to its own ports, and leave them pointing at a dead
 * port when it stopped. So a process that serves a data folder first takes its lock: a file created
 * exclusively, holding the owner's pid and what it runs. A lock whose process is gone (killed with
 * SIGKILL, a crash) is taken over, so that a stale lock never blocks the next start.
 *
 * The lock is advisory: it guards against a second byoda, not against other programs.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ByodaError } from '../errors/index.js';

export interface FolderLock {
  readonly path: string;
  release(): Promise<void>;
}

export interface FolderLockOptions {
  /** What takes the lock, as people would type it (`byoda pod start`), for the refusal of a second. */
  readonly holder: string;
  /** The folder it guards, for the refusal's message (default: the lock file's path). */
  readonly folder?: string;
}

/** The lock file of a server's data folder (`byoda up` keeps its own, `up.lock`, at its root). */
export const DATA_FOLDER_LOCK = 'byoda.lock';

export function dataFolderLockPath(dataDir: string): string {
  return join(dataDir, DATA_FOLDER_LOCK);
}

/** Takes the lock file at `path`, or fails with BYODA_ERR_CONFLICT naming the living owner. */
export async function acquireFolderLock(path: string, options: FolderLockOptions): Promise<FolderLock> {
  const folder = options.folder ?? path;
  const content = `${process.pid}\n${options.holder}\n`;
  if (!(await tryCreate(path, content))) {
    const owner = await lockOwner(path);
    if (owner !== undefined && owner.pid !== process.pid && isProcessAlive(owner.pid)) {
      throw new ByodaError(
        'BYODA_ERR_CONFLICT',
        `the data folder ${folder} is in use by ${owner.holder ?? 'another byoda'} (pid ${owner.pid}); ` +
          'stop it first, or use another folder',
      );
    }
    await rm(path, { force: true });
    if (!(await tryCreate(path, content))) {
      throw new ByodaError(
        'BYODA_ERR_CONFLICT',
        `another byoda took the data folder ${folder} at the same moment`,
      );
    }
  }
  let released = false;
  return {
    path,
    release: async () => {
      if (released) return;
      released = true;
      // Only our own lock: a lock taken over after we were presumed dead is not ours to remove.
      if ((await lockOwner(path))?.pid === process.pid) await rm(path, { force: true });
    },
  };
}

async function tryCreate(path: string, content: string): Promise<boolean> {
  try {
    await writeFile(path, content, { flag: 'wx', mode: 0o644 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new ByodaError('BYODA_ERR_CONFIG', `cannot create ${path}`, { cause: err });
  }
}

async function lockOwner(path: string): Promise<{ pid: number; holder: string | undefined } | undefined> {
  const [first = '', second = ''] = (await readFile(path, 'utf8').catch(() => '')).split('\n');
  const pid = Number(first.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, holder: second.trim() === '' ? undefined : second.trim() };
}

/** Whether a process with this id exists (signal 0 only checks; EPERM means it exists as another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
