/**
 * The network's revocation list (docs/protocol.md, "Revocation"; docs/operations.md): which accounts
 * and memberships the network no longer accepts, signed by the directory with the network data key.
 *
 * Identities are revoked, not serial numbers: a revoked membership's every certificate (TLS and data,
 * the current one, older ones still within their validity, and any renewal) is refused, so renewing
 * cannot undo a revocation and nobody has to track serials across renewals. Revoking an account
 * refuses its account certs; its memberships are revoked each on its own (member certs do not name
 * their account, so the network cannot tell which they are).
 *
 * Wire form: a compact JWS (ES256, `typ: byoda-revocations+jws`) whose payload is the list as JSON;
 * it is verified with the network data cert, whose chain must lead to the root.
 */
import { CompactSign, compactVerify, importX509 } from 'jose';
import { ByodaError } from '../errors/index.js';
import { verifyChainBundle } from './chain.js';
import { isServiceId, isUuidV4 } from './names.js';
import { splitPemBundle } from './pem.js';
import type { Credential } from './credential.js';
import type { PkiIdentity } from './names.js';

export const REVOCATION_LIST_TYPE = 'byoda-revocations+jws';

/** One revoked identity. `by`: who asked (the holder itself, its service, the network's operator). */
export type Revocation =
  | {
      readonly kind: 'account';
      readonly account_id: string;
      readonly revoked_at: string;
      readonly by: RevokedBy;
    }
  | {
      readonly kind: 'member';
      readonly member_id: string;
      readonly service_id: number;
      readonly revoked_at: string;
      readonly by: RevokedBy;
    };

export type RevokedBy = 'owner' | 'service' | 'operator';

export interface RevocationList {
  readonly network: string;
  /** When the directory signed this list (ISO 8601). */
  readonly issued_at: string;
  readonly revocations: readonly Revocation[];
}

/** Signs the list with the network data credential (the directory's). */
export async function signRevocationList(list: RevocationList, networkData: Credential): Promise<string> {
  if (networkData.identity.type !== 'network-data') {
    throw new ByodaError('BYODA_ERR_PKI', 'a revocation list is signed with the network data cert');
  }
  return new CompactSign(new TextEncoder().encode(JSON.stringify(list)))
    .setProtectedHeader({ alg: 'ES256', typ: REVOCATION_LIST_TYPE })
    .sign(networkData.keys.privateKey);
}

/**
 * The list of `jws`, once its signature verified with the leaf of `chainPem`, a network data cert of
 * `network` chaining to `rootCaPem`. Throws BYODA_ERR_CERT_CHAIN (the chain) or BYODA_ERR_PKI (the
 * signature or the payload).
 */
export async function verifyRevocationList(
  jws: string,
  chainPem: string,
  rootCaPem: string,
): Promise<RevocationList> {
  const identity = await verifyChainBundle(chainPem, rootCaPem);
  if (identity.type !== 'network-data') {
    throw new ByodaError(
      'BYODA_ERR_CERT_CHAIN',
      'the revocation list is not signed by the network data cert',
    );
  }
  const [leaf] = splitPemBundle(chainPem);
  let payload: Uint8Array;
  try {
    const key = await importX509(leaf ?? '', 'ES256');
    const verified = await compactVerify(jws, key, { algorithms: ['ES256'] });
    if (verified.protectedHeader.typ !== REVOCATION_LIST_TYPE) throw new Error('wrong typ');
    payload = verified.payload;
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_PKI', 'the revocation list signature does not verify', { cause });
  }
  const list = parseList(new TextDecoder().decode(payload));
  if (list.network !== identity.network) {
    throw new ByodaError('BYODA_ERR_PKI', `the revocation list is of network '${list.network}'`);
  }
  return list;
}

/** Looks up identities in a list: what every server asks per request. */
export class RevocationSet {
  readonly #accounts = new Set<string>();
  readonly #members = new Set<string>();
  readonly issuedAt: string | undefined;

  constructor(list?: RevocationList) {
    this.issuedAt = list?.issued_at;
    for (const entry of list?.revocations ?? []) {
      if (entry.kind === 'account') this.#accounts.add(entry.account_id);
      else this.#members.add(memberKey(entry.member_id, entry.service_id));
    }
  }

  get size(): number {
    return this.#accounts.size + this.#members.size;
  }

  /** Whether the certificate of `identity` is revoked (account certs by account, member certs by member). */
  has(identity: PkiIdentity): boolean {
    if (identity.accountId !== undefined && this.#accounts.has(identity.accountId)) return true;
    if (identity.memberId !== undefined && identity.serviceId !== undefined) {
      return this.#members.has(memberKey(identity.memberId, identity.serviceId));
    }
    return false;
  }

  hasMember(memberId: string, serviceId: number): boolean {
    return this.#members.has(memberKey(memberId.toLowerCase(), serviceId));
  }
}

function memberKey(memberId: string, serviceId: number): string {
  return `${serviceId}/${memberId}`;
}

function parseList(text: string): RevocationList {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_PKI', 'the revocation list is not JSON', { cause });
  }
  const bad = (why: string): ByodaError =>
    new ByodaError('BYODA_ERR_PKI', `malformed revocation list: ${why}`);
  if (typeof value !== 'object' || value === null) throw bad('not an object');
  const { network, issued_at: issuedAt, revocations } = value as Record<string, unknown>;
  if (typeof network !== 'string' || typeof issuedAt !== 'string' || !Array.isArray(revocations)) {
    throw bad('network, issued_at and revocations are required');
  }
  return { network, issued_at: issuedAt, revocations: revocations.map((entry) => parseEntry(entry, bad)) };
}

function parseEntry(entry: unknown, bad: (why: string) => ByodaError): Revocation {
  if (typeof entry !== 'object' || entry === null) throw bad('an entry is not an object');
  const e = entry as Record<string, unknown>;
  const revokedAt = typeof e['revoked_at'] === 'string' ? e['revoked_at'] : '';
  const by = e['by'];
  if (by !== 'owner' && by !== 'service' && by !== 'operator') throw bad('an entry has no valid "by"');
  if (e['kind'] === 'account' && typeof e['account_id'] === 'string' && isUuidV4(e['account_id'])) {
    return { kind: 'account', account_id: e['account_id'].toLowerCase(), revoked_at: revokedAt, by };
  }
  const memberId = e['member_id'];
  const serviceId = e['service_id'];
  const isMember =
    e['kind'] === 'member' &&
    typeof memberId === 'string' &&
    isUuidV4(memberId) &&
    typeof serviceId === 'number' &&
    isServiceId(serviceId);
  if (isMember) {
    return {
      kind: 'member',
      member_id: memberId.toLowerCase(),
      service_id: serviceId,
      revoked_at: revokedAt,
      by,
    };
  }
  throw bad('an entry is neither an account nor a member');
}
