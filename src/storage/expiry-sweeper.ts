/**
 * Deletes expired records soon after they expire (spec §8: cached remote data must be gone after its
 * cache time). Stores already hide expired records from every read; the sweeper makes them leave the
 * disk too. Rather than polling, it sleeps until the store's next expiry, and wakes earlier when a
 * write sets an earlier one (`DataStore.onChange`).
 */
import { ByodaError } from '../errors/index.js';
import type { DataStore, StoreChange } from './types.js';

/** Past the expiry before sweeping: a timer may fire a little early relative to the clock we compare. */
const SLACK_MS = 5;
const DEFAULT_MAX_WAIT_MS = 60_000;
/** setTimeout treats longer delays as 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ExpirySweeperOptions {
  /** Clock the expiries are compared with; the store's own in production. */
  readonly now?: () => Date;
  /**
   * Longest sleep between sweeps while a record is to expire (default 60 s). A bound, not a period:
   * it covers clock changes. With nothing to expire the sweeper sleeps until a write sets an expiry;
   * expiries set behind the store's back (another process on the same file) are swept at the next
   * start or write.
   */
  readonly maxWaitMs?: number;
  /** Called after a sweep that deleted records, with how many. */
  readonly onSwept?: (count: number) => void;
  /** Called when a timed sweep fails; the sweeper tries again after `maxWaitMs`. */
  readonly onError?: (err: unknown) => void;
}

export interface ExpirySweeper {
  /** Clears the timer and unsubscribes; no sweep starts afterwards. Idempotent. */
  stop(): void;
  /** Sweeps at once (then reschedules); resolves to how many records went. For tests and admin. */
  sweepNow(): Promise<number>;
}

function checkMaxWait(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_WAIT_MS;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_TIMER_MS) {
    throw new ByodaError('BYODA_ERR_CONFIG', `maxWaitMs must be an integer from 1 to ${MAX_TIMER_MS}`);
  }
  return value;
}

/**
 * Starts sweeping `store`: once right away (a pod restarted after records expired deletes them at
 * once), then at each next expiry. Timers are unref'd: the sweeper never keeps a process alive. When
 * the store is closed the sweeper stops by itself; errors never escape a timer (see `onError`).
 */
export function startExpirySweeper(store: DataStore, options: ExpirySweeperOptions = {}): ExpirySweeper {
  const now = options.now ?? (() => new Date());
  const maxWaitMs = checkMaxWait(options.maxWaitMs);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (ms since the epoch); meaningful while `timer` is set. */
  let firesAt = Number.POSITIVE_INFINITY;
  // Sweeps run one after another: the promise of the last one queued.
  let queue: Promise<unknown> = Promise.resolve();

  const stop = (): void => {
    stopped = true;
    clearTimeout(timer);
    timer = undefined;
    unsubscribe();
  };

  /**
   * Wakes at `at` (ms since the epoch), or after maxWaitMs if that is sooner, unless the timer already
   * fires no later (so that a stream of writes never postpones a wake-up).
   */
  const arm = (at: number): void => {
    if (stopped) return;
    const current = now().getTime();
    const delay = Math.min(Math.max(at - current, 0), maxWaitMs);
    if (timer !== undefined && firesAt <= current + delay) return;
    clearTimeout(timer);
    firesAt = current + delay;
    timer = setTimeout(onTimer, delay);
    timer.unref();
  };

  const sweep = async (): Promise<number> => {
    if (stopped || store.closed) {
      stop();
      return 0;
    }
    const count = await store.deleteExpired(now());
    if (count > 0) options.onSwept?.(count);
    const next = await store.nextExpiry();
    // Nothing to expire: no timer at all until a write sets an expiry (onChange arms it then), so an
    // idle pod does not wake once a minute per membership for nothing.
    if (next !== null) arm(next.getTime() + SLACK_MS);
    return count;
  };

  const enqueue = (): Promise<number> => {
    const run = queue.then(sweep);
    queue = run.catch(() => undefined);
    return run;
  };

  const onTimer = (): void => {
    timer = undefined;
    firesAt = Number.POSITIVE_INFINITY;
    enqueue().catch((err: unknown) => {
      if (stopped || store.closed) return stop(); // closed under us between the check and the sweep
      arm(now().getTime() + maxWaitMs);
      try {
        options.onError?.(err);
      } catch {
        // A failing error reporter must not become an unhandled rejection in a timer.
      }
    });
  };

  const onChange = (change: StoreChange): void => {
    if (change.expiresAt) arm(change.expiresAt.getTime() + SLACK_MS);
  };
  const unsubscribe = store.onChange(onChange);

  arm(now().getTime()); // the first sweep, right away (on a timer: never inside the caller's stack)
  return {
    stop,
    sweepNow: () => enqueue(),
  };
}
