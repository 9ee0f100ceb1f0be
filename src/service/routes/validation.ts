/**
 * Request validation for the service's routes: a strict Ajv of our own instead of fastify's default,
 * which would silently drop unknown body keys and coerce `"80"` into 80. A request with a key we do not
 * know or a value of the wrong type is refused with 400 naming the field (http's `toByodaError`).
 */
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { compiledOnFirstUse } from '../../http/index.js';

export function useStrictValidation(app: FastifyInstance): void {
  const ajv = new Ajv({ removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false });
  // Each schema compiled on its route's first request, not at the start (http's `compiledOnFirstUse`).
  app.setValidatorCompiler(compiledOnFirstUse(({ schema }) => ajv.compile(schema as object)));
}

/** A whole number in canonical decimal, as a query-string value (query values are always strings). */
export const VERSION_TEXT = '^(0|[1-9][0-9]{0,9})$';
