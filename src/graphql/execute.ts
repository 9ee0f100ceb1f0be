/**
 * Running a GraphQL request against a membership's schema, in process: parse (bounded), validate
 * (GraphQL's rules plus our limits and the owner-only introspection rule; both kept in the prepared
 * operation cache), estimate the cost against the requester's budget, then execute or subscribe with
 * the answer's byte cap counted as it is built. The pod server's HTTP and WebSocket handlers call
 * these (and run operations with `executePrepared` / `subscribePrepared`); transports stay out of this
 * folder.
 *
 * Every error in a result carries `extensions.code` (spec §4): our resolvers and rules set it, and
 * `withCode` gives one to what graphql-js reports itself.
 */
import {
  GraphQLError,
  OperationTypeNode,
  execute,
  getOperationAST,
  parse,
  specifiedRules,
  subscribe,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import { describeRequester } from '../firewall/index.js';
import { AnswerMeter, answerMeterOf } from './answer-meter.js';
import { DEFAULT_ANSWER_BUDGETS, type AnswerBudgets } from './budgets.js';
import type { MembershipContext } from './context.js';
import { estimateCost } from './cost.js';
import { codedError, toGraphQLError, withDefaultCode } from './errors.js';
import { ownerOnlyIntrospectionRule } from './introspection-rule.js';
import { DEFAULT_QUERY_LIMITS, queryLimitsRule, type QueryLimits } from './limits.js';
import {
  sharedOperationCache,
  type PreparedOperationCache,
  type PreparedOutcome,
} from './operation-cache.js';
import { schemaContractInfo } from './schema.js';

export interface MembershipRequest {
  readonly query: string;
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
  readonly operationName?: string | null | undefined;
}

export interface ExecuteOptions {
  readonly limits?: QueryLimits;
  /** Lexical tokens a document may have; parsing stops beyond it (cheap defence before validation). */
  readonly maxTokens?: number;
  /** Cost and answer-size budgets per requester kind (default DEFAULT_ANSWER_BUDGETS). */
  readonly budgets?: AnswerBudgets;
  /** Where validated documents are kept (default: the process's shared cache); `false`: nowhere. */
  readonly cache?: PreparedOperationCache | false;
}

export const DEFAULT_MAX_TOKENS = 20_000;
const MAX_VALIDATION_ERRORS = 20;

/**
 * Errors graphql-js raises itself have no code. Before execution (syntax, validation, variables) they
 * are about the request (spec §4: 400). During execution (they have a path) they mean a stored or
 * remote value does not fit the schema, e.g. an integer beyond GraphQL's 32-bit Int: the pod's fault.
 * Their messages are graphql-js's own, naming at most a value the requester was allowed to read.
 */
export function withErrorCode(error: GraphQLError): GraphQLError {
  return withDefaultCode(error, error.path === undefined ? 'BYODA_ERR_BAD_REQUEST' : 'BYODA_ERR_INTERNAL');
}

/** `result` with a code on every error (see `withErrorCode`). */
export function withErrorCodes(result: ExecutionResult): ExecutionResult {
  return result.errors ? { ...result, errors: result.errors.map(withErrorCode) } : result;
}

/** A context for another contract version than the schema's would apply the wrong rules: refuse. */
function contextMismatch(schema: GraphQLSchema, context: MembershipContext): GraphQLError | undefined {
  const info = schemaContractInfo(schema);
  if (info && info.serviceId === context.contract.serviceId && info.version === context.contract.version) {
    return undefined;
  }
  const problem = new Error(
    `schema built for ${JSON.stringify(info)}, context has service ${context.contract.serviceId} ` +
      `version ${context.contract.version}`,
  );
  return toGraphQLError(problem, context.logger);
}

interface RuleSet {
  readonly rules: readonly ValidationRule[];
  /** Tells rule sets apart in the operation cache: whatever the rules depend on is in it. */
  readonly key: string;
}

/** The introspection rule depends on whether the requester is the owner, the limits on the options. */
function ruleSet(context: MembershipContext, options: ExecuteOptions): RuleSet {
  const limits = options.limits ?? DEFAULT_QUERY_LIMITS;
  const owner = context.requester.kind === 'owner';
  const rules = [...specifiedRules, queryLimitsRule(limits)];
  if (!owner) rules.push(ownerOnlyIntrospectionRule);
  const tokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  return { rules, key: `${owner ? 'owner' : 'others'} ${limits.maxDepth} ${limits.maxSelections} ${tokens}` };
}

function parseRequest(query: string, options: ExecuteOptions): DocumentNode | GraphQLError {
  try {
    return parse(query, { maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS });
  } catch (err) {
    return err instanceof GraphQLError
      ? withErrorCode(err)
      : codedError('BYODA_ERR_BAD_REQUEST', 'unparsable query');
  }
}

/** Parsing and validation: what depends only on the schema, the rule set and the text. */
function parseAndValidate(schema: GraphQLSchema, query: string, rules: RuleSet, options: ExecuteOptions) {
  const document = parseRequest(query, options);
  if (document instanceof GraphQLError) return [document];
  const errors = validate(schema, document, rules.rules, { maxErrors: MAX_VALIDATION_ERRORS });
  return errors.length > 0 ? errors.map(withErrorCode) : document;
}

function validatedDocument(
  schema: GraphQLSchema,
  context: MembershipContext,
  query: string,
  options: ExecuteOptions,
): PreparedOutcome {
  const rules = ruleSet(context, options);
  const prepare = () => parseAndValidate(schema, query, rules, options);
  const cache = options.cache ?? sharedOperationCache;
  return cache === false ? prepare() : cache.get(schema, rules.key, query, prepare);
}

/** The estimated cost against the requester's budget (cost.ts), with this request's variables. */
function tooCostly(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode | null | undefined,
  request: MembershipRequest,
  context: MembershipContext,
  budgets: AnswerBudgets,
): GraphQLError | undefined {
  const { maxCost } = budgets[context.requester.kind];
  const cost = estimateCost(schema, document, operation, request.variables);
  if (cost <= maxCost) return undefined;
  const shown = cost >= Number.MAX_SAFE_INTEGER ? 'too many' : String(cost);
  return codedError(
    'BYODA_ERR_QUERY_TOO_COSTLY',
    `the query would answer about ${shown} values, more than the ${maxCost} this pod answers ` +
      `${describeRequester(context.requester)} at once: ask for fewer aliases, records (first) or fields`,
  );
}

/**
 * The context an operation runs with: the caller's, with a fresh answer meter. Its properties are
 * copied as they are defined (a requester the caller defines as a getter is still read live), onto an
 * object of its own, so that code that spreads the context (admission of forwarded queries, replay
 * contexts) keeps every field and the meter.
 */
function meteredContext(context: MembershipContext, budgets: AnswerBudgets): MembershipContext {
  const meter = new AnswerMeter(
    budgets[context.requester.kind].maxAnswerBytes,
    describeRequester(context.requester),
  );
  // A context whose requester is a getter (a scoped token's, judged at each read) keeps it live in
  // the copy. Any other is copied by spreading: copying descriptors makes a slow dictionary-mode object
  // and cost about a tenth of an owner's single read.
  if (Object.getOwnPropertyDescriptor(context, 'requester')?.get === undefined) {
    return { ...context, answer: meter };
  }
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(context)) as MembershipContext;
  return Object.defineProperty(copy, 'answer', { value: meter, enumerable: true });
}

function wrongOperation(
  document: DocumentNode,
  request: MembershipRequest,
  allowed: readonly OperationTypeNode[],
) {
  const operation = getOperationAST(document, request.operationName ?? undefined);
  if (!operation)
    return codedError('BYODA_ERR_BAD_REQUEST', 'no single operation to run: give operationName');
  if (allowed.includes(operation.operation)) return undefined;
  return codedError(
    'BYODA_ERR_BAD_REQUEST',
    operation.operation === OperationTypeNode.SUBSCRIPTION
      ? 'subscriptions run over a subscription transport (graphql-ws), not as a query'
      : `a ${operation.operation} cannot be run as a subscription`,
  );
}

/** Execution arguments with the membership's context, ready for graphql-js `execute` or `subscribe`. */
export interface PreparedMembershipOperation extends Omit<ExecutionArgs, 'contextValue'> {
  readonly contextValue: MembershipContext;
}

/**
 * Everything before execution, for any transport (the pod server's graphql-http and graphql-ws
 * handlers use it too): the contract check, bounded parsing and validation with our rules. Returns the
 * arguments for graphql-js `execute` or `subscribe`, or the errors (each with a code) that stop the
 * request: an array of errors without `data`, which graphql-http answers as a refused request.
 *
 * `allowed` names the operation types the caller runs, and a document without a single operation is
 * refused. Without it the transport picks the operation and judges its type itself: graphql-http
 * refuses subscriptions, and mutations over GET with 405 (GraphQL over HTTP), which a refusal here
 * would turn into a plain 400.
 */
export function prepareMembershipOperation(
  schema: GraphQLSchema,
  context: MembershipContext,
  request: MembershipRequest,
  options: ExecuteOptions = {},
  allowed?: readonly OperationTypeNode[],
): PreparedMembershipOperation | readonly GraphQLError[] {
  const mismatch = contextMismatch(schema, context);
  if (mismatch) return [mismatch];
  if (typeof request.query !== 'string' || request.query.length === 0) {
    return [codedError('BYODA_ERR_BAD_REQUEST', 'the request has no query')];
  }
  const document = validatedDocument(schema, context, request.query, options);
  if (!('kind' in document)) return document;
  const wrong = allowed && wrongOperation(document, request, allowed);
  if (wrong) return [wrong];
  const budgets = options.budgets ?? DEFAULT_ANSWER_BUDGETS;
  const operation = getOperationAST(document, request.operationName ?? undefined);
  const costly = tooCostly(schema, document, operation, request, context, budgets);
  if (costly) return [costly];
  return {
    schema,
    document,
    contextValue: meteredContext(context, budgets),
    variableValues: request.variables,
    operationName: request.operationName,
  };
}

/**
 * The result as sent: one BYODA_ERR_ANSWER_TOO_LARGE error when the answer went over its cap (no
 * part of it is sent), else with a code on every error.
 */
function meteredResult(result: ExecutionResult, meter: AnswerMeter | undefined): ExecutionResult {
  if (meter?.tripped) return { errors: [meter.error()] };
  return withErrorCodes(result);
}

/**
 * Runs a prepared query or mutation (for transports that execute themselves: graphql-http's and
 * graphql-ws's `execute`). Never throws.
 */
export async function executePrepared(args: ExecutionArgs): Promise<ExecutionResult> {
  const meter = answerMeterOf(args.contextValue);
  try {
    return meteredResult(await execute(args), meter);
  } catch (err) {
    return { errors: [toGraphQLError(err, (args.contextValue as MembershipContext | undefined)?.logger)] };
  }
}

/** Runs a query or mutation. Never throws: every failure is in the result's `errors`. */
export async function executeMembershipQuery(
  schema: GraphQLSchema,
  context: MembershipContext,
  request: MembershipRequest,
  options: ExecuteOptions = {},
): Promise<ExecutionResult> {
  const prepared = prepareMembershipOperation(schema, context, request, options, [
    OperationTypeNode.QUERY,
    OperationTypeNode.MUTATION,
  ]);
  if (!('document' in prepared)) return { errors: prepared };
  return executePrepared(prepared);
}

/**
 * The results of a subscription, each event's answer capped like any answer (the meter starts afresh
 * for every event) and with codes on its errors; ending it ends the source at once.
 */
function mapResults(
  source: AsyncGenerator<ExecutionResult, void, void>,
  meter: AnswerMeter | undefined,
): AsyncIterableIterator<ExecutionResult> {
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      // graphql-js executes the event inside `next`, so the reset comes before its first record.
      meter?.reset();
      const step = await source.next();
      return step.done ? step : { done: false, value: meteredResult(step.value, meter) };
    },
    // Passed straight through: a wrapper generator would wait for the next event before ending.
    return: () => source.return(undefined),
    throw: (err: unknown) => source.throw(err),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * Starts a prepared subscription (for transports: graphql-ws's `subscribe`): an async iterator of
 * results, or one result with errors when it is refused. Never throws.
 */
export async function subscribePrepared(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const meter = answerMeterOf(args.contextValue);
  try {
    const result = await subscribe(args);
    return Symbol.asyncIterator in result ? mapResults(result, meter) : withErrorCodes(result);
  } catch (err) {
    return { errors: [toGraphQLError(err, (args.contextValue as MembershipContext | undefined)?.logger)] };
  }
}

/**
 * Starts a subscription: an async iterator of results (one per delivered event), or a single result
 * with errors when the subscription is refused. Calling `return()` on the iterator unsubscribes.
 */
export async function subscribeMembership(
  schema: GraphQLSchema,
  context: MembershipContext,
  request: MembershipRequest,
  options: ExecuteOptions = {},
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const prepared = prepareMembershipOperation(schema, context, request, options, [
    OperationTypeNode.SUBSCRIPTION,
  ]);
  if (!('document' in prepared)) return { errors: prepared };
  return subscribePrepared(prepared);
}
