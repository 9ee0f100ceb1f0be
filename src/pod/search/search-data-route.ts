/**
 * `GET /api/v1/pod/search-data/service-<service_id>` on the member port (our name, docs/protocol.md
 * "Search"): the membership's search data (search-data.ts) for the service of that membership only,
 * which proves itself with its service TLS cert (mutual TLS; src/pod/auth/requester.ts makes it the
 * `service` requester). Unknown membership: 404. Anyone else: 403, the owner's own cert included
 * (the owner reads the data itself through GraphQL), and a certificate of another service.
 */
import type { FastifyInstance } from 'fastify';
import { ByodaError } from '../../errors/index.js';
import type { ClientIdentityVerifier } from '../../http/index.js';
import type { PodContext } from '../context.js';
import { memberPortIdentity, memberPortRequester } from '../auth/requester.js';
import { requestState } from '../routes/request-state.js';
import { parseServiceIdParam } from '../routes/route-params.js';
import type { ServiceParams } from '../routes/route-params.js';
import { collectSearchData } from './search-data.js';

export const SEARCH_DATA_PATH = '/api/v1/pod/search-data/service-:serviceId';

export function searchDataRoute(
  app: FastifyInstance,
  pod: PodContext,
  clients: ClientIdentityVerifier,
): void {
  app.get<{ Params: ServiceParams }>(SEARCH_DATA_PATH, async (request) => {
    const state = requestState(request);
    const membership = pod.memberships.require(parseServiceIdParam(request.params.serviceId));
    state.membership = membership;
    const requester = await memberPortRequester(await memberPortIdentity(clients, request), membership);
    state.requester = requester;
    if (requester.kind !== 'service') {
      throw new ByodaError(
        'BYODA_ERR_FORBIDDEN',
        `only the service ${membership.serviceId} (its service TLS certificate) may collect this membership's search data`,
      );
    }
    return collectSearchData(membership.store, membership.contract, membership.memberId);
  });
}
