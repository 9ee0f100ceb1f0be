/**
 * Running a GraphQL request against a membership's schema, in process: parse (bounded), validate
 * (GraphQL's rules plus our limits and the owner-only introspection rule), execute or subscribe. The
 * pod server's HTTP and WebSocket handlers call these; transports stay out of this folder.
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
  type ValidationRule,
} from 'graphql';
import type { MembershipContext } from './context.js';
import { codedError, toGraphQLError, withDefaultCode } from './errors.js';
import { ownerOnlyIntrospectionRule } from './introspection-rule.js';
import { DEFAULT_QUERY_LIMITS, queryLimitsRule, type QueryLimits } from './limits.js';
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

function validationRules(context: MembershipContext, options: ExecuteOptions): ValidationRule[] {
  const rules = [...specifiedRules, queryLimitsRule(options.limits ?? DEFAULT_QUERY_LIMITS)];
  if (context.requester.kind !== 'owner') rules.push(ownerOnlyIntrospectionRule);
  return rules;
}

function parseRequest(request: MembershipRequest, options: ExecuteOptions): DocumentNode | GraphQLError {
  if (typeof request.query !== 'string' || request.query.length === 0) {
    return codedError('BYODA_ERR_BAD_REQUEST', 'the request has no query');
  }
  try {
    return parse(request.query, { maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS });
  } catch (err) {
    return err instanceof GraphQLError
      ? withErrorCode(err)
      : codedError('BYODA_ERR_BAD_REQUEST', 'unparsable query');
  }
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
  const document = parseRequest(request, options);
  if (document instanceof GraphQLError) return [document];
  const errors = validate(schema, document, validationRules(context, options), {
    maxErrors: MAX_VALIDATION_ERRORS,
  });
  if (errors.length > 0) return errors.map(withErrorCode);
  const wrong = allowed && wrongOperation(document, request, allowed);
  if (wrong) return [wrong];
  return {
    schema,
    document,
    contextValue: context,
    variableValues: request.variables,
    operationName: request.operationName,
  };
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
  try {
    return withErrorCodes(await execute(prepared));
  } catch (err) {
    return { errors: [toGraphQLError(err, context.logger)] };
  }
}

/** The results of a subscription with codes on their errors; ending it ends the source at once. */
function mapResults(
  source: AsyncGenerator<ExecutionResult, void, void>,
): AsyncIterableIterator<ExecutionResult> {
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const step = await source.next();
      return step.done ? step : { done: false, value: withErrorCodes(step.value) };
    },
    // Passed straight through: a wrapper generator would wait for the next event before ending.
    return: () => source.return(undefined),
    throw: (err: unknown) => source.throw(err),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
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
  try {
    const result = await subscribe(prepared);
    return Symbol.asyncIterator in result ? mapResults(result) : withErrorCodes(result);
  } catch (err) {
    return { errors: [toGraphQLError(err, context.logger)] };
  }
}
