/**
 * Origin signatures of forwarded queries (spec §8): the pod where a query starts signs what the query
 * asks with its member data key, so that every pod the query reaches can tell who started it, that
 * nobody changed it on the way, and how old it is.
 *
 * **What is signed.** The RFC 8785 (JCS) canonical JSON, as UTF-8, of exactly this object:
 *
 * ```
 * { "class": <class name>, "depth": <integer>, "filter": <filter JSON or null>,
 *   "query_id": <lower-case UUID>, "relations": <sorted, distinct, lower-case names or null>,
 *   "service_id": <integer>, "timestamp": <ISO 8601 UTC with milliseconds> }
 * ```
 *
 * JCS sorts keys and fixes number and string forms, so key order, whitespace and `1.0` vs `1` cannot
 * break a signature. `relations` is a set (relations are lower-cased everywhere, spec §5), so it is
 * signed sorted and without duplicates; `null` (absent: every relation) and `[]` (none) differ.
 * `filter` is signed as the GraphQL layer coerced it (canonical UUIDs and date-times), which is also
 * what every hop receives, since coercing canonical values again changes nothing.
 *
 * **Which depth.** Each hop forwards `depth - 1`, so the originating pod signs the depth it sends to
 * its direct peers (the client's depth minus one; 0 for `remote_member_id`). A pod receiving depth `d`
 * tries the signed depths `d, d + 1, ...` up to the contract's `max_query_depth`: the one that verifies
 * says how many hops the query has travelled, `distance = signed depth - d + 1` (spec §6: the depth of
 * a proxied query counts as distance).
 *
 * **Format.** ECDSA P-256 over SHA-256 in IEEE P1363 form (`r || s`, 64 bytes), base64 with the
 * standard alphabet and padding: the same primitive and encoding as contract signatures. The signer
 * is named by `origin_member_id`; its member data cert (`<id>.members-data-<S>.<net>`) is fetched from
 * its pod (`GET /api/v1/pod/data-cert/service-<S>`) and verified to the network root. The signature
 * names no certificate: a verifier whose cached chain does not verify it fetches the signer's current
 * chain once more before refusing (the signer may have rotated its key, docs/protocol.md "Key
 * rotation"); the format of spec §8 stays as it is, so pods of earlier versions keep accepting it.
 */
import { KeyObject, createPublicKey, sign, verify } from 'node:crypto';
import type { webcrypto } from 'node:crypto';
import canonicalize from 'canonicalize';
import { ByodaError, isByodaError } from '../errors/index.js';
import { splitPemBundle, verifyChainBundle } from '../pki/index.js';
import type { Credential, PkiIdentity } from '../pki/index.js';
import { canonicalDateTime, canonicalUuid } from '../storage/index.js';
import type { FilterInput } from '../storage/index.js';
import type { SignerKeys } from './signer-keys.js';
import type { VerifiedChains } from './verified-chains.js';

/** The signed fields, in their wire names (the `X_connection` arguments of spec §7). */
export interface SignedQueryFields {
  readonly query_id: string;
  readonly timestamp: string;
  readonly service_id: number;
  readonly class: string;
  readonly filter: FilterInput | null | undefined;
  readonly depth: number;
  readonly relations: readonly string[] | null | undefined;
}

/** A query as a pod receives it: the signed fields, who signed them and the signature. */
export interface OriginSignedQuery extends SignedQueryFields {
  readonly origin_member_id: string;
  readonly origin_signature: string;
}

export interface VerifyOriginOptions {
  /** The signer's member data cert chain (PEM, leaf first), e.g. `DataCertCache.get`. */
  readonly fetchDataCertChain: (memberId: string) => Promise<string>;
  /**
   * The signer's current chain fetched again, e.g. `DataCertCache.refresh`: tried once when the
   * signature does not verify with the first chain, since the signer may have rotated its key since
   * that one was cached (docs/protocol.md, "Key rotation"). Default: no second try.
   */
  readonly refetchDataCertChain?: (memberId: string) => Promise<string>;
  readonly rootCaPem: string;
  readonly network: string;
  /** The service of the endpoint: the signer's data cert must be of this service. */
  readonly serviceId: number;
  /** Oldest query accepted, in seconds (default 120). */
  readonly maxAgeSeconds?: number;
  /**
   * Greatest signed depth to try (default: the depth received, i.e. a direct request). A pod passes
   * the contract's `max_query_depth` so that queries from further away verify too.
   */
  readonly maxSignedDepth?: number;
  /** Clock in milliseconds, like `Date.now` (tests pass a fixed one). */
  readonly now?: () => number;
  /** Remembers verified chains, so a known origin costs no chain verification (default: none). */
  readonly chains?: VerifiedChains;
  /** Remembers imported signer keys, so a known origin costs no key import (default: none). */
  readonly signerKeys?: SignerKeys;
}

/** What a verified signature proves. */
export interface VerifiedOrigin {
  readonly memberId: string;
  /** The depth the originating pod sent to its direct peers. */
  readonly signedDepth: number;
  /** Hops from the originating pod: 1 for its direct peers (spec §6 distance). */
  readonly distance: number;
}

export const DEFAULT_MAX_QUERY_AGE_SECONDS = 120;
/** How far in the future a timestamp may be: clocks of pods differ a little. */
export const MAX_CLOCK_SKEW_SECONDS = 30;

const P1363_SIGNATURE_LENGTH = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const badRequest = (message: string): ByodaError => new ByodaError('BYODA_ERR_BAD_REQUEST', message);
/** ByodaError leaves an undefined cause out, so a refusal without one has none. */
const forbidden = (message: string, cause?: unknown): ByodaError =>
  new ByodaError('BYODA_ERR_FORBIDDEN', message, { cause });

/** Relations as a set: lower-cased, distinct, sorted (null stays null: "every relation"). */
function canonicalRelations(relations: readonly string[] | null | undefined): string[] | null {
  if (relations === null || relations === undefined) return null;
  return [...new Set(relations.map((r) => r.toLowerCase()))].sort();
}

/** The bytes an origin signature covers (see the file comment). Throws BAD_REQUEST for odd input. */
export function originSignatureBytes(fields: SignedQueryFields): Buffer {
  const queryId = canonicalUuid(fields.query_id);
  if (queryId === undefined) throw badRequest('query_id must be a UUID');
  const timestamp = canonicalDateTime(fields.timestamp);
  if (timestamp === undefined) throw badRequest('timestamp must be an ISO 8601 date-time with a time zone');
  if (!Number.isInteger(fields.depth) || fields.depth < 0) throw badRequest('depth must be a whole number');
  const payload = {
    class: fields.class,
    depth: fields.depth,
    filter: fields.filter ?? null,
    query_id: queryId,
    relations: canonicalRelations(fields.relations),
    service_id: fields.service_id,
    timestamp,
  };
  let text: string;
  try {
    // An object always canonicalizes to text; only a value inside it can fail (NaN, a cycle, ...).
    text = canonicalize(payload) as string;
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'the filter is not plain JSON', { cause });
  }
  return Buffer.from(text, 'utf8');
}

/**
 * Sign `fields` with a member data credential (the originating pod's, spec §8). The credential must
 * be a member data cert of `fields.service_id`: another key would never verify at the other end.
 */
export async function signOriginQuery(
  fields: SignedQueryFields,
  dataCredential: Credential,
): Promise<string> {
  const { identity } = dataCredential;
  if (identity.type !== 'member-data' || identity.serviceId !== fields.service_id) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `origin signatures need the member data credential of service ${fields.service_id}, ` +
        `not '${dataCredential.commonName}'`,
    );
  }
  const key = signingKeyOf(dataCredential.keys.privateKey);
  return sign('sha256', originSignatureBytes(fields), { key, dsaEncoding: 'ieee-p1363' }).toString('base64');
}

/** Node's key object of each data key, made once: an origin pod signs every query it forwards. */
const signingKeys = new WeakMap<webcrypto.CryptoKey, KeyObject>();

/**
 * The credential's private key as a KeyObject. `crypto.sign` with it makes the same ECDSA signature
 * as WebCrypto's `subtle.sign` for half the CPU (no job promise, no algorithm normalisation per call),
 * which counted on the proxied path (issue 12).
 */
function signingKeyOf(privateKey: webcrypto.CryptoKey): KeyObject {
  let key = signingKeys.get(privateKey);
  if (key === undefined) {
    key = KeyObject.from(privateKey);
    signingKeys.set(privateKey, key);
  }
  return key;
}

/**
 * Check an incoming signed query: the timestamp (not older than `maxAgeSeconds`, not more than
 * MAX_CLOCK_SKEW_SECONDS ahead), the signer's data cert chain (to the root; a member data cert of
 * that member and this service) and the signature over the fields. Cheap checks come first, so a
 * stale or malformed query costs no certificate fetch. Throws BYODA_ERR_BAD_REQUEST for malformed
 * input and BYODA_ERR_FORBIDDEN for anything that does not prove the origin.
 */
export async function verifyOriginSignature(
  query: OriginSignedQuery,
  options: VerifyOriginOptions,
): Promise<VerifiedOrigin> {
  const memberId = canonicalUuid(query.origin_member_id);
  if (memberId === undefined) throw badRequest('origin_member_id must be a UUID');
  const signature = decodeSignature(query.origin_signature);
  checkTimestamp(query.timestamp, options);
  const first = await signerKey(memberId, options.fetchDataCertChain, options);
  const verified = verifiedDepth(query, signature, first.key, options);
  if (verified !== undefined)
    return { memberId, signedDepth: verified, distance: verified - query.depth + 1 };
  if (options.refetchDataCertChain) {
    const again = await signerKey(memberId, options.refetchDataCertChain, options);
    const depth = again.leaf === first.leaf ? undefined : verifiedDepth(query, signature, again.key, options);
    if (depth !== undefined) return { memberId, signedDepth: depth, distance: depth - query.depth + 1 };
  }
  throw forbidden('origin signature does not verify (the query was changed, or signed with another key)');
}

/** The signed depth `key` verifies the signature for, trying `d, d + 1, ...` (see the file comment). */
function verifiedDepth(
  query: OriginSignedQuery,
  signature: Buffer,
  key: KeyObject,
  options: VerifyOriginOptions,
): number | undefined {
  const lastDepth = Math.max(query.depth, options.maxSignedDepth ?? query.depth);
  for (let signedDepth = query.depth; signedDepth <= lastDepth; signedDepth++) {
    const bytes = originSignatureBytes({ ...query, depth: signedDepth });
    if (verify('sha256', bytes, { key, dsaEncoding: 'ieee-p1363' }, signature)) return signedDepth;
  }
  return undefined;
}

/** Strict base64 of exactly 64 bytes: a re-encoding must give the same text, so no junk is ignored. */
function decodeSignature(text: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (!BASE64.test(text) || bytes.toString('base64') !== text) {
    throw badRequest('origin_signature is not valid base64');
  }
  if (bytes.length !== P1363_SIGNATURE_LENGTH) {
    throw badRequest(`origin_signature must be ${P1363_SIGNATURE_LENGTH} bytes (ECDSA P-256, r || s)`);
  }
  return bytes;
}

/** spec §8: pods refuse queries whose timestamp is too old (a replay outlives the query-id memory). */
function checkTimestamp(timestamp: string, options: VerifyOriginOptions): void {
  const canonical = canonicalDateTime(timestamp);
  if (canonical === undefined) throw badRequest('timestamp must be an ISO 8601 date-time with a time zone');
  const now = (options.now ?? Date.now)();
  const ageMs = now - Date.parse(canonical);
  const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_MAX_QUERY_AGE_SECONDS;
  if (ageMs > maxAgeSeconds * 1000) {
    throw forbidden(`query timestamp too old: more than ${maxAgeSeconds} s ago`);
  }
  if (-ageMs > MAX_CLOCK_SKEW_SECONDS * 1000) {
    throw forbidden(`query timestamp is in the future (more than ${MAX_CLOCK_SKEW_SECONDS} s ahead)`);
  }
}

/** The public key of the member's data cert, once its chain verified to the root as that member's. */
async function signerKey(
  memberId: string,
  fetchChain: (memberId: string) => Promise<string>,
  options: VerifyOriginOptions,
): Promise<{ readonly key: KeyObject; readonly leaf: string }> {
  let chainPem: string;
  try {
    chainPem = await fetchChain(memberId);
  } catch (err) {
    const reason = isByodaError(err) ? `: ${err.message}` : '';
    throw forbidden(`origin signature cannot be checked: no data certificate of the origin${reason}`, err);
  }
  let identity: PkiIdentity;
  try {
    identity = await (options.chains
      ? options.chains.verify(chainPem, options.rootCaPem)
      : verifyChainBundle(chainPem, options.rootCaPem));
  } catch (err) {
    const reason = isByodaError(err) ? err.message : 'unreadable certificate';
    throw forbidden(`origin signature does not verify: the data certificate is not trusted (${reason})`, err);
  }
  assertSignerIdentity(identity, memberId, options);
  const leaf = splitPemBundle(chainPem)[0];
  if (leaf === undefined) throw forbidden('origin signature does not verify: empty certificate chain');
  return { key: options.signerKeys ? options.signerKeys.keyOf(leaf) : createPublicKey(leaf), leaf };
}

function assertSignerIdentity(identity: PkiIdentity, memberId: string, options: VerifyOriginOptions): void {
  const fits =
    identity.type === 'member-data' &&
    identity.network === options.network &&
    identity.serviceId === options.serviceId &&
    identity.memberId === memberId;
  if (!fits) {
    throw forbidden(
      'origin signature does not verify: the certificate is not the member data certificate of the ' +
        'origin member for this service',
    );
  }
}
