/**
 * The directory's schema validator. Fastify's default Ajv settings coerce types (`"443"` becomes 443)
 * and silently drop properties a schema does not allow; at a trust boundary both hide client bugs and
 * let requests mean something other than what they say. This one validates as written, each schema
 * compiled on its route's first request (http's `compiledOnFirstUse`).
 */
import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { compiledOnFirstUse } from '../http/index.js';

export function strictValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const ajv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false });
  return compiledOnFirstUse(({ schema }) => ajv.compile(schema as object));
}
