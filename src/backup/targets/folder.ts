/** A folder as a backup target: one file per archive, written under a temporary name then renamed. */
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ByodaError } from '../../errors/index.js';
import { isArchiveName } from '../archive-name.js';
import type { BackupTarget } from './target.js';

export class FolderTarget implements BackupTarget {
  readonly description: string;
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = resolve(dir);
    this.description = this.#dir;
  }

  async put(name: string, archive: Buffer): Promise<void> {
    const path = this.#path(name);
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      await writeFile(tmp, archive, { mode: 0o600 });
      await rename(tmp, path);
    } catch (cause) {
      await rm(tmp, { force: true });
      throw new ByodaError('BYODA_ERR_BACKUP_TARGET', `cannot write ${name} to ${this.description}`, {
        cause,
      });
    }
  }

  async get(name: string): Promise<Buffer> {
    return readFile(this.#path(name)).catch((cause: unknown) => {
      throw new ByodaError('BYODA_ERR_NOT_FOUND', `no archive ${name} in ${this.description}`, { cause });
    });
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.#dir).catch((cause: unknown) => {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new ByodaError('BYODA_ERR_BACKUP_TARGET', `cannot list ${this.description}`, { cause });
    });
    return names.filter(isArchiveName).sort();
  }

  async delete(name: string): Promise<void> {
    await rm(this.#path(name), { force: true });
  }

  async close(): Promise<void> {}

  #path(name: string): string {
    if (!isArchiveName(name)) throw new ByodaError('BYODA_ERR_BAD_REQUEST', `not an archive name: ${name}`);
    return join(this.#dir, name);
  }
}
