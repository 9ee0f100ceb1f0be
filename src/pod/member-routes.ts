/**
 * The member port's routes (spec §4): the public data cert and each membership's GraphQL endpoint,
 * where the requester comes from the client certificate (mutual TLS), never from a token.
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import type { ClientVerifier } from './client-verifier.js';
import type { PodContext } from './context.js';
import { dataCertRoute } from './data-cert-route.js';
import { graphqlRoutes } from './graphql-route.js';
import { memberPortRequester } from './requester.js';

export function memberRoutes(app: FastifyInstance, pod: PodContext, verifier: ClientVerifier): void {
  dataCertRoute(app, pod);
  graphqlRoutes(app, {
    pod,
    port: 'member',
    requesterOf: async (request, membership) =>
      memberPortRequester(await verifier.identify(request.raw.socket as TLSSocket), membership),
    tokenInConnectionInit: false,
  });
}
