/**
 * Federation metrics of one pod: the `FanOutObserver` src/federation calls as it forwards queries
 * (spec §8), recorded under the pod's FQDN.
 */
import type { MetricsRegistry } from './metrics-registry.js';

/** What src/federation reports; its own interface, so federation does not depend on metrics. */
export interface FanOutEvents {
  /** A query is sent on to `targets` pods (`remote`: one member; `recursive`: linked pods). */
  fanOut(mode: 'remote' | 'recursive', targets: number): void;
  /** One pod answered (or failed) after `seconds`. */
  peerAnswered(outcome: 'ok' | 'error' | 'timeout', seconds: number): void;
}

export function federationEvents(metrics: MetricsRegistry, fqdn: string): FanOutEvents {
  return {
    fanOut(mode, targets) {
      metrics.fanOuts.inc({ fqdn, mode });
      metrics.fanOutTargets.observe({ fqdn, mode }, targets);
    },
    peerAnswered(outcome, seconds) {
      metrics.peerRequests.inc({ fqdn, outcome });
      metrics.peerDuration.observe({ fqdn }, seconds);
    },
  };
}
