/**
 * Fills the search index (spec §4, §6: "the service's collection for its search API needs `search`"):
 * for one member at a time, `GET /api/v1/pod/search-data/service-<S>` on its pod over mutual TLS with
 * the service TLS cert (src/federation's peer pool: the pod is found through the directory's DNS, A +
 * SRV, and must present the member TLS cert of that member), then that member's rows are replaced.
 *
 * - **When.** A pod's nudge (`POST /api/v1/service/search/refresh`), every known member at start, and
 *   every member again each `searchRefreshMs`. A nudge carries no data: the service takes only what the
 *   pod's firewall grants it, and only what the contract it publishes makes searchable.
 * - **Bounded.** At most `concurrency` pods at a time; a member asked for while being collected is
 *   collected once more afterwards (its data may have changed meanwhile), never twice at once.
 * - **Failures.** A pod that answers 404 (no such membership any more) is removed from the index; an
 *   unreachable pod, or one that answers nonsense, keeps its rows (logged): it may be restarting. Not
 *   for ever: rows last collected more than `staleAfterMs` ago (default a day) go at the next failed
 *   collection, so a member whose pod is gone is not found by its email indefinitely.
 */
import type { Logger } from 'pino';
import type { Contract } from '../contract/index.js';
import { ByodaError, isByodaError } from '../errors/index.js';
import type { PeerClient } from '../federation/index.js';
import type { SearchIndex, SearchRow } from './search-store/search-index.js';
import { MAX_INDEXED_VALUE_LENGTH, searchableClasses, searchDataPath, searchText } from './search-values.js';

/** Pods collected at the same time. */
export const DEFAULT_SEARCH_CONCURRENCY = 4;

/** Default interval of the full refresh: a missed nudge is made up for within minutes. */
export const DEFAULT_SEARCH_REFRESH_MS = 5 * 60_000;

/** Environment variable that sets the full refresh interval (tests use a short one). */
export const SEARCH_REFRESH_ENV = 'BYODA_SEARCH_REFRESH_MS';

/**
 * Least time between the starts of two collections of one member: nudges within it are merged into one
 * collection at its end, so a member nudging in a loop costs a collection every few seconds, not a
 * collection slot for good.
 */
export const DEFAULT_SEARCH_MIN_INTERVAL_MS = 2000;

/** How long an unreachable pod's values stay searchable after they were last collected. */
export const DEFAULT_SEARCH_STALE_AFTER_MS = 24 * 60 * 60_000;

/** Most values kept per member: the pod sends at most 10,000 records per class, each a few values. */
export const MAX_VALUES_PER_MEMBER = 50_000;

export interface SearchCollectorOptions {
  /** GETs on a member's pod (the peer pool with the service TLS credential). */
  readonly peers: Pick<PeerClient, 'getText'>;
  readonly index: SearchIndex;
  readonly serviceId: number;
  /** The latest published contract: what it makes searchable is all that is indexed. */
  readonly contract: () => Promise<Contract | undefined>;
  readonly logger: Logger;
  readonly concurrency?: number;
  /** Values last collected longer ago than this are dropped when the pod cannot be reached. */
  readonly staleAfterMs?: number;
  /** See DEFAULT_SEARCH_MIN_INTERVAL_MS. */
  readonly minIntervalMs?: number;
  readonly now?: () => number;
}

export class SearchCollector {
  readonly #options: SearchCollectorOptions;
  readonly #concurrency: number;
  #pending: string[] = [];
  readonly #queued = new Set<string>();
  readonly #running = new Set<string>();
  readonly #again = new Set<string>();
  readonly #inFlight = new Set<Promise<void>>();
  /** When each member's last collection started (ms), and the timers of requests deferred until later. */
  readonly #lastStarted = new Map<string, number>();
  readonly #deferred = new Map<string, NodeJS.Timeout>();
  #idleWaiters: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Aborted at stop: a hung pod must not delay the service's stop. */
  readonly #abort = new AbortController();

  constructor(options: SearchCollectorOptions) {
    this.#options = options;
    this.#concurrency = Math.max(1, options.concurrency ?? DEFAULT_SEARCH_CONCURRENCY);
  }

  /** Collects `memberId` soon; once more after the current collection when one is running. */
  request(memberId: string): void {
    if (this.#stopped) return;
    const id = memberId.toLowerCase();
    if (this.#running.has(id)) {
      this.#again.add(id);
      return;
    }
    if (this.#queued.has(id) || this.#deferred.has(id)) return;
    const wait = this.#sinceLast(id);
    if (wait > 0) {
      const timer = setTimeout(() => {
        this.#deferred.delete(id);
        this.request(id);
      }, wait);
      timer.unref();
      this.#deferred.set(id, timer);
      return;
    }
    this.#queued.add(id);
    this.#pending.push(id);
    this.#pump();
  }

  /** Collects every member now and then every `intervalMs` (a timer that does not keep Node alive). */
  start(listMembers: () => readonly string[], intervalMs: number): void {
    const sweep = (): void => {
      for (const memberId of listMembers()) this.request(memberId);
    };
    sweep();
    this.#timer = setInterval(sweep, intervalMs);
    this.#timer.unref();
  }

  /** Resolves once nothing is queued or running (for tests and an orderly stop). */
  whenIdle(): Promise<void> {
    if (this.#running.size === 0 && this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** No new collections; waits for the running ones (which write nothing once stopped). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort(new Error('the service is stopping'));
    clearInterval(this.#timer);
    for (const timer of this.#deferred.values()) clearTimeout(timer);
    this.#deferred.clear();
    this.#pending = [];
    this.#queued.clear();
    this.#again.clear();
    await Promise.allSettled([...this.#inFlight]);
    this.#notifyIdle();
  }

  #pump(): void {
    while (!this.#stopped && this.#running.size < this.#concurrency) {
      const memberId = this.#pending.shift();
      if (memberId === undefined) break;
      this.#queued.delete(memberId);
      this.#running.add(memberId);
      this.#lastStarted.set(memberId, this.#now());
      const run: Promise<void> = this.#collect(memberId).finally(() => {
        this.#running.delete(memberId);
        this.#inFlight.delete(run);
        if (this.#again.delete(memberId)) this.request(memberId);
        this.#pump();
        if (this.#running.size === 0 && this.#pending.length === 0) this.#notifyIdle();
      });
      this.#inFlight.add(run);
    }
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Milliseconds until `memberId` may be collected again (0: now). */
  #sinceLast(memberId: string): number {
    const last = this.#lastStarted.get(memberId);
    if (last === undefined) return 0;
    const minInterval = this.#options.minIntervalMs ?? DEFAULT_SEARCH_MIN_INTERVAL_MS;
    return Math.max(0, last + minInterval - this.#now());
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  /** Whether `memberId`'s indexed values are older than the options allow keeping without a refresh. */
  async #stale(memberId: string): Promise<boolean> {
    const collectedAt = await this.#options.index.collectedAt(memberId);
    if (collectedAt === undefined) return false;
    return (
      this.#now() - Date.parse(collectedAt) > (this.#options.staleAfterMs ?? DEFAULT_SEARCH_STALE_AFTER_MS)
    );
  }

  /** One member's collection; every failure is logged here, never thrown. */
  async #collect(memberId: string): Promise<void> {
    const { peers, index, serviceId, logger } = this.#options;
    const log = logger.child({ member_id: memberId });
    try {
      const contract = await this.#options.contract();
      if (!contract) return;
      let text: string;
      try {
        text = await peers.getText(memberId, searchDataPath(serviceId), { signal: this.#abort.signal });
      } catch (err) {
        if (this.#stopped) return;
        if (isMembershipGone(err)) {
          const removed = await index.removeMember(memberId);
          log.info({ removed }, 'search data: the pod has no such membership; member removed from the index');
          return;
        }
        if (await this.#stale(memberId)) {
          await index.removeMember(memberId);
          log.warn(
            { reason: reasonOf(err) },
            'search data: pod not reached, and its values are too old to keep; member removed from the index',
          );
          return;
        }
        log.warn({ reason: reasonOf(err) }, 'search data: pod not reached; its indexed values are kept');
        return;
      }
      const data = readSearchData(text, memberId, contract);
      if (this.#stopped) return;
      await index.replaceMember(memberId, data.contractVersion, data.rows);
      log.info({ contract_version: data.contractVersion, values: data.rows.length }, 'search data collected');
    } catch (err) {
      if (!this.#stopped) log.warn({ reason: reasonOf(err) }, 'search data: refused; indexed values kept');
    }
  }
}

/**
 * The peer pool turns a non-2xx answer into BYODA_ERR_UNREACHABLE "the pod answered <status>"; a 404
 * is the pod saying that it has no membership of this service (any more). The message is the only
 * place the status survives, so a unit test pins it (test/unit/service/search.test.ts).
 */
export function isMembershipGone(err: unknown): boolean {
  return isByodaError(err) && err.code === 'BYODA_ERR_UNREACHABLE' && /answered 404$/.test(err.message);
}

export interface CollectedSearchData {
  readonly contractVersion: number;
  readonly rows: readonly SearchRow[];
}

/**
 * A pod's answer, `{member_id, contract_version, classes: {<class>: [{<field>: <scalar>}]}}`, as index
 * rows: only classes and fields that `contract` makes searchable by the service, only scalar values
 * with text (search-values.ts), each at most MAX_INDEXED_VALUE_LENGTH long and without NUL, at most
 * MAX_VALUES_PER_MEMBER in all. An answer of another member, or of the wrong shape, is refused.
 */
export function readSearchData(text: string, memberId: string, contract: Contract): CollectedSearchData {
  const body = parseObject(text);
  if (typeof body['member_id'] !== 'string' || body['member_id'].toLowerCase() !== memberId.toLowerCase()) {
    throw refused('member_id is not the member asked');
  }
  const version = body['contract_version'];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    throw refused('contract_version is not a whole number');
  }
  const classes = body['classes'];
  if (!isObject(classes)) throw refused('classes is not an object');
  const rows: SearchRow[] = [];
  for (const [className, fields] of searchableClasses(contract)) {
    const records = classes[className];
    if (records === undefined) continue;
    if (!Array.isArray(records)) throw refused(`classes.${className} is not a list`);
    for (const record of records as unknown[]) {
      if (!isObject(record)) throw refused(`a record of classes.${className} is not an object`);
      for (const { field } of fields) {
        const value = searchText(record[field.name]);
        if (!indexable(value)) continue;
        if (rows.length >= MAX_VALUES_PER_MEMBER) return { contractVersion: version, rows };
        rows.push({ className, field: field.name, value });
      }
    }
  }
  return { contractVersion: version, rows };
}

/**
 * Whether a value is kept: not empty, not longer than MAX_INDEXED_VALUE_LENGTH, and without a NUL
 * character, which PostgreSQL's text cannot hold (skipped on SQLite too, so both indexes hold the same).
 */
function indexable(value: string | undefined): value is string {
  return (
    value !== undefined &&
    value !== '' &&
    value.length <= MAX_INDEXED_VALUE_LENGTH &&
    !value.includes('\u0000')
  );
}

function parseObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refused('the answer is not JSON');
  }
  if (!isObject(value)) throw refused('the answer is not a JSON object');
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refused(reason: string): ByodaError {
  return new ByodaError('BYODA_ERR_UNREACHABLE', `the pod's search data is invalid: ${reason}`);
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
