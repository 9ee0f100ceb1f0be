/**
 * Verifying a signed record (spec §9). The verifier fetches the signer's member data cert chain (the
 * pod passes its data cert cache, which fetches it from the signer's pod and checks it to the network
 * root as that member's data cert of this service), then checks the JWS over the record's data as it
 * is stored now.
 *
 * A bad signature is an answer, not an error: readers see `verified: false` and why, per record, so a
 * record changed after signing, signed for another class, or signed with a key the network does not
 * vouch for stays readable and shows as such.
 */
import { base64url, flattenedVerify, importX509 } from 'jose';
import { isByodaError } from '../errors/index.js';
import { BoundedMap } from '../bounded/index.js';
import { commonNameOf, parseCertificatePem, parseIdentity, splitPemBundle } from '../pki/index.js';
import type { DataRecord } from '../storage/index.js';
import { readDataSignature, type ParsedDataSignature } from './data-signature.js';
import { signedBytes } from './sign-record.js';

/** The outcome of checking one record's signature. */
export interface SignatureCheck {
  readonly verified: boolean;
  /** Who the signature says signed (also when it did not verify, if the form was readable). */
  readonly signerMemberId?: string;
  /** When it says it was signed (ISO 8601 UTC). */
  readonly signedAt?: string;
  /** Why it did not verify. */
  readonly reason?: string;
}

/** The record the signature is checked against: what the reader is about to be shown. */
export interface SignedRecord {
  readonly serviceId: number;
  readonly className: string;
  readonly data: DataRecord;
}

export interface VerifyRecordDeps {
  /**
   * The signer's member data cert chain (PEM, leaf first), verified to the network root as that
   * member's data cert of this service; the one of thumbprint `x5t` when the signature names one and
   * the signer still has it, else the current one. Throws when it cannot be had or is not trusted.
   */
  readonly fetchChain: (memberId: string, x5t?: string) => Promise<string>;
}

export const REASON_CHANGED = "the data changed since it was signed or the key is not the signer's";

/** Never throws for a bad signature; only a failing `fetchChain` callback's bugs would surface. */
export async function verifyRecordSignature(
  jws: string,
  record: SignedRecord,
  deps: VerifyRecordDeps,
): Promise<SignatureCheck> {
  let parsed: ParsedDataSignature;
  try {
    parsed = readDataSignature(jws);
  } catch (err) {
    return { verified: false, reason: isByodaError(err) ? err.message : 'the data signature is not valid' };
  }
  const { header } = parsed;
  const about = {
    signerMemberId: header.byoda_member_id,
    signedAt: new Date(header.iat * 1000).toISOString(),
  };
  const refused = (reason: string): SignatureCheck => ({ verified: false, ...about, reason });
  if (header.byoda_service_id !== record.serviceId) {
    return refused(`signed for another service (${header.byoda_service_id})`);
  }
  if (header.byoda_class !== record.className) {
    return refused(`signed for another class (${header.byoda_class})`);
  }
  let key: SignerKey;
  try {
    const chainPem = await deps.fetchChain(header.byoda_member_id, header['x5t#S256']);
    key = await signerKey(chainPem, header.byoda_member_id, record);
  } catch (err) {
    const why = isByodaError(err) || err instanceof Error ? err.message : String(err);
    return refused(`the signer's data certificate could not be verified: ${why}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = signedBytes(record.data);
  } catch {
    return refused('the record is not plain JSON');
  }
  try {
    await flattenedVerify(
      { protected: parsed.protectedPart, payload: base64url.encode(bytes), signature: parsed.signaturePart },
      key,
      { algorithms: ['ES256'] },
    );
  } catch {
    return refused(REASON_CHANGED);
  }
  return { verified: true, ...about };
}

/**
 * Public keys of signers' leaves, imported once: a page of records by one signer would otherwise parse
 * the same certificate for every record (it costs more than the ECDSA check). Keyed by the whole
 * chain and the identity it must have, so a renewed or different chain is imported afresh; bounded,
 * the oldest entries go first. Failures are not kept.
 */
/** What jose's `importX509` gives (a WebCrypto key). */
type SignerKey = Awaited<ReturnType<typeof importX509>>;

const MAX_SIGNER_KEYS = 1000;
const signerKeys = new BoundedMap<string, SignerKey>(MAX_SIGNER_KEYS);

async function signerKey(chainPem: string, memberId: string, record: SignedRecord): Promise<SignerKey> {
  const cacheKey = `${record.serviceId}|${memberId}|${chainPem}`;
  const known = signerKeys.get(cacheKey);
  if (known) return known;
  const key = await importX509(signerLeaf(chainPem, memberId, record), 'ES256');
  signerKeys.set(cacheKey, key);
  return key;
}

/**
 * The leaf of a chain `fetchChain` vouched for. Its name is checked once more (member data cert of
 * that member and service): cheap, and it keeps a wrongly wired `fetchChain` from passing any key.
 */
function signerLeaf(chainPem: string, memberId: string, record: SignedRecord): string {
  const leaf = splitPemBundle(chainPem)[0];
  if (leaf === undefined) throw new Error('the chain holds no certificate');
  // The subject's one CN, as chain verification reads it: not a match in Node's printed subject, where
  // another field's value can hold ",CN=" (commas in values are only escaped with a backslash).
  const identity = parseIdentity(commonNameOf(parseCertificatePem(leaf, 'signer certificate')));
  const fits =
    identity?.type === 'member-data' &&
    identity.memberId === memberId &&
    identity.serviceId === record.serviceId;
  if (!fits) throw new Error(`the certificate is not the member data certificate of member ${memberId}`);
  return leaf;
}
