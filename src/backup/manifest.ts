/**
 * The manifest inside every archive: what pod it is, what it holds and when it was made, so that a
 * restore can check the archive before writing anything (docs/backup.md).
 */
import { ByodaError } from '../errors/index.js';

export const MANIFEST_FORMAT = 'byoda-pod-backup';
export const MANIFEST_VERSION = 1;

export interface BackupIdentity {
  readonly accountId: string;
  readonly network: string;
  readonly memberships: readonly { readonly serviceId: number; readonly memberId: string }[];
}

export interface ManifestFile {
  /** Relative to the pod folder, `/`-separated. */
  readonly path: string;
  readonly size: number;
  /** Hex SHA-256 of the content, checked again on restore. */
  readonly sha256: string;
}

export interface Manifest extends BackupIdentity {
  readonly createdAt: string;
  readonly files: readonly ManifestFile[];
}

export function manifestJson(manifest: Manifest): Record<string, unknown> {
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    account_id: manifest.accountId,
    network: manifest.network,
    created_at: manifest.createdAt,
    memberships: manifest.memberships.map((m) => ({ service_id: m.serviceId, member_id: m.memberId })),
    files: manifest.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
  };
}

/** Paths of one or more safe segments: no `..`, no absolute paths, no odd characters. */
const SAFE_PATH = /^(?:[A-Za-z0-9_][A-Za-z0-9._-]*)(?:\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

export function isSafeArchivePath(path: string): boolean {
  return SAFE_PATH.test(path) && !path.split('/').includes('..');
}

/** Checks a decrypted manifest field by field; a fault is BYODA_ERR_BACKUP_ARCHIVE naming the field. */
export function parseManifest(raw: unknown): Manifest {
  const o = record(raw, 'manifest');
  if (o.format !== MANIFEST_FORMAT) bad('manifest.format');
  if (o.version !== MANIFEST_VERSION) bad('manifest.version', `is not ${MANIFEST_VERSION}`);
  const accountId = text(o.account_id, 'manifest.account_id');
  const network = text(o.network, 'manifest.network');
  const createdAt = text(o.created_at, 'manifest.created_at');
  if (!Array.isArray(o.memberships)) bad('manifest.memberships', 'is not a list');
  const memberships = o.memberships.map((item: unknown, i) => {
    const m = record(item, `manifest.memberships[${i}]`);
    if (typeof m.service_id !== 'number' || !Number.isInteger(m.service_id)) {
      bad(`manifest.memberships[${i}].service_id`);
    }
    return { serviceId: m.service_id, memberId: text(m.member_id, `manifest.memberships[${i}].member_id`) };
  });
  if (!Array.isArray(o.files)) bad('manifest.files', 'is not a list');
  const seen = new Set<string>();
  const files = o.files.map((item: unknown, i) => {
    const f = record(item, `manifest.files[${i}]`);
    const path = text(f.path, `manifest.files[${i}].path`);
    if (!isSafeArchivePath(path) || seen.has(path)) bad(`manifest.files[${i}].path`, 'is unsafe or repeated');
    seen.add(path);
    if (typeof f.size !== 'number' || !Number.isSafeInteger(f.size) || f.size < 0) {
      bad(`manifest.files[${i}].size`);
    }
    const sha256 = text(f.sha256, `manifest.files[${i}].sha256`);
    if (!/^[0-9a-f]{64}$/.test(sha256)) bad(`manifest.files[${i}].sha256`);
    return { path, size: f.size, sha256 };
  });
  return { accountId, network, createdAt, memberships, files };
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(field, 'is not an object');
  return value as Record<string, unknown>;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') bad(field);
  return value;
}

function bad(field: string, why = 'is missing or invalid'): never {
  throw new ByodaError('BYODA_ERR_BACKUP_ARCHIVE', `the backup archive's ${field} ${why}`, { path: field });
}
