/**
 * `GET /api/v1/service/contract[?version=N]` (spec §4-5): the signed contract, the latest version or
 * the one asked for, exactly as stored (both signatures included, so pods verify it themselves).
 */
import type { FastifyInstance } from 'fastify';
import { ByodaError } from '../../errors/index.js';
import type { ServiceContext } from '../context.js';
import { VERSION_TEXT } from './validation.js';

export const CONTRACT_PATH = '/api/v1/service/contract';

interface ContractQuery {
  version?: string;
}

const querySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { version: { type: 'string', pattern: VERSION_TEXT } },
} as const;

export function contractRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get<{ Querystring: ContractQuery }>(
    CONTRACT_PATH,
    { schema: { querystring: querySchema } },
    async (request, reply) => {
      const { version } = request.query;
      const stored =
        version === undefined
          ? await context.contracts.latest()
          : await context.contracts.get(Number(version));
      if (!stored) {
        throw new ByodaError(
          'BYODA_ERR_NOT_FOUND',
          version === undefined ? 'no contract has been published' : `no contract version ${version}`,
        );
      }
      return reply.type('application/json; charset=utf-8').send(stored.json);
    },
  );
}
