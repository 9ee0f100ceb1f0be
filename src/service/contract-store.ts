/**
 * The published versions of the service's contract, one file each: `<data>/contracts/<version>.json`,
 * signed by the service and the network. A version, once written, never changes (pods that fetched it
 * rely on it), so files are cached in memory by version; the list of versions is read from the folder
 * on each call, so that a version published by `byoda service publish` while the server runs is served
 * at once.
 */
import { link, mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ByodaError } from '../errors/index.js';
import { parseContract } from '../contract/index.js';
import type { Contract, ContractDocument } from '../contract/index.js';

const VERSION_FILE = /^(0|[1-9][0-9]{0,15})\.json$/;

/** A stored version: its parsed model and the exact JSON text that is served. */
export interface StoredContract {
  readonly contract: Contract;
  readonly json: string;
}

export class ContractStore {
  readonly dir: string;
  readonly #cache = new Map<number, StoredContract>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Every stored version, ascending. */
  async versions(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    return names
      .map((name) => VERSION_FILE.exec(name)?.[1])
      .filter((text): text is string => text !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  async latestVersion(): Promise<number | undefined> {
    return (await this.versions()).at(-1);
  }

  /** The latest version, or undefined when none has been published. */
  async latest(): Promise<StoredContract | undefined> {
    const version = await this.latestVersion();
    return version === undefined ? undefined : this.get(version);
  }

  /** A stored version, or undefined if there is no such version. */
  async get(version: number): Promise<StoredContract | undefined> {
    const cached = this.#cache.get(version);
    if (cached) return cached;
    let json: string;
    try {
      json = await readFile(this.#path(version), 'utf8');
    } catch {
      return undefined;
    }
    const stored = { contract: parseStored(json, version), json };
    this.#cache.set(version, stored);
    return stored;
  }

  /** Store a signed document as its version; an existing version is never overwritten. */
  async put(doc: ContractDocument): Promise<StoredContract> {
    const contract = parseContract(doc);
    const json = `${JSON.stringify(doc, null, 2)}\n`;
    await mkdir(this.dir, { recursive: true });
    await writeNewFile(this.#path(contract.version), json, contract.version);
    const stored = { contract, json };
    this.#cache.set(contract.version, stored);
    return stored;
  }

  #path(version: number): string {
    return join(this.dir, `${version}.json`);
  }
}

/**
 * Write `path` only if it does not exist, atomically: the text goes to a temporary file that is then
 * hard-linked into place (which fails if the version exists, even when two publishers race), so a
 * reader never sees half a file and a version is never replaced.
 */
async function writeNewFile(path: string, text: string, version: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  try {
    await link(tmp, path);
  } catch (cause) {
    const exists = (cause as NodeJS.ErrnoException).code === 'EEXIST';
    throw new ByodaError(
      exists ? 'BYODA_ERR_CONFLICT' : 'BYODA_ERR_STORAGE',
      exists ? `contract version ${version} is already stored` : `cannot store contract version ${version}`,
      { cause },
    );
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

function parseStored(json: string, version: number): Contract {
  try {
    const contract = parseContract(JSON.parse(json) as unknown);
    if (contract.version !== version) throw new Error(`it holds version ${contract.version}`);
    return contract;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ByodaError('BYODA_ERR_STORAGE', `stored contract version ${version} is damaged: ${reason}`, {
      cause,
    });
  }
}
