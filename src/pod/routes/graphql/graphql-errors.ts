/**
 * GraphQL errors as the pod's transports (graphql-http, graphql-ws) send and log them: every error
 * carries `extensions.code` (spec §4). Preparing an operation (parse, validate, limits) is
 * src/graphql's `prepareMembershipOperation`; what the transports add are errors of their own.
 */
import { GraphQLError } from 'graphql';
import { isByodaError } from '../../../errors/index.js';
import type { ErrorCode } from '../../../errors/index.js';
import { withDefaultCode } from '../../../graphql/index.js';

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

interface ErrorList {
  errors: { extensions?: Record<string, unknown> }[];
}

function isErrorList(body: unknown): body is ErrorList {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors.every((e) => typeof e === 'object' && e !== null);
}

/**
 * `onSend` of the GraphQL routes: refusals graphql-http makes itself (405 for a mutation over GET)
 * carry errors without a code; each gets BYODA_ERR_BAD_REQUEST, as every other refusal has a code. A
 * callback hook, so that it runs within graphql-http's `reply.send` (see src/http/server.ts).
 */
export function codedRefusal(
  _request: unknown,
  reply: { statusCode: number },
  payload: unknown,
  done: (err: null, payload: unknown) => void,
): void {
  done(null, reply.statusCode >= 400 && typeof payload === 'string' ? withCodes(payload) : payload);
}

function withCodes(payload: string): string {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return payload;
  }
  if (!isErrorList(body) || body.errors.every((e) => typeof e.extensions?.['code'] === 'string')) {
    return payload;
  }
  for (const error of body.errors) {
    if (typeof error.extensions?.['code'] !== 'string') {
      error.extensions = { ...error.extensions, code: BAD_REQUEST };
    }
  }
  return JSON.stringify(body);
}
