/**
 * Tells the service when a membership's searchable data changed (docs/protocol.md "Search"): after a
 * write to a class with a field that grants the service `search` (the store's change notifications),
 * debounced by SEARCH_NUDGE_DEBOUNCE_MS so that a burst of writes is one nudge, the pod sends
 * `POST /api/v1/service/search/refresh` to the service, found through the directory's DNS like a
 * join does, over mutual TLS with the membership's member TLS cert. The nudge carries no data: the
 * service then collects through `GET /api/v1/pod/search-data/service-<S>`, where the firewall decides
 * what it gets. Also once per membership when the pod starts and when it joins. Failures are logged,
 * never thrown: the service also collects every member periodically.
 */
import type { Logger } from 'pino';
import type { Agent } from 'undici';
import { createTlsAgent, requestJson } from '../../network/index.js';
import type { DataStore, StoreChange } from '../../storage/index.js';
import type { PodContext } from '../context.js';
import type { Membership } from '../memberships/membership.js';
import { searchableClasses } from './search-data.js';
import { locateService } from '../memberships/service-locator.js';

/** The service's route for a nudge (src/service/routes/search-routes.ts). */
export const SEARCH_REFRESH_PATH = '/api/v1/service/search/refresh';

/** Writes within this many milliseconds of the first make one nudge. */
export const SEARCH_NUDGE_DEBOUNCE_MS = 200;

const NUDGE_TIMEOUT_MS = 10_000;

/** The nudges of every membership of a running pod; `stop()` ends them. */
export class SearchNudges {
  readonly #pod: PodContext;
  readonly #watchers: SearchNudger[] = [];
  /** Connections of the nudges in flight, cut at stop so that a hung service cannot delay it. */
  readonly #agents = new Set<Agent>();
  #stopped = false;

  constructor(pod: PodContext) {
    this.#pod = pod;
  }

  /** Watches every membership, and each one joined later; each is nudged once now. */
  start(): void {
    for (const membership of this.#pod.memberships.list()) this.#watch(membership);
    this.#pod.memberships.onAdd((membership) => {
      if (!this.#stopped) this.#watch(membership);
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#agents].map((agent) => agent.destroy()));
    await Promise.all(this.#watchers.map((watcher) => watcher.stop()));
  }

  #watch(membership: Membership): void {
    const nudger = new SearchNudger(
      membership,
      () => nudgeService(this.#pod, membership, this.#agents),
      this.#pod.logger,
    );
    this.#watchers.push(nudger);
    nudger.nudgeSoon();
  }
}

/** What a nudger needs of a membership. */
export type NudgedMembership = Pick<Membership, 'serviceId' | 'contract'> & {
  readonly store: Pick<DataStore, 'onChange'>;
};

/** One membership's debounced nudges: at most one in flight, and one more if writes came meanwhile. */
export class SearchNudger {
  readonly #membership: NudgedMembership;
  readonly #send: () => Promise<void>;
  readonly #logger: Logger;
  readonly #unsubscribe: () => void;
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(membership: NudgedMembership, send: () => Promise<void>, logger: Logger) {
    this.#membership = membership;
    this.#send = send;
    this.#logger = logger;
    this.#unsubscribe = membership.store.onChange((change) => this.#onChange(change));
  }

  nudgeSoon(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#fire();
    }, SEARCH_NUDGE_DEBOUNCE_MS);
  }

  /** Resolves once no nudge is waiting or being sent (for tests and an orderly stop). */
  async whenIdle(): Promise<void> {
    while (this.#timer !== undefined || this.#sending !== undefined) {
      await (this.#sending ?? new Promise((resolve) => setTimeout(resolve, SEARCH_NUDGE_DEBOUNCE_MS)));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#sending;
  }

  /** Computed per change from the current contract, so an upgrade that adds a search grant counts. */
  #onChange(change: StoreChange): void {
    if (searchableClasses(this.#membership.contract).has(change.className)) this.nudgeSoon();
  }

  #fire(): void {
    if (this.#stopped) return;
    if (this.#sending) {
      this.#again = true;
      return;
    }
    this.#sending = this.#send()
      .catch((err: unknown) => {
        this.#logger.warn(
          {
            service_id: this.#membership.serviceId,
            reason: err instanceof Error ? err.message : String(err),
          },
          'search refresh: the service was not told',
        );
      })
      .finally(() => {
        this.#sending = undefined;
        if (this.#again) {
          this.#again = false;
          this.nudgeSoon();
        }
      });
  }
}

/** One nudge: find the service through the directory's DNS and POST with the member TLS cert. */
async function nudgeService(pod: PodContext, membership: Membership, agents: Set<Agent>): Promise<void> {
  const location = await locateService(pod.resolver, pod.config.network, membership.serviceId);
  const agent = createTlsAgent({
    rootCaPem: pod.rootCaPem,
    servername: location.fqdn,
    credential: membership.tls,
    timeoutMs: NUDGE_TIMEOUT_MS,
  });
  agents.add(agent);
  try {
    await requestJson(agent, new URL(SEARCH_REFRESH_PATH, location.url), { method: 'POST' });
    pod.logger.info({ service_id: membership.serviceId }, 'search refresh: the service was told');
  } finally {
    agents.delete(agent);
    await agent.close();
  }
}
