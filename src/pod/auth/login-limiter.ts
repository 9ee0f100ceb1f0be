/**
 * Limits on guessing the owner's password (spec §10), designed so that a stranger cannot lock the owner
 * out (docs/protocol.md, "Owner login and its limits"):
 *
 * - per client address (IPv6 by its /64): a few free failures, then an exponential backoff between
 *   attempts, up to a cap. A success clears that client. A stranger's failures only ever slow the
 *   stranger's own address.
 * - per account: once many failures have come in from anywhere, attempts from clients the owner has not
 *   logged in from before are spaced out, at most a few seconds apart. This bounds the total guessing
 *   rate of an attacker with many addresses; it slows, it never locks, and clients that have logged in
 *   successfully before (the owner's own) are not held by it at all.
 *
 * An attempt is counted (as a failure) when it begins, before the slow password hash, so that concurrent
 * guesses cannot all pass the check while the first hashes run; a success then clears what it counted.
 * The state lives in account.db (account-store.ts), so that a restart does not reset it.
 */
export interface LoginClientState {
  /** Failures in a row from this client (a success clears them). */
  readonly failures: number;
  readonly lastFailureMs: number;
  /** No attempt from this client before this time. */
  readonly blockedUntilMs: number;
  /** The last successful login from this client; null for none. */
  readonly lastSuccessMs: number | null;
}

export interface LoginAccountState {
  /** Failures from any client since the last success or the last quiet hour. */
  readonly failures: number;
  readonly lastFailureMs: number;
  /** No attempt from an unknown client before this time. */
  readonly nextAttemptMs: number;
}

/** Where the limiter keeps its state (AccountStore: account.db). Calls are synchronous, so atomic. */
export interface LoginLedger {
  loginClient(client: string): LoginClientState | undefined;
  putLoginClient(client: string, state: LoginClientState): void;
  loginAccount(): LoginAccountState | undefined;
  putLoginAccount(state: LoginAccountState): void;
  /** Forgets clients with neither a failure since `failedSince` nor a success since `succeededSince`. */
  forgetLoginClients(failedSince: number, succeededSince: number): void;
  /** Runs `work` in one transaction. */
  atomically<T>(work: () => T): T;
}

export interface LoginPolicy {
  /** The failure in a row after which a client first has to wait (the ones before are free). */
  readonly clientFreeFailures: number;
  /** The first backoff; it doubles with each further failure. */
  readonly clientBaseDelayMs: number;
  readonly clientMaxDelayMs: number;
  /** A client's failures are forgotten after this long without one. */
  readonly clientForgetMs: number;
  /** The failure of the account (from any client) after which unknown clients are spaced out. */
  readonly accountFreeFailures: number;
  /** The first spacing; it doubles with each further failure. */
  readonly accountBaseSpacingMs: number;
  /** The cap: the account slows guessing, it never locks. */
  readonly accountMaxSpacingMs: number;
  /** The account's failures are forgotten after this long without one. */
  readonly accountForgetMs: number;
  /** A client stays known (not held by the account's spacing) this long after a successful login. */
  readonly knownClientMs: number;
}

export const DEFAULT_LOGIN_POLICY: LoginPolicy = {
  clientFreeFailures: 3,
  clientBaseDelayMs: 1000,
  clientMaxDelayMs: 15 * 60_000,
  clientForgetMs: 24 * 3600_000,
  accountFreeFailures: 10,
  accountBaseSpacingMs: 250,
  accountMaxSpacingMs: 5000,
  accountForgetMs: 3600_000,
  knownClientMs: 30 * 24 * 3600_000,
};

export interface LoginLimiterOptions {
  readonly policy?: Partial<LoginPolicy>;
  readonly now?: () => number;
}

/** An attempt allowed to go on to the password check; `succeeded` clears what it counted. */
export interface LoginAttempt {
  readonly allowed: true;
  readonly client: string;
}

export interface LoginRefusal {
  readonly allowed: false;
  /** Whole seconds to wait, at least 1. */
  readonly retryAfterSeconds: number;
  /** Whose limit: this client's own failures, or the account's. */
  readonly by: 'client' | 'account';
}

/** Pruning runs at most this often (it scans the clients table). */
const PRUNE_EVERY_MS = 60_000;

export class LoginLimiter {
  readonly #ledger: LoginLedger;
  readonly #policy: LoginPolicy;
  readonly #now: () => number;
  #prunedAt = Number.NEGATIVE_INFINITY;

  constructor(ledger: LoginLedger, options: LoginLimiterOptions = {}) {
    this.#ledger = ledger;
    this.#policy = { ...DEFAULT_LOGIN_POLICY, ...options.policy };
    this.#now = options.now ?? Date.now;
  }

  /**
   * Checks and counts one attempt from `client` (a normalised address) before its password is hashed:
   * either a refusal saying how long to wait, or an attempt already counted as a failure.
   */
  begin(client: string): LoginAttempt | LoginRefusal {
    const now = this.#now();
    return this.#ledger.atomically(() => {
      this.#prune(now);
      const policy = this.#policy;
      const mine = this.#clientState(client, now);
      if (now < mine.blockedUntilMs) return refusal(mine.blockedUntilMs - now, 'client');
      const known = mine.lastSuccessMs !== null && now - mine.lastSuccessMs < policy.knownClientMs;
      const account = this.#accountState(now);
      if (!known && now < account.nextAttemptMs) return refusal(account.nextAttemptMs - now, 'account');
      const failures = mine.failures + 1;
      this.#ledger.putLoginClient(client, {
        failures,
        lastFailureMs: now,
        blockedUntilMs: now + clientDelay(policy, failures),
        lastSuccessMs: mine.lastSuccessMs,
      });
      const accountFailures = account.failures + 1;
      this.#ledger.putLoginAccount({
        failures: accountFailures,
        lastFailureMs: now,
        nextAttemptMs: now + accountSpacing(policy, accountFailures),
      });
      return { allowed: true, client };
    });
  }

  /** The password was right: the client is cleared and known, the account's failures forgotten. */
  succeeded(attempt: LoginAttempt): void {
    const now = this.#now();
    this.#ledger.atomically(() => {
      this.#ledger.putLoginClient(attempt.client, {
        failures: 0,
        lastFailureMs: 0,
        blockedUntilMs: 0,
        lastSuccessMs: now,
      });
      this.#ledger.putLoginAccount({ failures: 0, lastFailureMs: 0, nextAttemptMs: 0 });
    });
  }

  #clientState(client: string, now: number): LoginClientState {
    const state = this.#ledger.loginClient(client);
    if (!state) return { failures: 0, lastFailureMs: 0, blockedUntilMs: 0, lastSuccessMs: null };
    if (now - state.lastFailureMs >= this.#policy.clientForgetMs) return { ...state, failures: 0 };
    return state;
  }

  #accountState(now: number): LoginAccountState {
    const state = this.#ledger.loginAccount();
    if (!state || now - state.lastFailureMs >= this.#policy.accountForgetMs) {
      return { failures: 0, lastFailureMs: 0, nextAttemptMs: 0 };
    }
    return state;
  }

  #prune(now: number): void {
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    this.#ledger.forgetLoginClients(
      now - Math.max(this.#policy.clientForgetMs, this.#policy.clientMaxDelayMs),
      now - this.#policy.knownClientMs,
    );
  }
}

/** The wait a client's `failures` in a row earn it before its next attempt. */
function clientDelay(policy: LoginPolicy, failures: number): number {
  return backoff(failures, policy.clientFreeFailures, policy.clientBaseDelayMs, policy.clientMaxDelayMs);
}

/** The spacing the account's `failures` impose on attempts from clients it does not know. */
function accountSpacing(policy: LoginPolicy, failures: number): number {
  return backoff(
    failures,
    policy.accountFreeFailures,
    policy.accountBaseSpacingMs,
    policy.accountMaxSpacingMs,
  );
}

/** No wait below `free` failures, then `base` doubling with each further failure, up to `max`. */
function backoff(failures: number, free: number, base: number, max: number): number {
  if (failures < free) return 0;
  return Math.min(max, base * 2 ** Math.min(failures - free, 40));
}

function refusal(waitMs: number, by: 'client' | 'account'): LoginRefusal {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), by };
}
