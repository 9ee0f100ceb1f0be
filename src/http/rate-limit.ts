/**
 * Rate limiting of every server (spec §4: 429), per client: at most `max` requests in each window of
 * `windowMs` for one client key, counted by @fastify/rate-limit's in-memory store (a fixed window that
 * starts at the client's first request). Every request counts, WebSocket upgrades and unknown paths
 * included; a refusal is the JSON error body with `retry-after` (server.ts checks every request).
 *
 * The key is who the client is where the server knows it: the verified identity of its TLS client
 * certificate (the directory, the service and the pod's member port verify them), so that the pods and
 * services behind one address are limited each on its own and one of them cannot use up another's
 * share. Without a certificate (or with one that does not verify) the key is the client's IP address,
 * an IPv6 address by its /64, as one host usually holds a whole /64.
 *
 * The default is generous, 1200 requests a minute (20 a second, sustained for a minute) per key: far
 * above what a person's web app or a pod's federation traffic to one peer makes, and above the bursts
 * of a few hundred requests our integration tests send from one address, while it still bounds what one
 * client can make a server do. A server takes another limit in its start options, or else from the
 * environment (`BYODA_RATE_LIMIT_PER_MINUTE`; 0 turns the limit off), so that `byoda ... start` takes it
 * without a flag.
 */
import { normalizeIP } from '@fastify/rate-limit';
import type { RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { ByodaError } from '../errors/index.js';
import { identityCn } from '../pki/index.js';
import type { PkiIdentity } from '../pki/index.js';

export interface RateLimitOptions {
  /** Requests one client key may make in a window; at least 1. */
  readonly max: number;
  /** The window in milliseconds (default one minute). */
  readonly windowMs?: number;
}

/** A server's limit, or `false` for none. */
export type RateLimitSetting = RateLimitOptions | false;

/**
 * The verified identity of the request's TLS client certificate: undefined or null for none; a
 * rejection (a chain that does not verify) counts as none here, the route refuses it on its own.
 */
export type ClientIdentityOf = (request: FastifyRequest) => Promise<PkiIdentity | null | undefined>;

export const DEFAULT_RATE_LIMIT_WINDOW_MS = 60_000;
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 1200, windowMs: DEFAULT_RATE_LIMIT_WINDOW_MS };
export const RATE_LIMIT_ENV = 'BYODA_RATE_LIMIT_PER_MINUTE';

/** A million a minute is no limit any more; a larger number is more likely a typo. */
const MAX_PER_MINUTE = 1_000_000;
/** A day: a longer window would keep a key counted longer than any client waits. */
const MAX_WINDOW_MS = 86_400_000;

/**
 * The limit set in `env`: undefined when unset (the server's default applies), `false` for 0, else
 * that many requests a minute. A malformed value is refused, so that a typo does not silently leave
 * the default in place.
 */
export function rateLimitFromEnv(env: NodeJS.ProcessEnv): RateLimitSetting | undefined {
  const text = env[RATE_LIMIT_ENV]?.trim();
  if (text === undefined || text === '') return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= 0 && value <= MAX_PER_MINUTE)) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `${RATE_LIMIT_ENV} must be a whole number of requests a minute, 0 (no limit) to ${MAX_PER_MINUTE}`,
    );
  }
  return value === 0 ? false : { max: value, windowMs: DEFAULT_RATE_LIMIT_WINDOW_MS };
}

/** A limit given in code, checked at start-up: a bad one stops the server instead of limiting oddly. */
export function checkRateLimit(limit: RateLimitOptions): Required<RateLimitOptions> {
  const windowMs = limit.windowMs ?? DEFAULT_RATE_LIMIT_WINDOW_MS;
  if (!Number.isSafeInteger(limit.max) || limit.max < 1) {
    throw new ByodaError('BYODA_ERR_CONFIG', `rateLimit.max must be a whole number of requests, at least 1`);
  }
  if (!Number.isSafeInteger(windowMs) || windowMs < 1 || windowMs > MAX_WINDOW_MS) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `rateLimit.windowMs must be a whole number of milliseconds, 1 to ${MAX_WINDOW_MS}`,
    );
  }
  return { max: limit.max, windowMs };
}

/**
 * The key a request is counted under: `cert:<common name>` of a verified client certificate, else
 * `ip:<address>` (IPv6 by its /64, an IPv4-mapped address as IPv4).
 */
export async function rateLimitKey(
  ip: string,
  identity: Promise<PkiIdentity | null | undefined> | undefined,
): Promise<string> {
  try {
    const verified = await identity;
    if (verified) return `cert:${identityCn(verified)}`;
  } catch {
    // No verified identity: counted by address; the route that needs the certificate refuses it.
  }
  return `ip:${normalizeIP(ip)}`;
}

/** The options of @fastify/rate-limit for `limit`: its store counts, server.ts refuses. */
export function rateLimitPluginOptions(
  limit: Required<RateLimitOptions>,
  identityOf: ClientIdentityOf | undefined,
): RateLimitPluginOptions {
  return {
    // Checked by one hook for every request (server.ts), not per route: see there.
    global: false,
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: (request) => rateLimitKey(request.ip, identityOf?.(request)),
  };
}

/** The refusal (429, our JSON body); the caller sends `retry-after` with it. */
export function rateLimitedError(limit: Required<RateLimitOptions>, retryAfterSeconds: number): ByodaError {
  return new ByodaError(
    'BYODA_ERR_RATE_LIMITED',
    `too many requests: at most ${limit.max} in ${describeWindow(limit.windowMs)} from one client; retry in ${retryAfterSeconds} s`,
  );
}

function describeWindow(windowMs: number): string {
  if (windowMs === 60_000) return 'a minute';
  if (windowMs % 1000 === 0) return `${windowMs / 1000} s`;
  return `${windowMs} ms`;
}
