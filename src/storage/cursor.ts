/**
 * Opaque paging cursors (spec §7 `after`, `end_cursor`): base64url of a record's internal `_id`. Paging
 * is keyset paging on `_id`, so a cursor stays valid when records before or after it are deleted.
 */
import { ByodaError } from '../errors/index.js';

const ID_TEXT = /^[1-9][0-9]{0,15}$/;

export function encodeCursor(id: number): string {
  return Buffer.from(String(id), 'utf8').toString('base64url');
}

/** The `_id` a cursor stands for; BYODA_ERR_CURSOR for anything this store did not hand out. */
export function decodeCursor(cursor: unknown): number {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 24) throw badCursor();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Node's decoder skips junk characters: insist on the exact encoding of a positive safe integer.
  if (!ID_TEXT.test(text) || encodeCursor(Number(text)) !== cursor) throw badCursor();
  const id = Number(text);
  if (!Number.isSafeInteger(id)) throw badCursor();
  return id;
}

function badCursor(): ByodaError {
  return new ByodaError('BYODA_ERR_CURSOR', 'invalid cursor');
}
