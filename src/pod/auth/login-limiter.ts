/**
 * Rate limit for failed owner logins (spec §10): after `maxFailures` failures for one username or one
 * client address within `windowMs`, further attempts are refused (429 with a retry time) until the
 * window has passed. Keyed by both so that neither a single address guessing many accounts' passwords
 * nor many addresses guessing one account's password get far. A success clears the username's count.
 */
export interface LoginLimiterOptions {
  readonly maxFailures?: number;
  readonly windowMs?: number;
  readonly now?: () => number;
}

interface Window {
  failures: number[];
}

export class LoginLimiter {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  constructor(options: LoginLimiterOptions = {}) {
    this.#maxFailures = options.maxFailures ?? 5;
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Seconds until another attempt is allowed, or 0 when one is allowed now. */
  retryAfterSeconds(username: string, address: string): number {
    const now = this.#now();
    let wait = 0;
    for (const key of keys(username, address)) {
      const failures = this.#recent(key, now);
      if (failures.length >= this.#maxFailures) {
        const oldest = failures[failures.length - this.#maxFailures] ?? now;
        wait = Math.max(wait, Math.ceil((oldest + this.#windowMs - now) / 1000));
      }
    }
    return wait;
  }

  recordFailure(username: string, address: string): void {
    const now = this.#now();
    for (const key of keys(username, address)) {
      const window = this.#windows.get(key) ?? { failures: [] };
      window.failures = [...this.#recent(key, now), now];
      this.#windows.set(key, window);
    }
  }

  recordSuccess(username: string): void {
    this.#windows.delete(`user:${username}`);
  }

  #recent(key: string, now: number): number[] {
    const window = this.#windows.get(key);
    if (!window) return [];
    window.failures = window.failures.filter((at) => at > now - this.#windowMs);
    if (window.failures.length === 0) this.#windows.delete(key);
    return window.failures;
  }
}

function keys(username: string, address: string): string[] {
  return [`user:${username}`, `addr:${address}`];
}
