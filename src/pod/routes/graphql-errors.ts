/**
 * GraphQL errors as the pod's transports (graphql-http, graphql-ws) send and log them: every error
 * carries `extensions.code` (spec §4). Preparing an operation (parse, validate, limits) is
 * src/graphql's `prepareMembershipOperation`; what the transports add are errors of their own.
 */
import { GraphQLError } from 'graphql';
import { isByodaError } from '../../errors/index.js';
import type { ErrorCode } from '../../errors/index.js';
import { withDefaultCode } from '../../graphql/index.js';

const BAD_REQUEST: ErrorCode = 'BYODA_ERR_BAD_REQUEST';

/**
 * The error as a client sees it: GraphQL errors keep their code, or get BYODA_ERR_BAD_REQUEST (what
 * graphql-js reports itself, syntax, validation, variables, is about the request); ByodaErrors keep
 * code and message; any other error (graphql-http's own request errors such as "Missing query") is
 * about the request too.
 */
export function withErrorCode(error: Readonly<GraphQLError | Error>): GraphQLError {
  if (error instanceof GraphQLError) return withDefaultCode(error, BAD_REQUEST);
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
