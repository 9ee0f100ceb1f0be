/**
 * The form of a data signature (spec §9; our choices in docs/protocol.md, "Signed data"): a compact
 * JWS with a detached payload (RFC 7515 appendix F), `<b64url protected header>..<b64url signature>`,
 * ES256 over the RFC 8785 canonical JSON of the record's data. The protected header names the signer
 * (member id), the service and the class the record belongs to, and when it was signed, so a verifier
 * knows whose data cert to fetch and a signature cannot be moved to another class or service.
 *
 * Reading the form is separate from verifying it: a pod that stores a signed record checks only the
 * form (this file), readers verify the signature per record, so that one made with a since-revoked or
 * wrong key shows as such instead of vanishing.
 */
import { ByodaError } from '../errors/index.js';
import { THUMBPRINT_HEADER, isServiceId, isThumbprint } from '../pki/index.js';
import { canonicalUuid } from '../storage/index.js';

/** The `typ` of a data signature's protected header. */
export const DATA_SIGNATURE_TYPE = 'byoda-data+jws';
/** Longest JWS accepted (ours are about 400 characters); also the storage cap on `signature`. */
export const MAX_DATA_SIGNATURE_LENGTH = 8192;

/** The protected header of a data signature, checked. */
export interface DataSignatureHeader {
  readonly alg: 'ES256';
  readonly typ: typeof DATA_SIGNATURE_TYPE;
  /** Member id (lower-case UUID) of the signer: whose member data cert verifies it (spec §4). */
  readonly byoda_member_id: string;
  /** The service the signer's data cert, and the record, belong to. */
  readonly byoda_service_id: number;
  /** The class of the record that was signed (spec §5 class name). */
  readonly byoda_class: string;
  /** When it was signed, in seconds since 1970 (as JWT's `iat`). */
  readonly iat: number;
  /**
   * The thumbprint of the data cert it was made with (RFC 7515 `x5t#S256`): after a key rotation the
   * verifier fetches that one (docs/protocol.md, "Key rotation"). Absent in signatures made before.
   */
  readonly 'x5t#S256'?: string;
}

/** A data signature split into its parts, the header checked (nothing about the key yet). */
export interface ParsedDataSignature {
  readonly header: DataSignatureHeader;
  /** The first part, as given: the JWS signing input starts with it. */
  readonly protectedPart: string;
  readonly signaturePart: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Class names of contracts are GraphQL names (spec §7, src/contract/names.ts); 128 is plenty. */
const CLASS_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;
/** ES256 signatures are r || s, 32 bytes each: 86 base64url characters. */
const ES256_SIGNATURE_CHARS = 86;
/** 9999-12-31T23:59:59Z, the last second an ISO 8601 date-time with a four-digit year can show. */
const MAX_IAT = 253_402_300_799;

const HEADER_KEYS = new Set([
  'alg',
  'typ',
  'byoda_member_id',
  'byoda_service_id',
  'byoda_class',
  'iat',
  THUMBPRINT_HEADER,
]);

const malformed = (what: string): ByodaError =>
  new ByodaError('BYODA_ERR_DATA_SIGNATURE', `the data signature is not valid: ${what}`);

/**
 * Splits and checks a data signature's form: three parts with an empty (detached) payload, a protected
 * header of exactly the fields above (alg ES256, member id a UUID, service id a service id, a class
 * name, iat a whole number of seconds, the thumbprint absent or a SHA-256 one) and a 64-byte signature. Throws BYODA_ERR_DATA_SIGNATURE (400)
 * saying what is wrong. Unknown header fields are refused: a `crit` or `b64` we ignored could make
 * another verifier read the signature differently.
 */
export function readDataSignature(jws: string): ParsedDataSignature {
  if (typeof jws !== 'string' || jws.length === 0) throw malformed('it is empty');
  if (jws.length > MAX_DATA_SIGNATURE_LENGTH) {
    throw malformed(`it is longer than ${MAX_DATA_SIGNATURE_LENGTH} characters`);
  }
  const parts = jws.split('.');
  if (parts.length !== 3) throw malformed('a compact JWS has three parts separated by dots');
  const [protectedPart = '', payloadPart = '', signaturePart = ''] = parts;
  if (payloadPart !== '') {
    throw malformed('the payload part must be empty (detached payload: the record is the payload)');
  }
  if (!BASE64URL.test(protectedPart)) throw malformed('the protected header is not base64url');
  if (signaturePart.length !== ES256_SIGNATURE_CHARS || !BASE64URL.test(signaturePart)) {
    throw malformed('the signature part is not an ES256 signature (64 bytes, base64url)');
  }
  return { header: readHeader(protectedPart), protectedPart, signaturePart };
}

function readHeader(protectedPart: string): DataSignatureHeader {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(protectedPart, 'base64url').toString('utf8'));
  } catch {
    throw malformed('the protected header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw malformed('the protected header is not a JSON object');
  }
  const fields = header as Readonly<Record<string, unknown>>;
  const unknown = Object.keys(fields).filter((key) => !HEADER_KEYS.has(key));
  if (unknown.length > 0) throw malformed(`unknown header field ${JSON.stringify(unknown[0])}`);
  const { alg, typ, byoda_member_id, byoda_service_id, byoda_class, iat } = fields;
  if (alg !== 'ES256') throw malformed(`alg must be "ES256", not ${JSON.stringify(alg ?? null)}`);
  if (typ !== DATA_SIGNATURE_TYPE) throw malformed(`typ must be "${DATA_SIGNATURE_TYPE}"`);
  const memberId = canonicalUuid(byoda_member_id);
  if (memberId === undefined || memberId !== byoda_member_id) {
    throw malformed('byoda_member_id must be a lower-case UUID');
  }
  if (typeof byoda_service_id !== 'number' || !isServiceId(byoda_service_id)) {
    throw malformed('byoda_service_id must be a service id');
  }
  if (typeof byoda_class !== 'string' || !CLASS_NAME.test(byoda_class)) {
    throw malformed('byoda_class must be a class name');
  }
  // Up to the end of year 9999: a date-time must be able to show it (signed_at).
  if (typeof iat !== 'number' || !Number.isSafeInteger(iat) || iat < 0 || iat > MAX_IAT) {
    throw malformed('iat must be a whole number of seconds up to the year 9999');
  }
  const thumbprint = fields[THUMBPRINT_HEADER];
  if (thumbprint !== undefined && !isThumbprint(thumbprint)) {
    throw malformed(`${THUMBPRINT_HEADER} must be a SHA-256 thumbprint (43 base64url characters)`);
  }
  return {
    alg,
    typ,
    byoda_member_id: memberId,
    byoda_service_id,
    byoda_class,
    iat,
    ...(thumbprint === undefined ? {} : { [THUMBPRINT_HEADER]: thumbprint }),
  };
}
