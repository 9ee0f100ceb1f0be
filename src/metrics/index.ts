/** The operator's Prometheus metrics: the registry servers record into, and its own listener. */
export { MetricsRegistry } from './metrics-registry.js';
export type { MeasuredCertificate, MeasuredDatabase, MetricsSource } from './metrics-registry.js';
export { observeRequest, UNMATCHED_ROUTE } from './http-metrics.js';
export type { AnsweredRequest, HttpMetricsLabels } from './http-metrics.js';
export { federationEvents } from './federation-metrics.js';
export type { FanOutEvents } from './federation-metrics.js';
export { checkListenOptions, METRICS_PATH, startMetricsListener } from './metrics-listener.js';
export type { MetricsListener, MetricsListenOptions } from './metrics-listener.js';
