/**
 * Checks of what a write or read brings besides record values: the bookkeeping columns of a write
 * (origin, expiry, signature, with spec §8's persist rule for remote data), page sizes and state keys,
 * each refused with a ByodaError naming the argument. Pure: nothing here touches the file.
 */
import type { DataClass } from '../../contract/index.js';
import { ByodaError } from '../../errors/index.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_SIGNATURE_LENGTH, MAX_STATE_KEY_LENGTH } from '../limits.js';
import { assertMayPersist, cacheSecondsOf, remoteExpiry } from '../persist.js';
import { canonicalDateTime, canonicalUuid } from '../scalars.js';
import type { StoreChange, StoredRecord, WriteMeta } from '../types.js';
import type { CheckedValues } from '../values.js';

/** Compact JWS: three base64url parts (the payload may be empty when detached). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

/** Bookkeeping columns of one write, checked and canonical. */
export interface WriteColumns {
  readonly origin: string | null;
  readonly expiresAt: string | null;
  readonly signature: string | null;
  readonly appender: string | null;
}

/**
 * `_origin`, `_expires_at` and `_signature` of a write. Local data in a `cache_only` class expires by
 * default; remote data (an origin) is kept only as spec §8 allows (persist.ts): in a class with a
 * cache duration, for at most that long; elsewhere only if every field grants this pod `persist`.
 */
export function writeColumns(
  cls: DataClass,
  values: CheckedValues,
  now: Date,
  meta: WriteMeta = {},
): WriteColumns {
  const origin = checkMemberId('origin', meta.origin);
  const signature = checkSignature(meta.signature);
  const appender = checkMemberId('appender', meta.appender);
  let expiresAt: string | null = null;
  if (meta.expiresAt !== undefined) {
    expiresAt = canonicalDateTime(meta.expiresAt) ?? null;
    if (expiresAt === null) throw new ByodaError('BYODA_ERR_VALUE', 'expiresAt: expected a date-time');
  }
  if (origin !== null) {
    const relations = checkRelations(meta.originRelations);
    const cacheSeconds = cacheSecondsOf(cls);
    if (cacheSeconds !== undefined) {
      return { origin, signature, appender, expiresAt: remoteExpiry(cacheSeconds, now, expiresAt) };
    }
    assertMayPersist(cls, values, origin, relations);
  } else if (expiresAt === null && cls.properties.cacheOnlySeconds !== undefined) {
    expiresAt = new Date(now.getTime() + cls.properties.cacheOnlySeconds * 1000).toISOString();
  }
  return { origin, expiresAt, signature, appender };
}

/** The change a put or append made, with the expiry it set. */
export function writeChange(cls: DataClass, kind: 'put' | 'append', record: StoredRecord): StoreChange {
  const { expiresAt } = record.meta;
  return {
    className: cls.name,
    kind,
    count: 1,
    ...(expiresAt === undefined ? {} : { expiresAt: new Date(expiresAt) }),
  };
}

/** One `append` change for the records of a batch, with the earliest expiry any of them set. */
export function batchChange(cls: DataClass, records: readonly StoredRecord[]): StoreChange {
  const expiries = records.flatMap((record) =>
    record.meta.expiresAt === undefined ? [] : [Date.parse(record.meta.expiresAt)],
  );
  return {
    className: cls.name,
    kind: 'append',
    count: records.length,
    ...(expiries.length === 0 ? {} : { expiresAt: new Date(Math.min(...expiries)) }),
  };
}

/** A member id of the bookkeeping (`origin`, `appender`), canonical; null when not given. */
function checkMemberId(name: string, memberId: unknown): string | null {
  if (memberId === undefined) return null;
  const canonical = canonicalUuid(memberId);
  if (canonical === undefined) throw new ByodaError('BYODA_ERR_VALUE', `${name}: expected a UUID`);
  return canonical;
}

export function checkSignature(signature: unknown): string | null {
  if (signature === undefined) return null;
  if (typeof signature !== 'string' || signature.length > MAX_SIGNATURE_LENGTH) {
    throw new ByodaError(
      'BYODA_ERR_VALUE',
      `signature: expected a compact JWS of at most ${MAX_SIGNATURE_LENGTH} characters`,
    );
  }
  if (!COMPACT_JWS.test(signature)) {
    throw new ByodaError(
      'BYODA_ERR_VALUE',
      'signature: expected a compact JWS (three base64url parts separated by dots)',
    );
  }
  return signature;
}

export function checkRelations(relations: unknown): readonly string[] {
  if (relations === undefined) return [];
  if (!Array.isArray(relations) || !relations.every((r): r is string => typeof r === 'string')) {
    throw new ByodaError('BYODA_ERR_VALUE', 'originRelations: expected a list of relation names');
  }
  return relations;
}

export function checkPageSize(first: number | undefined | null): number {
  if (first === undefined || first === null) return DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', `first must be an integer from 0 to ${MAX_PAGE_SIZE}`);
  }
  return first;
}

/**
 * The meta-table key of a caller's state value: prefixed, so that no caller's key can overwrite what
 * the store keeps there itself (`service_id`, `contract_version`, `storage_format`, ...).
 */
export function stateKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_STATE_KEY_LENGTH) {
    throw new ByodaError('BYODA_ERR_VALUE', `state key must be 1 to ${MAX_STATE_KEY_LENGTH} characters`);
  }
  return `state:${key}`;
}
