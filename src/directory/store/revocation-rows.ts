/**
 * How a revocation (src/pki revocation.ts) is kept as a row by both directory stores: one table keyed by
 * (kind, id, service_id), where an account's service_id is -1 so that the key stays a plain primary key
 * on SQLite and PostgreSQL alike.
 */
import type { Revocation, RevokedBy } from '../../pki/index.js';

/** The service_id of an account's row. */
export const ACCOUNT_SERVICE_ID = -1;

export interface RevocationRecord {
  kind: 'account' | 'member';
  id: string;
  service_id: number;
  revoked_at: string;
  revoked_by: RevokedBy;
}

export function revocationKey(entry: Revocation): {
  kind: Revocation['kind'];
  id: string;
  serviceId: number;
} {
  return entry.kind === 'account'
    ? { kind: 'account', id: entry.account_id, serviceId: ACCOUNT_SERVICE_ID }
    : { kind: 'member', id: entry.member_id, serviceId: entry.service_id };
}

export function toRevocation(row: RevocationRecord): Revocation {
  return row.kind === 'account'
    ? { kind: 'account', account_id: row.id, revoked_at: row.revoked_at, by: row.revoked_by }
    : {
        kind: 'member',
        member_id: row.id,
        service_id: row.service_id,
        revoked_at: row.revoked_at,
        by: row.revoked_by,
      };
}
