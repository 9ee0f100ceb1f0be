/**
 * Each object class's record as the store last read it, kept until the store's next write. An object
 * class is one row that every owner read asks for (`person`), and its SQLite read was the largest
 * single cost of such a read (issue 12: about a sixth of the pod's CPU at load, several times what
 * the same read costs in a tight loop, as the rest of the request has pushed SQLite out of the CPU's
 * caches by then).
 *
 * Exact, not approximate: the store forgets every kept record at every write it makes, committed or
 * rolled back, and at a contract upgrade; no other connection writes the file (one process per data
 * folder, src/lock). Only records that exist are kept, with their expiry, which is compared with the
 * store's clock at every read as the SQL's own condition does (canonical ISO 8601 text), so a clock
 * that moves back sees what SQLite would. Kept records are frozen: a caller that changed one would
 * change the next caller's answer.
 */
import type { StoredRecord } from '../types.js';

interface Kept {
  readonly record: StoredRecord;
  /** `_expires_at` as stored: ISO 8601, or null for a record that does not expire. */
  readonly expiresAt: string | null;
}

export class KeptObjects {
  readonly #records = new Map<string, Kept>();

  /** The kept record of `className` if it is still live at `now` (ISO 8601), else undefined. */
  live(className: string, now: string): StoredRecord | undefined {
    const kept = this.#records.get(className);
    if (kept === undefined) return undefined;
    return kept.expiresAt === null || kept.expiresAt > now ? kept.record : undefined;
  }

  /** Keeps `record` (frozen, and returned so) as the class's record until `forget`. */
  keep(className: string, record: StoredRecord, expiresAt: string | null): StoredRecord {
    const frozen = deepFreeze(record);
    this.#records.set(className, { record: frozen, expiresAt });
    return frozen;
  }

  forget(): void {
    this.#records.clear();
  }
}

/** `value` and everything in it made read-only (records are plain JSON data). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
