/**
 * `GET /api/v1/pod/data-cert/service-<service_id>` (spec §4, §9), public on both ports: the
 * membership's data cert chain (PEM, leaf first, no root), with which anyone verifies data and origin
 * signatures of this member up to the network root.
 */
import type { FastifyInstance } from 'fastify';
import type { PodContext } from '../context.js';
import { ANONYMOUS } from '../auth/requester.js';
import { requestState } from './request-state.js';
import { parseServiceIdParam } from './route-params.js';
import type { ServiceParams } from './route-params.js';

export const DATA_CERT_PATH = '/api/v1/pod/data-cert/service-:serviceId';

const PEM_TYPE = 'application/x-pem-file';

export function dataCertRoute(app: FastifyInstance, pod: PodContext): void {
  app.get<{ Params: ServiceParams }>(DATA_CERT_PATH, async (request, reply) => {
    // Public: nobody needs to be identified, and the log line says so.
    requestState(request).requester ??= ANONYMOUS;
    const membership = pod.memberships.require(parseServiceIdParam(request.params.serviceId));
    return reply.type(PEM_TYPE).send(membership.data.chainPem);
  });
}
