/**
 * A consistent copy of a data folder while its server runs, and writing one back.
 *
 * SQLite files (`*.db`) are copied with SQLite's online backup API (better-sqlite3 `db.backup()`)
 * through a read-only connection of their own: each copy is one consistent state of its database,
 * whatever the running server writes meanwhile, and its WAL is folded in. Other files (certificates,
 * encrypted keys, settings) are read as they are; they change only at init and join. What is the
 * running process's and not the pod's (`run.json`, the folder lock, logs, SQLite's `-wal`/`-shm`
 * side files, temporary files) is left out.
 */
import { mkdtemp, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ByodaError } from '../errors/index.js';
import type { ArchiveEntry } from './archive.js';
import { isSafeArchivePath } from './manifest.js';

const LEFT_OUT_NAMES = new Set(['run.json', 'byoda.lock', 'logs']);

function leftOut(name: string): boolean {
  return LEFT_OUT_NAMES.has(name) || name.endsWith('-wal') || name.endsWith('-shm') || name.endsWith('.tmp');
}

/** Every file of the folder that belongs in a backup, SQLite files as online-backup copies. */
export async function snapshotFolder(dir: string): Promise<ArchiveEntry[]> {
  const root = resolve(dir);
  const scratch = await mkdtemp(join(tmpdir(), 'byoda-snapshot-'));
  try {
    const entries: ArchiveEntry[] = [];
    for (const path of await listFiles(root, '')) {
      const full = join(root, path);
      const content = path.endsWith('.db') ? await sqliteCopy(full, scratch) : await readFile(full);
      entries.push({ path, content });
    }
    return entries;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function listFiles(root: string, prefix: string): Promise<string[]> {
  const found: string[] = [];
  const items = await readdir(join(root, prefix), { withFileTypes: true });
  for (const item of items.sort((a, b) => a.name.localeCompare(b.name))) {
    if (leftOut(item.name)) continue;
    const path = prefix === '' ? item.name : `${prefix}/${item.name}`;
    if (!isSafeArchivePath(path)) continue; // nothing the pod writes has such a name
    if (item.isDirectory()) found.push(...(await listFiles(root, path)));
    else if (item.isFile()) found.push(path);
  }
  return found;
}

let copies = 0;

async function sqliteCopy(file: string, scratch: string): Promise<Buffer> {
  const target = join(scratch, `copy-${++copies}.db`);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    await db.backup(target);
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_STORAGE', 'a database of the pod could not be copied', { cause });
  } finally {
    db?.close();
  }
  return readFile(target);
}

/**
 * Writes the entries as a new folder `dir`, all or nothing: into a sibling temporary folder first,
 * renamed to `dir` only when every file is written. `dir` must not exist or be empty.
 */
export async function writeFolder(dir: string, entries: readonly ArchiveEntry[]): Promise<void> {
  const target = resolve(dir);
  const existing = await readdir(target).catch(() => undefined);
  if (existing !== undefined && existing.length > 0) {
    throw new ByodaError('BYODA_ERR_CONFLICT', `${dir} is not empty: restore into a new folder`);
  }
  await mkdir(dirname(target), { recursive: true });
  const staging = `${target}.restoring-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    await mkdir(staging, { mode: 0o700 });
    for (const entry of entries) {
      if (!isSafeArchivePath(entry.path)) {
        throw new ByodaError('BYODA_ERR_BACKUP_ARCHIVE', `unsafe path in the archive: ${entry.path}`);
      }
      const full = join(staging, entry.path);
      await mkdir(dirname(full), { recursive: true, mode: 0o700 });
      // Keys, password hashes and data: owner-only, like the pod writes them.
      await writeFile(full, entry.content, { mode: 0o600 });
    }
    if (existing !== undefined) await rm(target, { recursive: true });
    await rename(staging, target);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}
