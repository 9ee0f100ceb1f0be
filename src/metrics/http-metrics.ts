/**
 * Request metrics of one HTTPS server (src/http records them in its `onResponse` hook). The route
 * label is the route's template (`/api/v1/data/service-:serviceId`), never the raw path, and requests
 * no route matched share one label: a client sending random paths cannot grow the metrics.
 */
import type { MetricsRegistry } from './metrics-registry.js';

/** The route label of requests no route matched (404s, refusals before routing). */
export const UNMATCHED_ROUTE = '(unmatched)';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Which server records: its kind and its TLS name. */
export interface HttpMetricsLabels {
  readonly server: string;
  readonly fqdn: string;
}

export interface AnsweredRequest {
  readonly method: string;
  /** The matched route's template; undefined when none matched. */
  readonly route: string | undefined;
  readonly status: number;
  readonly seconds: number;
}

/** One histogram observe and one counter increment: cheap enough for every request. */
export function observeRequest(
  metrics: MetricsRegistry,
  labels: HttpMetricsLabels,
  request: AnsweredRequest,
): void {
  const method = METHODS.has(request.method) ? request.method : 'OTHER';
  const route = request.route ?? UNMATCHED_ROUTE;
  const base = { server: labels.server, fqdn: labels.fqdn, method, route };
  metrics.httpRequests.inc({ ...base, status: String(request.status) });
  metrics.httpDuration.observe(base, request.seconds);
}
