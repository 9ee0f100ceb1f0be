/**
 * Backing up a data folder to a target and restoring it (docs/backup.md): snapshot (snapshot.ts) ->
 * frame (archive.ts) -> seal (crypto.ts) -> store (targets/); and back, checking the whole archive
 * before a single file is written.
 */
import { ByodaError } from '../errors/index.js';
import { packArchive, unpackArchive } from './archive.js';
import { archiveName, archivesOf } from './archive-name.js';
import { open, seal } from './crypto.js';
import type { BackupIdentity, Manifest } from './manifest.js';
import { snapshotFolder, writeFolder } from './snapshot.js';
import type { BackupTarget } from './targets/index.js';

export interface BackupOptions {
  readonly dataDir: string;
  /** Who the folder is (the pod's account, its memberships): written into the manifest. */
  readonly identity: BackupIdentity;
  readonly key: Buffer;
  readonly target: BackupTarget;
  /** Keep this many newest archives of the account on the target and delete older ones (default all). */
  readonly keep?: number | undefined;
  readonly now?: Date;
}

export interface BackupResult {
  readonly name: string;
  readonly bytes: number;
  readonly files: number;
  /** Older archives retention removed. */
  readonly deleted: readonly string[];
}

export async function backupFolder(options: BackupOptions): Promise<BackupResult> {
  const createdAt = options.now ?? new Date();
  const entries = await snapshotFolder(options.dataDir);
  const sealed = seal(packArchive(options.identity, createdAt, entries), options.key);
  const name = archiveName(options.identity.accountId, createdAt);
  await options.target.put(name, sealed);
  const deleted =
    options.keep === undefined ? [] : await prune(options.target, options.identity.accountId, options.keep);
  return { name, bytes: sealed.length, files: entries.length, deleted };
}

/** Deletes all but the `keep` newest archives of the account; returns the names deleted. */
export async function prune(target: BackupTarget, accountId: string, keep: number): Promise<string[]> {
  if (!Number.isInteger(keep) || keep < 1) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'keep must be a whole number of at least 1');
  }
  const archives = archivesOf(await target.list(), accountId);
  const old = archives.slice(0, Math.max(0, archives.length - keep));
  for (const name of old) await target.delete(name);
  return old;
}

export interface RestoreOptions {
  readonly target: BackupTarget;
  /** An archive name; default the newest on the target (of `accountId` when given). */
  readonly name?: string | undefined;
  readonly accountId?: string | undefined;
  readonly key: Buffer;
  /** The new folder (absent or empty). */
  readonly dataDir: string;
  /** A last look at the archive's manifest before anything is written; throw to refuse it. */
  readonly check?: (manifest: Manifest, files: ReadonlyMap<string, Buffer>) => void;
}

export async function restoreFolder(options: RestoreOptions): Promise<{ name: string; manifest: Manifest }> {
  const name = options.name ?? (await newest(options.target, options.accountId));
  const { manifest, entries } = unpackArchive(open(await options.target.get(name), options.key));
  options.check?.(manifest, new Map(entries.map((e) => [e.path, e.content])));
  await writeFolder(options.dataDir, entries);
  return { name, manifest };
}

async function newest(target: BackupTarget, accountId: string | undefined): Promise<string> {
  const names = await target.list();
  const archives = accountId === undefined ? names : archivesOf(names, accountId);
  const last = archives.at(-1);
  if (last === undefined) {
    throw new ByodaError('BYODA_ERR_NOT_FOUND', `no backup archive in ${target.description}`);
  }
  return last;
}
