/** The messages between the bench process and its load generator process (worker.ts). */

/** One round of load: what to send, how hard and how long. */
export interface LoadJob {
  readonly url: string;
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly headers: Readonly<Record<string, string>>;
  /** The body of every request; `__UUID__` / `__NOW__` are filled in per request. */
  readonly body?: string;
  readonly connections: number;
  readonly seconds: number;
  /** The TLS name to send (SNI) and to check the certificate against. */
  readonly servername: string;
  /** The root the server's chain must lead to (checked once per target, see worker.ts). */
  readonly caPem: string;
  /** When given, every answer must be exactly these bytes (autocannon counts mismatches). */
  readonly expectBody?: string;
  /** How long one request may take before it counts as an error (autocannon's default: 10 s). */
  readonly timeoutSeconds?: number;
  /** When given, every answer must contain this text (answers that lack it count as mismatches). */
  readonly expectIncludes?: string;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly latenciesMs: readonly number[];
  readonly non2xx: number;
  readonly errors: number;
  readonly mismatches: number;
}

export type LoadReply =
  | { readonly kind: 'result'; readonly result: LoadResult }
  | { readonly kind: 'error'; readonly message: string };
