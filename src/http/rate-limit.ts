/**
 * Rate limiting of every server (spec §4: 429), per client: at most `max` requests in each window of
 * `windowMs` for one client key, counted by @fastify/rate-limit's in-memory store (a fixed window that
 * starts at the client's first request). Every request counts, WebSocket upgrades and unknown paths
 * included; a refusal is the JSON error body with `retry-after` (server.ts checks every request).
 *
 * The key is who the client is where the server knows it, from a verified credential only:
 *
 * - `owner:<account id>`: a request with a valid owner token (the pod's web port verifies it; a
 *   forged, expired or otherwise invalid token is no identity and counts by address), limited at
 *   `ownerMax`, by default OWNER_RATE_FACTOR times `max`: the owner's own use is not throttled like a
 *   stranger's address, yet a leaked token still cannot make a server do unbounded work;
 * - `cert:<common name>`: the verified identity of the TLS client certificate (the directory, the
 *   service and the pod's member port verify them), so that the pods and services behind one address
 *   are limited each on its own (a member by its member id) and one of them cannot use up another's
 *   share;
 * - `ip:<address>` for everyone else, an IPv6 address by its /64, as one host usually holds a whole /64.
 *
 * The default is 1200 requests a minute (20 a second, sustained for a minute) per key: far above what
 * a pod's federation traffic to one peer or an anonymous web client makes, and above the bursts of a
 * few hundred requests our integration tests send from one address, while it still bounds what one
 * client can make a server do. A server takes another limit in its start options, or else from the
 * environment (`BYODA_RATE_LIMIT_PER_MINUTE`; 0 turns the limit off), so that `byoda ... start` takes it
 * without a flag; the owner's limit follows it (OWNER_RATE_FACTOR times).
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
  /** Requests the owner (a verified owner token) may make in a window; default OWNER_RATE_FACTOR × max. */
  readonly ownerMax?: number;
}

/** A server's limit, or `false` for none. */
export type RateLimitSetting = RateLimitOptions | false;

/**
 * The verified identity of the request's TLS client certificate: undefined or null for none; a
 * rejection (a chain that does not verify) counts as none here, the route refuses it on its own.
 */
export type ClientIdentityOf = (request: FastifyRequest) => Promise<PkiIdentity | null | undefined>;

/**
 * The account id of the request's verified owner token, else undefined: no token, or one that does
 * not verify (which the route refuses on its own). Never throws.
 */
export type OwnerOf = (request: FastifyRequest) => Promise<string | undefined>;

/** How many times a stranger's limit the owner's authenticated use may make. */
export const OWNER_RATE_FACTOR = 50;

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
  const ownerMax = limit.ownerMax ?? limit.max * OWNER_RATE_FACTOR;
  for (const [name, value] of [
    ['max', limit.max],
    ['ownerMax', ownerMax],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ByodaError(
        'BYODA_ERR_CONFIG',
        `rateLimit.${name} must be a whole number of requests, at least 1`,
      );
    }
  }
  if (!Number.isSafeInteger(windowMs) || windowMs < 1 || windowMs > MAX_WINDOW_MS) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `rateLimit.windowMs must be a whole number of milliseconds, 1 to ${MAX_WINDOW_MS}`,
    );
  }
  return { max: limit.max, windowMs, ownerMax };
}

/** A client address as the limits count it: IPv6 by its /64, an IPv4-mapped address as IPv4. */
export function clientAddress(ip: string): string {
  return normalizeIP(ip);
}

const OWNER_KEY_PREFIX = 'owner:';

/**
 * The key a request is counted under: `owner:<account id>` of a verified owner token, else
 * `cert:<common name>` of a verified client certificate, else `ip:<address>` (clientAddress).
 */
export async function rateLimitKey(
  ip: string,
  identity: Promise<PkiIdentity | null | undefined> | undefined,
  owner?: Promise<string | undefined>,
): Promise<string> {
  const ownerId = await owner?.catch(() => undefined);
  if (ownerId !== undefined) return `${OWNER_KEY_PREFIX}${ownerId}`;
  try {
    const verified = await identity;
    if (verified) return `cert:${identityCn(verified)}`;
  } catch {
    // No verified identity: counted by address; the route that needs the certificate refuses it.
  }
  return `ip:${clientAddress(ip)}`;
}

/** The options of @fastify/rate-limit for `limit`: its store counts, server.ts refuses. */
export function rateLimitPluginOptions(
  limit: Required<RateLimitOptions>,
  identityOf: ClientIdentityOf | undefined,
  ownerOf?: OwnerOf,
): RateLimitPluginOptions {
  return {
    // Checked by one hook for every request (server.ts), not per route: see there.
    global: false,
    max: (_request, key) => limitOfKey(limit, key),
    timeWindow: limit.windowMs,
    keyGenerator: (request) => rateLimitKey(request.ip, identityOf?.(request), ownerOf?.(request)),
  };
}

/** The requests a window allows for `key` (rateLimitKey): the owner's own limit, else `max`. */
export function limitOfKey(limit: Required<RateLimitOptions>, key: string): number {
  return key.startsWith(OWNER_KEY_PREFIX) ? limit.ownerMax : limit.max;
}

/** The refusal (429, our JSON body); the caller sends `retry-after` with it. */
export function rateLimitedError(
  limit: Required<RateLimitOptions>,
  retryAfterSeconds: number,
  max: number = limit.max,
): ByodaError {
  return new ByodaError(
    'BYODA_ERR_RATE_LIMITED',
    `too many requests: at most ${max} in ${describeWindow(limit.windowMs)} from one client; retry in ${retryAfterSeconds} s`,
  );
}

function describeWindow(windowMs: number): string {
  if (windowMs === 60_000) return 'a minute';
  if (windowMs % 1000 === 0) return `${windowMs / 1000} s`;
  return `${windowMs} ms`;
}
