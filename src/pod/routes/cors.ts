/**
 * CORS on the pod's web port (spec §5 `cors_origins`): a service's web app, served from a host its
 * contract lists, may call the pod's API from the browser. Which origins may call a path:
 *
 * - `/api/v1/data/service-<S>`: `https://<host>` for each host in the `cors_origins` of membership S's
 *   contract (a `host:port` entry allows that port; an entry matches exactly, never as a suffix);
 * - the owner's log-in and account (`/api/v1/pod/authtoken`, `/api/v1/pod/account`): the union over all
 *   memberships, since a service's web app logs the owner in;
 * - any other path: none.
 *
 * Origins are read from each membership's current contract per request, so an upgrade that changes
 * them applies at once. Allowed: GET, POST, OPTIONS with the `authorization` and `content-type` headers,
 * without credentials mode (the owner's JWT is a bearer header, not a cookie). A disallowed origin gets
 * no CORS headers at all (the browser then blocks), and its preflight no allow headers. Every answer
 * says `vary: origin`, as it depends on it. The member port never answers CORS (apps.ts).
 */
import type { FastifyCorsOptions } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import type { PodContext } from '../context.js';
import { POD_PATHS } from './web-routes.js';

export const CORS_METHODS: readonly string[] = ['GET', 'POST', 'OPTIONS'];
export const CORS_HEADERS: readonly string[] = ['authorization', 'content-type'];

/** What CORS needs of the pod's memberships: each one's current contract, by service id and all. */
export interface CorsMemberships {
  get(serviceId: number): CorsMembership | undefined;
  list(): readonly CorsMembership[];
}

export interface CorsMembership {
  readonly contract: { readonly corsOrigins: readonly string[] };
}

/** A service id as route-params.ts reads it: decimal, no leading zeros. */
const DATA_PATH = /^\/api\/v1\/data\/service-(0|[1-9]\d{0,9})\/?$/;
const OWNER_PATHS = new Set<string>([POD_PATHS.authToken, POD_PATHS.account]);

/** The hosts whose origins may call `path` (without the query string); empty for a path without CORS. */
export function corsHostsFor(path: string, memberships: CorsMemberships): readonly string[] {
  const data = DATA_PATH.exec(path);
  if (data) return memberships.get(Number(data[1]))?.contract.corsOrigins ?? [];
  if (OWNER_PATHS.has(path.endsWith('/') ? path.slice(0, -1) : path)) {
    return [...new Set(memberships.list().flatMap((membership) => membership.contract.corsOrigins))];
  }
  return [];
}

/** Whether the `origin` header is exactly `https://<host>` of one of `hosts` (host names: any case). */
export function isAllowedOrigin(origin: string | undefined, hosts: readonly string[]): boolean {
  if (origin === undefined || !origin.startsWith('https://')) return false;
  const asked = origin.toLowerCase();
  return hosts.some((host) => `https://${host.toLowerCase()}` === asked);
}

/** @fastify/cors options for one request: the allow headers for an allowed origin, else none. */
export function corsOptionsFor(
  path: string,
  origin: string | undefined,
  memberships: CorsMemberships,
): FastifyCorsOptions {
  if (origin === undefined || !isAllowedOrigin(origin, corsHostsFor(path, memberships))) {
    return { origin: false };
  }
  return {
    // The one allowed origin echoed, never a list or `*`.
    origin,
    methods: [...CORS_METHODS],
    allowedHeaders: [...CORS_HEADERS],
    credentials: false,
    // An OPTIONS request of an allowed origin without `access-control-request-method` is answered
    // like a preflight instead of with the plugin's plain-text 400.
    strictPreflight: false,
  };
}

export function corsOptionsOf(pod: PodContext, request: FastifyRequest): FastifyCorsOptions {
  const origin = request.headers.origin;
  return corsOptionsFor(request.url.split('?')[0] ?? '', origin, pod.memberships);
}
