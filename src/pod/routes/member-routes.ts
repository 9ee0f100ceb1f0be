/**
 * The member port's routes (spec §4): the public data cert and each membership's GraphQL endpoint,
 * where the requester comes from the client certificate (mutual TLS), never from a token, and where
 * other pods' forwarded queries arrive (spec §8).
 */
import type { FastifyInstance } from 'fastify';
import type { ClientIdentityVerifier } from '../../http/index.js';
import type { PodContext } from '../context.js';
import { dataCertRoute } from './data-cert-route.js';
import { graphqlRoutes } from './graphql/graphql-route.js';
import { memberPortIdentity, memberPortRequester } from '../auth/requester.js';
import { searchDataRoute } from '../search/search-data-route.js';

export function memberRoutes(app: FastifyInstance, pod: PodContext, clients: ClientIdentityVerifier): void {
  dataCertRoute(app, pod);
  searchDataRoute(app, pod, clients); // what the service may collect for its search (spec §4, §6)
  graphqlRoutes(app, {
    pod,
    port: 'member',
    requesterOf: async (request, membership) =>
      memberPortRequester(await memberPortIdentity(clients, request), membership),
    tokenInConnectionInit: false,
    // spec §8: other pods' forwarded queries are checked (origin signature, query id) before they run.
    admitForwarded: true,
  });
}
