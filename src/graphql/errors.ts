/**
 * Errors that leave the GraphQL layer (spec §4): every one carries `extensions.code`. A ByodaError
 * keeps its code and its (safe) message; anything unexpected is logged here and reaches the client only
 * as "internal error", so no stack trace, SQL or file path leaves the pod.
 */
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import { isByodaError, type ErrorCode } from '../errors/index.js';
import type { ErrorLogger, MembershipContext } from './context.js';

export const INTERNAL_ERROR_MESSAGE = 'internal error';

const stderrLogger: ErrorLogger = {
  error(details, message) {
    process.stderr.write(`${JSON.stringify({ level: 'error', msg: message, ...details })}\n`);
  },
};

function describeUnexpected(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { err: { name: err.name, message: err.message, stack: err.stack } };
  return { err: String(err) };
}

/** A GraphQLError with a code, for errors this layer raises itself. */
export function codedError(code: ErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** `error` with `code` in its extensions, unless it has a code already. */
export function withDefaultCode(error: GraphQLError, code: ErrorCode): GraphQLError {
  if (error.extensions['code'] !== undefined) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

/**
 * The client-safe form of `err`. GraphQLErrors pass through (they are ours or graphql-js's, both
 * safe); ByodaErrors keep code and message; the rest become BYODA_ERR_INTERNAL after being logged.
 */
export function toGraphQLError(err: unknown, logger: ErrorLogger = stderrLogger): GraphQLError {
  if (err instanceof GraphQLError) return err;
  if (isByodaError(err)) {
    const extensions = err.path ? { code: err.code, path: err.path } : { code: err.code };
    return new GraphQLError(err.message, { extensions });
  }
  logger.error(describeUnexpected(err), 'unexpected error in a GraphQL resolver');
  return codedError('BYODA_ERR_INTERNAL', INTERNAL_ERROR_MESSAGE);
}

/** A field resolver of the generated schema. */
export type Resolver<S, A, R> = (
  source: S,
  args: A,
  context: MembershipContext,
  info: GraphQLResolveInfo,
) => R;

/**
 * Wraps an async resolver so that whatever it rejects with is mapped by `toGraphQLError`. Every
 * resolver of the generated schema goes through this or `guardedSync`, so no error escapes unmapped.
 */
export function guarded<S, A, R>(resolve: Resolver<S, A, Promise<R>>): Resolver<S, A, Promise<R>> {
  return async (source, args, context, info) => {
    try {
      return await resolve(source, args, context, info);
    } catch (err) {
      throw toGraphQLError(err, context.logger);
    }
  };
}

/** `guarded` for synchronous resolvers (the per-field ones), which must not cost a promise each. */
export function guardedSync<S, A, R>(resolve: Resolver<S, A, R>): Resolver<S, A, R> {
  return (source, args, context, info) => {
    try {
      return resolve(source, args, context, info);
    } catch (err) {
      throw toGraphQLError(err, context.logger);
    }
  };
}
