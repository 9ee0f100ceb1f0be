/**
 * A membership's signing and checking of records, as the pod hands it to the GraphQL layer: signing
 * with the membership's member data credential, verifying with its data cert cache.
 */
import type { Credential } from '../pki/index.js';
import type { DataRecord } from '../storage/index.js';
import { signRecord } from './sign-record.js';
import { verifyRecordSignature, type SignatureCheck } from './verify-record.js';

export interface RecordSignatures {
  /** Signs `data` (canonical, as the store holds it) of `className` as this membership. */
  sign(className: string, data: DataRecord): Promise<string>;
  /** Checks a record's signature against its data as stored now; never throws for a bad one. */
  verify(jws: string, className: string, data: DataRecord): Promise<SignatureCheck>;
}

export interface RecordSignaturesOptions {
  readonly serviceId: number;
  /** The membership's member data credential. */
  readonly credential: Credential;
  /** The membership federation's `dataCerts.get`: chains verified to the network root. */
  readonly fetchChain: (memberId: string, x5t?: string) => Promise<string>;
  readonly now?: () => Date;
}

export function createRecordSignatures(options: RecordSignaturesOptions): RecordSignatures {
  const { serviceId, credential, fetchChain } = options;
  return {
    sign: (className, data) =>
      signRecord({
        serviceId,
        className,
        data,
        credential,
        ...(options.now ? { now: options.now } : {}),
      }),
    verify: (jws, className, data) =>
      verifyRecordSignature(jws, { serviceId, className, data }, { fetchChain }),
  };
}
