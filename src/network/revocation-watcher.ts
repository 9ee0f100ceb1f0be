/**
 * Every pod and service keeps the network's revocation list current (docs/operations.md,
 * "Revocation"): fetched from the directory at start and every `refreshMs` (default 60 s), verified
 * with the network data cert chained to the root, then swapped in at once. Lookups (`has`) are in
 * memory, so servers ask them per request. A fetch that fails keeps the last good list and is tried
 * again at the next tick; a list older than the one held (by `issued_at`) is ignored.
 *
 * Bounded time: a revocation recorded at the directory is refused by every running server within
 * `refreshMs` plus one fetch.
 */
import type { Logger } from 'pino';
import { ByodaError } from '../errors/index.js';
import { RevocationSet, notAfterMs, splitPemBundle, verifyRevocationList } from '../pki/index.js';
import type { PkiIdentity } from '../pki/index.js';
import type { DirectoryClient } from './directory-client.js';

export const DEFAULT_REVOCATION_REFRESH_MS = 60_000;
export const REVOCATION_REFRESH_ENV = 'BYODA_REVOCATION_REFRESH_MS';

/** The refresh interval from the environment, else the default; a malformed value stops the start. */
export function revocationRefreshFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env[REVOCATION_REFRESH_ENV];
  if (raw === undefined || raw === '') return DEFAULT_REVOCATION_REFRESH_MS;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 100) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `${REVOCATION_REFRESH_ENV} must be whole milliseconds, at least 100`,
    );
  }
  return value;
}

export interface RevocationWatcherOptions {
  readonly directory: Pick<DirectoryClient, 'getRevocations'>;
  readonly rootCaPem: string;
  readonly refreshMs?: number;
  readonly logger?: Logger;
}

export class RevocationWatcher {
  readonly #options: RevocationWatcherOptions;
  #set = new RevocationSet();
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  /**
   * The list and chain last verified, and until when every certificate of that chain is valid. The directory
   * answers the same list until something is revoked, and verifying it (chain, key import,
   * signature) at every refresh of every server was most of an idle `byoda up`'s CPU (issue 12).
   */
  #held: { readonly list: string; readonly chain: string; readonly chainValidTo: number } | undefined;

  constructor(options: RevocationWatcherOptions) {
    this.#options = options;
  }

  /** Whether `identity`'s account or membership is revoked, by the list held now. */
  has(identity: PkiIdentity): boolean {
    return this.#set.has(identity);
  }

  hasMember(memberId: string, serviceId: number): boolean {
    return this.#set.hasMember(memberId, serviceId);
  }

  /** Fetches now (joining a fetch that runs); resolves when it is done, whether it succeeded or not. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#fetch().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /** The first fetch, then one every `refreshMs`; the timer does not keep the process alive. */
  async start(): Promise<void> {
    if (this.#timer) return;
    const every = this.#options.refreshMs ?? DEFAULT_REVOCATION_REFRESH_MS;
    this.#timer = setInterval(() => void this.refresh(), every);
    this.#timer.unref();
    await this.refresh();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#refreshing;
  }

  async #fetch(): Promise<void> {
    try {
      const { list, chain } = await this.#options.directory.getRevocations();
      if (this.#held?.list === list && this.#held.chain === chain && Date.now() < this.#held.chainValidTo) {
        return; // the very list and chain verified before, with every certificate of it still valid
      }
      const verified = await verifyRevocationList(list, chain, this.#options.rootCaPem);
      // The chain is good only while every certificate in it is.
      const chainValidTo = Math.min(...splitPemBundle(chain).map(notAfterMs));
      const held = this.#set.issuedAt;
      if (held !== undefined && verified.issued_at < held) return;
      const next = new RevocationSet(verified);
      if (next.size !== this.#set.size) {
        this.#options.logger?.info({ revoked: next.size }, 'revocation list updated');
      }
      this.#set = next;
      this.#held = { list, chain, chainValidTo };
    } catch (err) {
      this.#options.logger?.warn(
        { reason: String(err) },
        'revocation list refresh failed; keeping the last one',
      );
    }
  }
}
