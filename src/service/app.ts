/**
 * The service's HTTPS app: the shared server base (src/http: TLS, JSON errors, body and rate limits) with the
 * service TLS cert, client certificates requested but checked per route, and the service's routes.
 */
import type { TLSSocket } from 'node:tls';
import { createHttpsServer } from '../http/index.js';
import type { HttpsApp, RateLimitSetting } from '../http/index.js';
import type { MetricsRegistry } from '../metrics/index.js';
import { credentialTlsOptions } from '../pki/index.js';
import type { ServiceContext } from './context.js';
import { addRequestLog, quietFastifyLogger } from './request-log.js';
import { certRoutes } from './routes/cert-routes.js';
import { contractRoutes } from './routes/contract-routes.js';
import { memberRoutes } from './routes/member-routes.js';
import { searchRoutes } from './routes/search-routes.js';
import { useStrictValidation } from './routes/validation.js';

/** Bodies are a CSR and two small fields; 64 KiB leaves room and bounds what a client can send. */
export const SERVICE_BODY_LIMIT = 64 * 1024;

/** `rateLimit`: the service's limit (server.ts: start option, else environment); absent: the default. */
export function buildServiceApp(
  context: ServiceContext,
  rateLimit?: RateLimitSetting,
  metrics?: { readonly registry: MetricsRegistry; readonly fqdn: string },
): HttpsApp {
  const app = createHttpsServer({
    tls: { ...credentialTlsOptions(context.pki.tls), ca: context.pki.rootCaPem, requestCert: true },
    logger: quietFastifyLogger(context.logger),
    bodyLimit: SERVICE_BODY_LIMIT,
    kind: 'service',
    ...(metrics ? { metrics } : {}),
    // Pods are counted each by its member certificate, anonymous clients by address.
    ...(rateLimit !== undefined ? { rateLimit } : {}),
    clientIdentityOf: (request) => context.clients.identityOf(request.raw.socket as TLSSocket),
  });
  context.clients.watch(app.server);
  addRequestLog(app, context.logger);
  void app.register(async (routes) => {
    useStrictValidation(routes);
    contractRoutes(routes, context);
    certRoutes(routes, context);
    memberRoutes(routes, context);
    searchRoutes(routes, context);
  });
  return app;
}
