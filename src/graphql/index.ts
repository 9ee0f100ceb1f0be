/**
 * The GraphQL API of a membership (spec §7): the schema generated from a service contract, resolvers
 * that reach storage only through the data firewall (spec §6), the in-process event bus behind
 * subscriptions, and in-process execution with limits. Serving it over HTTP and WebSocket is the pod
 * server's job. Other folders import only this file.
 */
export { buildMembershipSchema, schemaContractInfo } from './schema.js';
export type { SchemaContractInfo } from './schema.js';
export type {
  DecisionObserver,
  ErrorLogger,
  MembershipContext,
  ProxyEdge,
  ProxyError,
  ProxyHook,
  ProxyRequest,
  ProxyResult,
  RemoteAppendHook,
  RemoteAppendRequest,
} from './context.js';
export { DEFAULT_MAX_QUEUE, MAX_EVENTS_PER_MUTATION, MembershipEvents, UPDATE_ACTIONS } from './events.js';
export type { DataEvent, EventSubscriptionOptions, MembershipEventsOptions, UpdateAction } from './events.js';
export { INTERNAL_ERROR_MESSAGE, toGraphQLError, withDefaultCode } from './errors.js';
export {
  DEFAULT_MAX_TOKENS,
  executeMembershipQuery,
  executePrepared,
  prepareMembershipOperation,
  subscribeMembership,
  subscribePrepared,
  withErrorCode,
  withErrorCodes,
} from './execute.js';
export { AnswerMeter, jsonBytes } from './answer-meter.js';
export {
  ANSWER_BUDGETS_ENV,
  DEFAULT_ANSWER_BUDGETS,
  answerBudgets,
  answerBudgetsFromEnv,
} from './budgets.js';
export type { AnswerBudget, AnswerBudgets, AnswerBudgetsConfig } from './budgets.js';
export { estimateCost, introspectionCost } from './cost.js';
export {
  DEFAULT_OPERATION_CACHE_ENTRIES,
  PreparedOperationCache,
  sharedOperationCache,
} from './operation-cache.js';
export type { OperationCacheOptions, PreparedOutcome } from './operation-cache.js';
export type { ExecuteOptions, MembershipRequest, PreparedMembershipOperation } from './execute.js';
export { DEFAULT_QUERY_LIMITS, queryLimitsRule } from './limits.js';
export type { QueryLimits } from './limits.js';
export { ownerOnlyIntrospectionRule } from './introspection-rule.js';
export { DATA_SIGNATURE_TYPE, rootFieldNames, typeNames } from './names.js';
export { DateTimeScalar, UUIDScalar } from './scalars.js';
export { APPS_CLASS, CLAIM_CHECK_TYPE } from './claims.js';
export type { CheckedClaim, ClaimVerifier } from './claims.js';
