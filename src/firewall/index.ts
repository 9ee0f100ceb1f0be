/**
 * The public face of the data firewall (spec §6): who is asking, which contract entities that makes
 * them, and what the contract lets them do. Pure decisions; the servers determine the requester and
 * the GraphQL layer enforces the decisions.
 */
export type { MemberRequester, Requester, RequesterKind, TokenScope } from './requester.js';
export { describeRequester } from './requester.js';
export { entitiesOf } from './entities.js';
export { DATALOG_CLASS, podKeptRefusal } from './pod-kept.js';
export {
  assertAllowed,
  assertWriteAllowed,
  classDecision,
  decide,
  deniedField,
  fieldDecision,
  readableFields,
} from './decide.js';
export type { Decision, FieldRefusal, Grant } from './decide.js';
