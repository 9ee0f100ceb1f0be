/**
 * Claims (spec §9, §12; docs/protocol.md, "Apps and claims"): a third party's signed statement about a
 * record, e.g. a content review ("approved") or an identity confirmation. A claim is a record of the
 * contract's `claim` type, kept with the record it is about (the record's `claims` field, or a claims
 * class); its `signature` is a compact JWS (ES256, detached payload) made with the issuer's app data key
 * (`<app_id>.apps-data-<S>.<net>`) over the RFC 8785 canonical JSON of
 *
 *     { "claim": <the claim without "signature">, "object": { <f>: <record[f]> for f in object_fields } }
 *
 * so it covers what was reviewed (class, key field and id, the named fields' values), the verdict and
 * audience (`claims`), who asked (`requester_id`) and when (`signature_timestamp`). Change any of them,
 * or the record's reviewed fields, and it no longer verifies.
 */
import canonicalize from 'canonicalize';
import { CompactSign, base64url, flattenedVerify, importX509 } from 'jose';
import { ByodaError, isByodaError } from '../errors/index.js';
import type { Credential } from '../pki/index.js';

/** The `typ` of a claim signature's protected header. */
export const CLAIM_SIGNATURE_TYPE = 'byoda-claim+jws';
/** `signature_format_version` of the format above. */
export const CLAIM_SIGNATURE_FORMAT_VERSION = 1;

/** A claim as the contract's `claim` type holds it (snake_case, as stored). */
export interface Claim {
  readonly claim_id: string;
  readonly claims: readonly string[];
  readonly issuer_id: string;
  readonly issuer_type: 'app';
  readonly object_type: string;
  readonly keyfield: string;
  readonly keyfield_id: string;
  readonly object_fields: readonly string[];
  readonly requester_id: string;
  readonly requester_type: 'member';
  readonly signature: string;
  readonly signature_timestamp: string;
  readonly signature_format_version: number;
  readonly signature_url: string;
  readonly renewal_url: string;
  readonly confirmation_url: string;
  readonly cert_fingerprint: string;
  readonly cert_expiration: string;
}

export type UnsignedClaim = Omit<Claim, 'signature'>;

interface ClaimHeader {
  readonly alg: 'ES256';
  readonly typ: typeof CLAIM_SIGNATURE_TYPE;
  readonly byoda_app_id: string;
  readonly byoda_service_id: number;
  readonly iat: number;
}

/** The bytes a claim signature covers (see the file comment). */
export function claimSignedBytes(
  claim: UnsignedClaim | Claim,
  record: Readonly<Record<string, unknown>>,
): Uint8Array {
  const { signature: _signature, ...unsigned } = claim as Claim;
  const object = Object.fromEntries(claim.object_fields.map((field) => [field, record[field] ?? null]));
  let text: string;
  try {
    // canonicalize gives undefined only for undefined, a function or a toJSON giving one: never for
    // an object literal (a record, in sign-record.ts, can be such a value; this one cannot).
    text = canonicalize({ claim: unsigned, object }) as string;
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_VALUE', 'the claim cannot be signed: it is not plain JSON', { cause });
  }
  return new TextEncoder().encode(text);
}

/** Signs `claim` about `record` with an app data credential of the claim's issuer; the signed claim. */
export async function signClaim(
  claim: UnsignedClaim,
  record: Readonly<Record<string, unknown>>,
  credential: Credential,
): Promise<Claim> {
  const { identity } = credential;
  if (
    identity.type !== 'app-data' ||
    identity.appId !== claim.issuer_id ||
    identity.serviceId === undefined
  ) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `claims are signed with the issuer's app data credential, not '${credential.commonName}'`,
    );
  }
  const header: ClaimHeader = {
    alg: 'ES256',
    typ: CLAIM_SIGNATURE_TYPE,
    byoda_app_id: claim.issuer_id,
    byoda_service_id: identity.serviceId,
    iat: Math.floor(Date.parse(claim.signature_timestamp) / 1000),
  };
  const jws = await new CompactSign(claimSignedBytes(claim, record))
    .setProtectedHeader({ ...header })
    .sign(credential.keys.privateKey);
  const [protectedPart, , signaturePart] = jws.split('.');
  return { ...claim, signature: `${protectedPart ?? ''}..${signaturePart ?? ''}` };
}

/** The outcome of checking one claim. */
export interface ClaimCheck {
  readonly verified: boolean;
  /** The app the claim names as its issuer (also when it did not verify, if readable). */
  readonly issuerId?: string;
  /** The claim's statements (verdict, audience, ...), as the claim gives them. */
  readonly claims: readonly string[];
  readonly claimId?: string;
  readonly signedAt?: string;
  readonly reason?: string;
}

export interface VerifyClaimDeps {
  readonly serviceId: number;
  /**
   * The issuer's app data cert (PEM leaf, first of its chain), the chain verified to the network root
   * as that app's data cert of this service; throws when it cannot be had or is not trusted.
   */
  readonly fetchAppDataCert: (
    appId: string,
  ) => Promise<{ readonly leafPem: string; readonly fingerprint: string }>;
}

/**
 * Checks `value` (a claim as stored) about `record` of `className`. Never throws for a bad claim: the
 * reader sees `verified: false` and why.
 */
export async function verifyClaim(
  value: unknown,
  className: string,
  record: Readonly<Record<string, unknown>>,
  deps: VerifyClaimDeps,
): Promise<ClaimCheck> {
  const claim = readClaim(value);
  if (typeof claim === 'string') return { verified: false, claims: [], reason: claim };
  const about = {
    issuerId: claim.issuer_id,
    claims: claim.claims,
    claimId: claim.claim_id,
    signedAt: claim.signature_timestamp,
  };
  const refused = (reason: string): ClaimCheck => ({ verified: false, ...about, reason });
  if (claim.object_type !== className) return refused(`the claim is about class ${claim.object_type}`);
  if (record[claim.keyfield] !== claim.keyfield_id) {
    return refused(`the claim is about ${claim.keyfield} ${claim.keyfield_id}, not this record`);
  }
  const header = readHeader(claim.signature);
  if (typeof header === 'string') return refused(header);
  if (header.byoda_app_id !== claim.issuer_id) return refused('the signature names another issuer');
  if (header.byoda_service_id !== deps.serviceId) return refused('the signature is for another service');
  let cert: { leafPem: string; fingerprint: string };
  try {
    cert = await deps.fetchAppDataCert(claim.issuer_id);
  } catch (err) {
    const why = isByodaError(err) || err instanceof Error ? err.message : String(err);
    return refused(`the issuer's data certificate could not be verified: ${why}`);
  }
  if (cert.fingerprint !== claim.cert_fingerprint.toLowerCase()) {
    return refused("the claim was made with another data certificate than the issuer's current one");
  }
  const [protectedPart = '', , signaturePart = ''] = claim.signature.split('.');
  try {
    await flattenedVerify(
      {
        protected: protectedPart,
        payload: base64url.encode(claimSignedBytes(claim, record)),
        signature: signaturePart,
      },
      await importX509(cert.leafPem, 'ES256'),
      { algorithms: ['ES256'] },
    );
  } catch {
    return refused('the record or the claim changed since it was signed, or the key is not the issuer’s');
  }
  return { verified: true, ...about };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The claim, or why it is not one this pod can check. */
function readClaim(value: unknown): Claim | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'the claim is not an object';
  const claim = value as Partial<Record<keyof Claim, unknown>>;
  if (claim.issuer_type !== 'app') return 'only claims issued by apps can be verified';
  if (claim.signature_format_version !== CLAIM_SIGNATURE_FORMAT_VERSION) {
    return `unknown signature_format_version ${JSON.stringify(claim.signature_format_version ?? null)}`;
  }
  for (const key of ['issuer_id', 'keyfield_id', 'claim_id'] as const) {
    if (typeof claim[key] !== 'string' || !UUID.test(claim[key])) return `the claim's ${key} is not a UUID`;
  }
  for (const key of [
    'object_type',
    'keyfield',
    'signature',
    'signature_timestamp',
    'cert_fingerprint',
  ] as const) {
    if (typeof claim[key] !== 'string') return `the claim has no ${key}`;
  }
  for (const key of ['claims', 'object_fields'] as const) {
    const list = claim[key];
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
      return `the claim's ${key} is not a list of strings`;
    }
  }
  return claim as Claim;
}

/** The fields of a claim signature's protected header (`ClaimHeader`), and no others. */
const CLAIM_HEADER_KEYS: ReadonlySet<string> = new Set([
  'alg',
  'typ',
  'byoda_app_id',
  'byoda_service_id',
  'iat',
]);

function readHeader(jws: string): ClaimHeader | string {
  const parts = jws.split('.');
  if (parts.length !== 3 || parts[1] !== '') return 'the signature is not a detached compact JWS';
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'));
  } catch {
    return 'the signature header is not JSON';
  }
  if (typeof header !== 'object' || header === null) return 'the signature header is not an object';
  const fields = header as Readonly<Record<string, unknown>>;
  // As for data signatures: a field such as `crit` with `b64: false` would change what the signature
  // covers, so a header holds exactly the fields this format names.
  const unknown = Object.keys(fields).find((key) => !CLAIM_HEADER_KEYS.has(key));
  if (unknown !== undefined)
    return `the signature header has a field this format does not name: ${JSON.stringify(unknown)}`;
  if (fields['alg'] !== 'ES256' || fields['typ'] !== CLAIM_SIGNATURE_TYPE) {
    return `the signature is not an ES256 ${CLAIM_SIGNATURE_TYPE}`;
  }
  if (typeof fields['byoda_app_id'] !== 'string' || typeof fields['byoda_service_id'] !== 'number') {
    return 'the signature header names no app and service';
  }
  return fields as unknown as ClaimHeader;
}
