/**
 * Signed data (spec §9; our choices in docs/protocol.md, "Signed data"): a member signs a record's
 * canonical JSON with its member data key (a compact JWS with detached payload), and any reader checks
 * it against the signer's data cert, verified to the network root. Pure apart from the crypto; the
 * certificate fetch is the caller's (`fetchChain`). Other folders import only this file.
 */
export {
  DATA_SIGNATURE_TYPE,
  MAX_DATA_SIGNATURE_LENGTH,
  readDataSignature,
  type DataSignatureHeader,
  type ParsedDataSignature,
} from './data-signature.js';
export { signRecord, signedBytes, type SignRecordInput } from './sign-record.js';
export {
  REASON_CHANGED,
  verifyRecordSignature,
  type SignatureCheck,
  type SignedRecord,
  type VerifyRecordDeps,
} from './verify-record.js';
export {
  createRecordSignatures,
  type RecordSignatures,
  type RecordSignaturesOptions,
} from './record-signatures.js';
export {
  CLAIM_SIGNATURE_FORMAT_VERSION,
  CLAIM_SIGNATURE_TYPE,
  claimSignedBytes,
  signClaim,
  verifyClaim,
  type Claim,
  type ClaimCheck,
  type UnsignedClaim,
  type VerifyClaimDeps,
} from './claim.js';
