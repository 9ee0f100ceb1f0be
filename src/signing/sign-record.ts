/**
 * Signing a record (spec §9): the signer's member data key signs the RFC 8785 canonical JSON of the
 * record's data, and the JWS leaves the payload out (RFC 7515 appendix F), since the record is stored
 * beside it anyway. The data must be the canonical form a store holds (storage's `canonicalRecord`),
 * or what the store gives back to readers would not be what was signed.
 */
import canonicalize from 'canonicalize';
import { CompactSign } from 'jose';
import { ByodaError } from '../errors/index.js';
import { certThumbprint } from '../pki/index.js';
import type { Credential } from '../pki/index.js';
import type { DataRecord } from '../storage/index.js';
import { DATA_SIGNATURE_TYPE, type DataSignatureHeader } from './data-signature.js';

export interface SignRecordInput {
  readonly serviceId: number;
  readonly className: string;
  readonly data: DataRecord;
  /** The signer's member data credential of `serviceId` (`<member_id>.members-data-<S>.<net>`). */
  readonly credential: Credential;
  /** Clock for `iat`; tests pass a fixed one. */
  readonly now?: () => Date;
}

/** The bytes a data signature covers: the RFC 8785 canonical JSON of the record's data. */
export function signedBytes(data: DataRecord): Uint8Array {
  let text: string | undefined;
  try {
    text = canonicalize(data);
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_VALUE', 'the record cannot be signed: it is not plain JSON', { cause });
  }
  if (text === undefined) throw new ByodaError('BYODA_ERR_VALUE', 'the record cannot be signed: no JSON');
  return new TextEncoder().encode(text);
}

/**
 * A compact JWS with detached payload, `<header>..<signature>`, over `data`. The credential must be a
 * member data credential of `serviceId`: a signature by any other key would never verify, since
 * verifiers look the key up as the signer's member data cert of the service.
 */
export async function signRecord(input: SignRecordInput): Promise<string> {
  const { identity } = input.credential;
  if (identity.type !== 'member-data' || identity.serviceId !== input.serviceId || !identity.memberId) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `data signatures need a member data credential of service ${input.serviceId}, ` +
        `not '${input.credential.commonName}'`,
    );
  }
  const header: DataSignatureHeader = {
    alg: 'ES256',
    typ: DATA_SIGNATURE_TYPE,
    byoda_member_id: identity.memberId.toLowerCase(),
    byoda_service_id: input.serviceId,
    byoda_class: input.className,
    iat: Math.floor((input.now ?? (() => new Date()))().getTime() / 1000),
    // Which of the signer's data certs verifies it: there are two for a while after a key rotation.
    'x5t#S256': certThumbprint(input.credential.certPem),
  };
  const jws = await new CompactSign(signedBytes(input.data))
    .setProtectedHeader({ ...header })
    .sign(input.credential.keys.privateKey);
  const [protectedPart, , signaturePart] = jws.split('.');
  return `${protectedPart ?? ''}..${signaturePart ?? ''}`;
}
