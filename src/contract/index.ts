/**
 * The public face of the contract module (spec §5): the typed model, parsing and validation, version
 * compatibility and summaries. Other modules import from here only.
 */
export * from './model.js';
export { parseContract, findClass, DEFAULT_MAX_QUERY_DEPTH } from './parse.js';
export type { ParseOptions } from './parse.js';
export { loadContractFile, parseJsonText } from './load.js';
export { diffContracts, assertCompatible } from './diff.js';
export type { ContractChange, ContractChangeKind, ContractDiff } from './diff.js';
export { summarizeContract, summarizeContractJson, summarizeAccess, describePermission } from './summary.js';
export { accessTable } from './access-table.js';
export { ownerCapabilities } from './owner-capabilities.js';
export type { ClassCapabilities, FieldCapabilities, OwnerCapabilities } from './owner-capabilities.js';
export type { AccessSummary, ClassSummary, ContractSummary, FieldSummary, TypeSummary } from './summary.js';
export { parseDuration, formatDuration } from './duration.js';
export { typeShape } from './type-shape.js';
export { DATALOG_CLASS, RESERVED_TYPE_NAMES, generatedRootFields } from './names.js';
export {
  CONTRACT_HASH_ALGORITHM,
  CONTRACT_SIGNER_ROLES,
  canonicalContractBytes,
  hasContractSignature,
  signContract,
  verifyContract,
  verifyContractSignature,
} from './signature.js';
export type {
  ContractDocument,
  ContractSignatureJson,
  ContractSigners,
  ContractSignerRole,
} from './signature.js';
