/**
 * `GET /api/v1/pod/capabilities/service-<id>` (owner only, docs/protocol.md "Owner capabilities"):
 * what the membership's contract lets the owner do with each class, so that the web app offers only
 * the forms and buttons the pod will accept. Derived from the verified contract the pod runs.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ownerCapabilities } from '../../contract/index.js';
import type { PodContext } from '../context.js';
import { parseServiceIdParam } from './route-params.js';
import type { ServiceParams } from './route-params.js';

export const CAPABILITIES_PATH = '/api/v1/pod/capabilities/service-:serviceId';

export function capabilitiesRoute(
  app: FastifyInstance,
  pod: PodContext,
  ownerOnly: (request: FastifyRequest) => Promise<void>,
): void {
  app.get<{ Params: ServiceParams }>(CAPABILITIES_PATH, { onRequest: ownerOnly }, async (request) => {
    const membership = pod.memberships.require(parseServiceIdParam(request.params.serviceId));
    const capabilities = ownerCapabilities(membership.contract);
    return {
      service_id: capabilities.serviceId,
      service_name: capabilities.serviceName,
      description: capabilities.description ?? null,
      contract_version: membership.contract.version,
      max_query_depth: capabilities.maxQueryDepth,
      classes: capabilities.classes.map((c) => ({
        name: c.name,
        kind: c.kind,
        description: c.description ?? null,
        actions: c.actions,
        managed_by_pod: c.managedByPod,
        fields: c.fields,
        formats: c.formats,
        enums: c.enums,
      })),
    };
  });
}
