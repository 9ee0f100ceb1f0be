/**
 * The certificates a pod needs to verify a contract's signatures (spec §5): the service data cert chain
 * and, for convenience, the network data cert chain the service got from the directory (a pod may also
 * fetch it from the directory itself). Both are public, PEM, leaf first, without the root.
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.js';

export const DATA_CERT_PATH = '/api/v1/service/data-cert';
export const NETWORK_DATA_CERT_PATH = '/api/v1/service/network-data-cert';

const PEM_TYPE = 'application/x-pem-file';

export function certRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get(DATA_CERT_PATH, async (_request, reply) => reply.type(PEM_TYPE).send(context.pki.data.chainPem));
  app.get(NETWORK_DATA_CERT_PATH, async (_request, reply) =>
    reply.type(PEM_TYPE).send(context.networkDataChainPem),
  );
}
