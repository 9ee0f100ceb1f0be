/**
 * Preparing a GraphQL operation of a membership for execution, the same way for HTTP (graphql-http)
 * and WebSocket (graphql-ws): parse with a token bound, validate with GraphQL's rules plus the
 * membership limits (depth, selections) and owner-only introspection (spec §7), all from src/graphql.
 * The transports then execute or subscribe with the returned arguments. Every error carries
 * `extensions.code` (spec §4).
 */
import { GraphQLError, parse, specifiedRules, validate } from 'graphql';
import type { DocumentNode, ExecutionArgs, ValidationRule } from 'graphql';
import { isByodaError } from '../errors/index.js';
import {
  DEFAULT_MAX_TOKENS,
  DEFAULT_QUERY_LIMITS,
  ownerOnlyIntrospectionRule,
  queryLimitsRule,
} from '../graphql/index.js';
import type { MembershipContext } from '../graphql/index.js';
import type { MembershipSnapshot } from './membership.js';

export interface OperationParams {
  readonly query: string;
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
  readonly operationName?: string | null | undefined;
}

const MAX_VALIDATION_ERRORS = 20;
const BAD_REQUEST = 'BYODA_ERR_BAD_REQUEST';

/** Execution arguments with the membership's context, ready for `execute` or `subscribe`. */
export interface PreparedOperation extends Omit<ExecutionArgs, 'contextValue'> {
  readonly contextValue: MembershipContext;
}

/** Execution arguments, or the errors that stop the operation before it runs. */
export function prepareOperation(
  snapshot: MembershipSnapshot,
  context: MembershipContext,
  params: OperationParams,
): PreparedOperation | GraphQLError[] {
  const document = parseDocument(params.query);
  if (document instanceof GraphQLError) return [document];
  const errors = validate(snapshot.schema, document, validationRules(context), {
    maxErrors: MAX_VALIDATION_ERRORS,
  });
  if (errors.length > 0) return errors.map(withErrorCode);
  return {
    schema: snapshot.schema,
    document,
    contextValue: context,
    variableValues: params.variables ?? undefined,
    operationName: params.operationName ?? undefined,
  };
}

function parseDocument(query: string): DocumentNode | GraphQLError {
  try {
    return parse(query, { maxTokens: DEFAULT_MAX_TOKENS });
  } catch (err) {
    return withErrorCode(err instanceof Error ? err : new Error('unparsable query'));
  }
}

function validationRules(context: MembershipContext): ValidationRule[] {
  const rules = [...specifiedRules, queryLimitsRule(DEFAULT_QUERY_LIMITS)];
  if (context.requester.kind !== 'owner') rules.push(ownerOnlyIntrospectionRule);
  return rules;
}

/**
 * The error as a client sees it: GraphQL errors keep their code, or get BYODA_ERR_BAD_REQUEST (what
 * graphql-js reports itself, syntax, validation, variables, is about the request); ByodaErrors keep
 * code and message; any other error (graphql-http's own request errors such as "Missing query") is
 * about the request too.
 */
export function withErrorCode(error: Readonly<GraphQLError | Error>): GraphQLError {
  if (error instanceof GraphQLError) {
    if (error.extensions['code'] !== undefined) return error;
    return new GraphQLError(error.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      originalError: error.originalError,
      extensions: { ...error.extensions, code: BAD_REQUEST },
    });
  }
  if (isByodaError(error)) return new GraphQLError(error.message, { extensions: { code: error.code } });
  return new GraphQLError(error.message, { extensions: { code: BAD_REQUEST } });
}

/** The codes of a result's errors, for the request's log line. */
export function errorCodes(errors: readonly GraphQLError[] | undefined): string[] {
  return (errors ?? []).map((error) => {
    const code = error.extensions['code'];
    return typeof code === 'string' ? code : BAD_REQUEST;
  });
}
