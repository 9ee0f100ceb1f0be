/**
 * The owner's data export and import (docs/backup.md, "Export and import"): every membership's own
 * records as one JSON document, and that document written into another pod's memberships.
 *
 * Exported: each class's records that this pod holds as its own (copies of other pods' data, with an
 * `origin`, are theirs and are left out). Import writes into memberships the pod has already joined,
 * all or nothing per document: every record is first written into a scratch store of the same contract,
 * which checks it as a real write would, and only a document that passes whole is written for real,
 * into array classes that must still be empty (an import is for a new pod, not a merge); object
 * classes are replaced.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Contract, DataClass } from '../../contract/index.js';
import { ByodaError, isByodaError } from '../../errors/index.js';
import { MAX_PAGE_SIZE, openSqliteStore } from '../../storage/index.js';
import type { DataStore, JsonObject } from '../../storage/index.js';
import type { Membership } from './membership.js';

export const EXPORT_FORMAT = 'byoda-pod-export';
export const EXPORT_VERSION = 1;

type ClassData = JsonObject | null | JsonObject[];

/**
 * Classes an import leaves alone: `member` is the pod's own record of the membership, written at join
 * (join.ts) with this pod's member id; the exported one names the old pod's.
 */
const WRITTEN_BY_THE_POD = new Set(['member']);

export async function exportMembership(membership: Membership): Promise<Record<string, unknown>> {
  const data: Record<string, ClassData> = {};
  for (const cls of membership.store.contract.classes) {
    if (cls.obsolete) continue;
    data[cls.name] = await exportClass(membership.store, cls);
  }
  return {
    service_id: membership.serviceId,
    member_id: membership.memberId,
    contract_version: membership.store.contract.version,
    data,
  };
}

async function exportClass(store: DataStore, cls: DataClass): Promise<ClassData> {
  if (cls.kind === 'object') {
    const record = await store.getObject(cls.name);
    return record === null || record.meta.origin !== undefined ? null : record.data;
  }
  const records: JsonObject[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await store.query(cls.name, { first: MAX_PAGE_SIZE, after });
    for (const record of page.records) if (record.meta.origin === undefined) records.push(record.data);
    if (!page.hasNextPage) return records;
    after = page.endCursor;
  }
}

/** One membership's part of an import document, checked in shape (not yet in values). */
interface ImportPart {
  readonly membership: Membership;
  readonly path: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export function parseImport(
  body: unknown,
  find: (serviceId: number) => Membership | undefined,
): ImportPart[] {
  const doc = object(body, 'body');
  if (doc.format !== EXPORT_FORMAT) bad('body/format', `must be "${EXPORT_FORMAT}"`);
  if (doc.version !== EXPORT_VERSION) bad('body/version', `must be ${EXPORT_VERSION}`);
  if (!Array.isArray(doc.memberships)) bad('body/memberships', 'must be a list');
  return doc.memberships.map((item: unknown, i) => {
    const path = `body/memberships/${i}`;
    const part = object(item, path);
    if (typeof part.service_id !== 'number') bad(`${path}/service_id`, 'must be a service id');
    const membership = find(part.service_id);
    if (membership === undefined) {
      throw new ByodaError(
        'BYODA_ERR_CONFLICT',
        `${path}/service_id: join service ${part.service_id} first`,
        {
          path: `${path}/service_id`,
        },
      );
    }
    const data = Object.fromEntries(
      Object.entries(object(part.data, `${path}/data`)).filter(([name]) => !WRITTEN_BY_THE_POD.has(name)),
    );
    for (const [name, value] of Object.entries(data)) {
      const cls = membership.store.contract.classes.find((c) => c.name === name && !c.obsolete);
      if (cls === undefined) bad(`${path}/data/${name}`, 'is not a class of the contract');
      if (cls.kind === 'array' && !Array.isArray(value)) bad(`${path}/data/${name}`, 'must be a list');
      if (cls.kind === 'object' && value !== null && (typeof value !== 'object' || Array.isArray(value))) {
        bad(`${path}/data/${name}`, 'must be an object or null');
      }
    }
    return { membership, path, data };
  });
}

/** Checks every record in a scratch store, then writes them all; returns records written per service. */
export async function importParts(parts: readonly ImportPart[]): Promise<Record<string, number>> {
  for (const part of parts) await refuseNonEmpty(part);
  for (const part of parts) await rehearse(part);
  const written: Record<string, number> = {};
  for (const part of parts) {
    written[String(part.membership.serviceId)] = await writePart(part.membership.store, part, part.path);
  }
  return written;
}

/** Array classes must be empty (appending twice would double them); object classes are replaced. */
async function refuseNonEmpty(part: ImportPart): Promise<void> {
  for (const [name, value] of Object.entries(part.data)) {
    if (Array.isArray(value) && (await part.membership.store.count(name)) > 0) {
      throw new ByodaError('BYODA_ERR_CONFLICT', `${part.path}/data/${name}: the class holds data already`, {
        path: `${part.path}/data/${name}`,
      });
    }
  }
}

async function rehearse(part: ImportPart): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'byoda-import-'));
  const scratch = await openSqliteStore(join(dir, 'scratch.db'), part.membership.store.contract as Contract);
  try {
    await writePart(scratch, part, part.path);
  } finally {
    await scratch.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function writePart(store: DataStore, part: ImportPart, path: string): Promise<number> {
  let count = 0;
  for (const [name, value] of Object.entries(part.data)) {
    const records = Array.isArray(value) ? (value as unknown[]) : value === null ? [] : [value];
    for (const [j, record] of records.entries()) {
      const where = Array.isArray(value) ? `${path}/data/${name}/${j}` : `${path}/data/${name}`;
      if (typeof record !== 'object' || record === null || Array.isArray(record))
        bad(where, 'must be an object');
      try {
        if (Array.isArray(value)) await store.append(name, record as Record<string, unknown>);
        else await store.putObject(name, record as Record<string, unknown>);
      } catch (err) {
        if (!isByodaError(err)) throw err;
        throw new ByodaError(err.code, `${where}: ${err.message}`, { path: where, cause: err });
      }
      count += 1;
    }
  }
  return count;
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(path, 'must be an object');
  return value as Record<string, unknown>;
}

function bad(path: string, why: string): never {
  throw new ByodaError('BYODA_ERR_BAD_REQUEST', `${path} ${why}`, { path });
}
