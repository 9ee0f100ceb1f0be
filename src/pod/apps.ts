/**
 * The pod's two HTTPS apps (spec §4), each the shared server base (src/http: TLS, JSON errors, body
 * limit, rate limit) with its own routes:
 *
 * - web port: server TLS with the account cert `<account_id>.accounts.<net>`; the owner's API and the
 *   GraphQL endpoints, with the owner's JWT; CORS for the origins the contracts list (cors.ts);
 * - member port: mutual TLS for other pods and the service. Client certificates are requested (with the
 *   network root as the CA hint) but checked by the application, so anonymous clients get through to
 *   the firewall. Each membership's TLS cert is served to clients that ask for its FQDN (SNI); without
 *   SNI, or for another name, the first membership's cert (the account cert before any join).
 */
import cors from '@fastify/cors';
import type { FastifyCorsOptions } from '@fastify/cors';
import websocket from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import { handleProtocols } from 'graphql-ws';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { createClientIdentityVerifier, createHttpsServer, DEFAULT_BODY_LIMIT } from '../http/index.js';
import type { HttpsApp, RateLimitSetting } from '../http/index.js';
import { credentialTlsOptions } from '../pki/index.js';
import type { Credential } from '../pki/index.js';
import type { PodContext } from './context.js';
import { corsOptionsOf } from './routes/cors.js';
import { dataCertRoute } from './routes/data-cert-route.js';
import { graphqlRoutes } from './routes/graphql/graphql-route.js';
import { websocketErrorHandler } from './routes/graphql/graphql-ws-socket.js';
import type { Membership } from './memberships/membership.js';
import { memberRoutes } from './routes/member-routes.js';
import { dataRequester, rateLimitOwnerOf } from './auth/requester.js';
import { addRequestLog, quietFastifyLogger } from './routes/request-log.js';
import { webRoutes } from './routes/web-routes.js';
import { webAppRoutes } from './routes/web-app.js';

/** GraphQL requests and JSON bodies are small; 1 MiB bounds what one client can make a pod parse. */
export const POD_BODY_LIMIT = DEFAULT_BODY_LIMIT;

/**
 * WebSockets on either port carry graphql-ws only: messages up to the body limit, the subprotocol
 * graphql-ws speaks, and socket errors judged by routes/graphql/graphql-ws-socket.ts (a client's oversized
 * message is a warning, not the pod's error).
 */
function websocketOptions(pod: PodContext) {
  return {
    options: {
      maxPayload: POD_BODY_LIMIT,
      handleProtocols: (protocols: Set<string>) => handleProtocols(protocols),
    },
    errorHandler: websocketErrorHandler(pod.logger),
  };
}

/** `rateLimit`: the pod's limit (server.ts: start option, else environment); absent: the default. */
export function buildWebApp(pod: PodContext, rateLimit?: RateLimitSetting): HttpsApp {
  const app = createHttpsServer({
    tls: credentialTlsOptions(pod.accountTls),
    logger: quietFastifyLogger(pod.logger),
    bodyLimit: POD_BODY_LIMIT,
    kind: 'pod-web',
    ...metricsOf(pod),
    // Web clients present no certificate: the owner is counted by a valid token (its own, higher
    // limit), everyone else, invalid tokens included, by address.
    ...(rateLimit !== undefined ? { rateLimit } : {}),
    ownerOf: (request) => rateLimitOwnerOf(request, pod.tokens),
  });
  addRequestLog(app, pod.logger, 'web');
  // Other origins calling the data and owner APIs, as the memberships' contracts allow (cors.ts).
  // The callback form: the plugin takes a promise's answer a microtask later, on every request.
  void app.register(cors, {
    delegator: (
      request: FastifyRequest,
      answer: (err: Error | null, options: FastifyCorsOptions) => void,
    ) => {
      let options: FastifyCorsOptions;
      try {
        options = corsOptionsOf(pod, request);
      } catch (err) {
        answer(err instanceof Error ? err : new Error(String(err)), { origin: false });
        return;
      }
      answer(null, options);
    },
  });
  void app.register(websocket, websocketOptions(pod));
  void app.register(async (routes) => {
    webRoutes(routes, pod);
    dataCertRoute(routes, pod);
    webAppRoutes(routes, { accountId: pod.config.accountId }); // the owner's web app (web/dist) at / on the web port only
    graphqlRoutes(routes, {
      pod,
      port: 'web',
      requesterOf: (request, membership) =>
        dataRequester(request.headers.authorization, pod.tokens, pod.scopedTokens, membership.serviceId),
      tokenInConnectionInit: true,
      admitForwarded: false,
    });
  });
  return app;
}

/** Never CORS: browsers have no member certificate, so no web page calls this port. */
export function buildMemberApp(pod: PodContext, rateLimit?: RateLimitSetting): HttpsApp {
  const first = pod.memberships.list()[0];
  // Revoked members and services are refused per request, also on resumed TLS sessions.
  const clients = createClientIdentityVerifier(pod.rootCaPem, {
    isRevoked: (identity) => pod.revocations.has(identity),
  });
  const app = createHttpsServer({
    tls: { ...credentialTlsOptions(first?.tls ?? pod.accountTls), ca: pod.rootCaPem, requestCert: true },
    logger: quietFastifyLogger(pod.logger),
    bodyLimit: POD_BODY_LIMIT,
    kind: 'pod-member',
    ...metricsOf(pod),
    // Other pods and the service are counted each by its certificate.
    ...(rateLimit !== undefined ? { rateLimit } : {}),
    clientIdentityOf: (request) => clients.identityOf(request.raw.socket as TLSSocket),
  });
  addRequestLog(app, pod.logger, 'member');
  const server = app.server as unknown as TlsServer;
  clients.watch(server);
  for (const membership of pod.memberships.list()) serveMemberCert(server, membership);
  pod.memberships.onAdd((membership) => {
    serveMemberCert(server, membership);
    if (pod.memberships.list().length === 1) useDefaultCert(server, membership.tls, pod.rootCaPem);
  });
  void app.register(websocket, websocketOptions(pod));
  void app.register(async (routes) => memberRoutes(routes, pod, clients));
  return app;
}

/** Request metrics of both ports under the account's FQDN, when the pod records metrics. */
function metricsOf(pod: PodContext) {
  return pod.metrics ? { metrics: { registry: pod.metrics, fqdn: pod.fqdn } } : {};
}

/** SNI: clients that connect with servername = the member FQDN get that membership's cert. */
function serveMemberCert(server: TlsServer, membership: Membership): void {
  server.addContext(membership.fqdn, membership.secureContext);
}

function useDefaultCert(server: TlsServer, credential: Credential, rootCaPem: string): void {
  server.setSecureContext({ ...credentialTlsOptions(credential), ca: rootCaPem });
}
