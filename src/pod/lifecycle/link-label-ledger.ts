/**
 * The owner's own labels for the members of their network (docs/protocol.md, "Link labels"), in
 * account.db (table `link_labels`, migration 007 of account-store.ts): a name the owner gives a member
 * ("Mum", "Jan from work") per membership. They are the owner's notes, not contract data: no other pod,
 * service or scoped token can read them, so a label may say what the owner would not publish.
 */
import type Database from 'better-sqlite3';
import { ByodaError } from '../../errors/index.js';

export const LINK_LABELS_MIGRATION = {
  name: '007 create link labels',
  sql: `CREATE TABLE link_labels (
    service_id INTEGER NOT NULL,
    member_id TEXT NOT NULL,
    label TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (service_id, member_id)
  )`,
} as const;

/** Longest label, in characters after trimming: a name, not a note. */
export const MAX_LINK_LABEL_LENGTH = 64;
/** Labels per membership: more than anyone links to, few enough that a stolen token cannot fill the disk. */
export const MAX_LINK_LABELS = 1000;

export interface LinkLabel {
  readonly memberId: string;
  readonly label: string;
  readonly updatedAt: string;
}

/**
 * The label as stored: NFC, trimmed, 1 to MAX_LINK_LABEL_LENGTH characters, without control
 * characters (they would break the lines and the layout the label is shown in). `field` names the
 * input in the error.
 */
export function normaliseLinkLabel(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', `${field}: must be a string`, { path: field });
  }
  const label = value.normalize('NFC').trim();
  if (label.length === 0) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', `${field}: must not be empty (DELETE removes a label)`, {
      path: field,
    });
  }
  if ([...label].length > MAX_LINK_LABEL_LENGTH) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', `${field}: at most ${MAX_LINK_LABEL_LENGTH} characters`, {
      path: field,
    });
  }
  if (/[\p{Cc}\p{Cs}\u2028\u2029]/u.test(label)) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', `${field}: must not contain control characters`, {
      path: field,
    });
  }
  return label;
}

interface LabelRow {
  member_id: string;
  label: string;
  updated_at: string;
}

export class LinkLabels {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Every label of the membership, by member id. */
  list(serviceId: number): LinkLabel[] {
    const rows = this.#db
      .prepare('SELECT member_id, label, updated_at FROM link_labels WHERE service_id = ? ORDER BY member_id')
      .all(serviceId) as LabelRow[];
    return rows.map((row) => ({ memberId: row.member_id, label: row.label, updatedAt: row.updated_at }));
  }

  /** Sets or replaces a label; refuses a new one past MAX_LINK_LABELS (409 BYODA_ERR_CONFLICT). */
  put(serviceId: number, memberId: string, label: string, now = new Date()): LinkLabel {
    const updatedAt = now.toISOString();
    this.#db.transaction(() => {
      const exists = this.#db
        .prepare('SELECT 1 FROM link_labels WHERE service_id = ? AND member_id = ?')
        .get(serviceId, memberId);
      if (!exists) {
        const { n } = this.#db
          .prepare('SELECT count(*) AS n FROM link_labels WHERE service_id = ?')
          .get(serviceId) as { n: number };
        if (n >= MAX_LINK_LABELS) {
          throw new ByodaError(
            'BYODA_ERR_CONFLICT',
            `the membership has ${MAX_LINK_LABELS} labels already: remove one first`,
          );
        }
      }
      this.#db
        .prepare(
          `INSERT INTO link_labels (service_id, member_id, label, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (service_id, member_id) DO UPDATE SET label = excluded.label, updated_at = excluded.updated_at`,
        )
        .run(serviceId, memberId, label, updatedAt);
    })();
    return { memberId, label, updatedAt };
  }

  /** Whether there was a label to remove. */
  remove(serviceId: number, memberId: string): boolean {
    return (
      this.#db
        .prepare('DELETE FROM link_labels WHERE service_id = ? AND member_id = ?')
        .run(serviceId, memberId).changes > 0
    );
  }
}
