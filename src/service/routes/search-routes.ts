/**
 * `GET /api/v1/service/search/<class>` (spec §4): search over data members expose with `search`. Not
 * offered yet: a known class answers 501 so that a client can tell "later" from "no such class" (404).
 */
import type { FastifyInstance } from 'fastify';
import { ByodaError } from '../../errors/index.js';
import { findClass } from '../../contract/index.js';
import type { ServiceContext } from '../context.js';
import { replyWithError } from '../request-log.js';

export const SEARCH_PATH = '/api/v1/service/search/:class';

interface SearchParams {
  class: string;
}

const paramsSchema = {
  type: 'object',
  required: ['class'],
  properties: { class: { type: 'string', pattern: '^[_A-Za-z][_0-9A-Za-z]{0,127}$' } },
} as const;

export function searchRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get<{ Params: SearchParams }>(
    SEARCH_PATH,
    { schema: { params: paramsSchema } },
    async (request, reply) => {
      const latest = await context.contracts.latest();
      const name = request.params.class;
      if (!latest || !findClass(latest.contract, name)) {
        throw new ByodaError('BYODA_ERR_NOT_FOUND', `the contract has no data class '${name}'`);
      }
      const notYet = new ByodaError(
        'BYODA_ERR_NOT_IMPLEMENTED',
        `search over '${name}' is not implemented yet`,
      );
      return replyWithError(request, reply, notYet);
    },
  );
}
