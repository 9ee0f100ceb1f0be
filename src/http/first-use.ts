/**
 * A route's request validator that compiles its schema on the route's first request instead of at the
 * server's start. Fastify compiles every route's schemas when the server gets ready, and Ajv's compile
 * (code generation, then `new Function`) was a fifth of a directory process's start: most routes of a
 * server started by a test, or one that runs a short while, never see a request. The validation is
 * the same function once compiled, so a bad request gets the same 400 naming the same field.
 */
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';

/** What fastify reads of a validator: it is called, and `errors` says why it answered false. */
interface Validator {
  (data: unknown, context?: unknown): unknown;
  errors?: FastifySchemaValidationError[] | null | undefined;
  /** Ajv's: fastify then passes the parent object, so that coercion can replace a root value. */
  schemaEnv?: unknown;
}

/**
 * `compile` wrapped so that each schema is compiled when its route first validates a request. A
 * schema that does not compile fails that request (500) instead of the start; the schemas are
 * constants of the sources, each compiled by the tests of its route.
 */
export function compiledOnFirstUse<T>(compile: FastifySchemaCompiler<T>): FastifySchemaCompiler<T> {
  return (route) => {
    let compiled: Validator | undefined;
    const validator = (): Validator => (compiled ??= compile(route) as Validator);
    const validate: Validator = (data, context) => {
      const fn = validator();
      const outcome = context === undefined ? fn(data) : fn(data, context);
      validate.errors = fn.errors;
      return outcome;
    };
    Object.defineProperty(validate, 'schemaEnv', { get: () => validator().schemaEnv });
    return validate as ReturnType<FastifySchemaCompiler<T>>;
  };
}
