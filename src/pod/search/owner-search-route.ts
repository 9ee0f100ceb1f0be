/**
 * `GET /api/v1/pod/search/service-<S>/<class>?<field>=<value>` on the web port (our name,
 * docs/protocol.md "Search"): the owner searches the service through their pod. The service answers
 * searches only to members of the service (a member TLS cert), which the owner's browser or CLI does
 * not have; the pod has one per membership and proxies for its owner (spec §10, as for queries).
 *
 * Owner only (the caller's guard runs first). The pod checks the membership (404) and the shape of
 * the query (a class name, exactly one parameter, a value of 1..256 characters: 400 naming the
 * field) so that garbage never leaves the pod; whether the field exists and is searchable is the
 * service's decision, passed through with its status and code. The value is the owner's business: it
 * is sent to the service only, and never logged here.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ByodaError, isByodaError } from '../../errors/index.js';
import { createTlsAgent, requestJson } from '../../network/index.js';
import type { PodContext } from '../context.js';
import type { Membership } from '../memberships/membership.js';
import { requestState } from '../routes/request-state.js';
import { parseServiceIdParam } from '../routes/route-params.js';
import { locateService } from '../memberships/service-locator.js';

export const OWNER_SEARCH_PATH = '/api/v1/pod/search/service-:serviceId/:class';

/** The service's search route (src/service/routes/search-routes.ts), `<class>` appended. */
export const SERVICE_SEARCH_PATH = '/api/v1/service/search/';

/** The service's own limit on a searched value (docs/protocol.md "Search"), checked here first. */
export const MAX_SEARCH_VALUE_LENGTH = 256;

/** A class or field name as contracts write them (the service checks the class with the same pattern). */
const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;
/** Names are echoed in messages; one longer than a name can be is cut short. */
const MAX_ECHOED_NAME = 64;
const SEARCH_TIMEOUT_MS = 10_000;

interface OwnerSearchParams {
  readonly serviceId: string;
  readonly class: string;
}

/** One field and the value to look for, checked for shape only. */
export interface OwnerSearchQuery {
  readonly className: string;
  readonly field: string;
  readonly value: string;
}

/** The service's answer: member ids only. */
export interface SearchResults {
  readonly results: readonly { readonly member_id: string }[];
}

export function ownerSearchRoute(
  app: FastifyInstance,
  pod: PodContext,
  ownerOnly: (request: FastifyRequest) => Promise<void>,
): void {
  app.get<{ Params: OwnerSearchParams }>(OWNER_SEARCH_PATH, { onRequest: ownerOnly }, async (request) => {
    const membership = pod.memberships.require(parseServiceIdParam(request.params.serviceId));
    requestState(request).membership = membership;
    const query = readOwnerSearchQuery(request.params.class, request.query);
    const answer = await searchService(pod, membership, query);
    // Who searched what, never the value (it is someone's email address).
    pod.logger.info(
      {
        service_id: membership.serviceId,
        requester: 'owner',
        searched: `${query.className}.${query.field}`,
        results: answer.results.length,
      },
      'owner search',
    );
    return answer;
  });
}

/**
 * The class and the query string as the pod forwards them: `query` is fastify's parsed query string
 * (a string per parameter, an array for a repeated one). Refusals are 400 BYODA_ERR_BAD_REQUEST with
 * the path the service would give (`params/class`, `querystring`, `querystring/<field>`).
 */
export function readOwnerSearchQuery(className: string, query: unknown): OwnerSearchQuery {
  if (!NAME.test(className)) {
    throw badRequest('params/class', `'${echo(className)}' is not a class name`);
  }
  const params = typeof query === 'object' && query !== null ? Object.entries(query) : [];
  const [first, ...more] = params;
  if (first === undefined) {
    throw badRequest('querystring', `give one field of ${className} to search, as ?<field>=<value>`);
  }
  if (more.length > 0) {
    const names = params.map(([name]) => echo(name)).join(', ');
    throw badRequest('querystring', `search one field at a time, not ${names}`);
  }
  const [field, raw] = first;
  const path = `querystring/${echo(field)}`;
  if (!NAME.test(field)) throw badRequest(path, 'is not a field name');
  if (Array.isArray(raw)) throw badRequest(path, 'is given more than once');
  if (typeof raw !== 'string') throw badRequest(path, 'must be a text value');
  if (raw === '') throw badRequest(path, 'must not be empty');
  if ([...raw].length > MAX_SEARCH_VALUE_LENGTH) {
    throw badRequest(path, `must be at most ${MAX_SEARCH_VALUE_LENGTH} characters long`);
  }
  return { className, field, value: raw };
}

/**
 * The search at the service, found through the directory's DNS (like a join), over mutual TLS with
 * the membership's member TLS cert. The service's refusals keep their status and code, except a 401:
 * it means the service did not take this pod's certificate, which is no fault of the owner's token,
 * and passed on as 401 it would send the owner's client back to the login; it becomes 502, as does
 * any 5xx of the service.
 */
async function searchService(
  pod: PodContext,
  membership: Membership,
  query: OwnerSearchQuery,
): Promise<SearchResults> {
  const location = await locateService(pod.resolver, pod.config.network, membership.serviceId);
  const url = new URL(`${SERVICE_SEARCH_PATH}${query.className}`, location.url);
  url.searchParams.set(query.field, query.value);
  const agent = createTlsAgent({
    rootCaPem: pod.rootCaPem,
    servername: location.fqdn,
    credential: membership.tls,
    timeoutMs: SEARCH_TIMEOUT_MS,
  });
  try {
    return searchResults(await requestJson(agent, url, { method: 'GET' }));
  } catch (err) {
    throw asGatewayError(err, membership.serviceId);
  } finally {
    await agent.close();
  }
}

function asGatewayError(err: unknown, serviceId: number): unknown {
  if (!isByodaError(err) || (err.status < 500 && err.status !== 401)) return err;
  if (err.code === 'BYODA_ERR_UNREACHABLE' && err.status === 502) return err;
  return new ByodaError(
    'BYODA_ERR_UNREACHABLE',
    `the search at service ${serviceId} failed (${err.status}): ${err.message}`,
    { cause: err },
  );
}

/** Only member ids go back to the owner, whatever else a service might add. */
function searchResults(reply: unknown): SearchResults {
  const results = isRecord(reply) ? reply['results'] : undefined;
  if (!Array.isArray(results)) {
    throw new ByodaError('BYODA_ERR_UNREACHABLE', 'the service did not answer the search with results');
  }
  return {
    results: results.flatMap((result) =>
      isRecord(result) && typeof result['member_id'] === 'string' ? [{ member_id: result['member_id'] }] : [],
    ),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function echo(name: string): string {
  return name.length > MAX_ECHOED_NAME ? `${name.slice(0, MAX_ECHOED_NAME)}...` : name;
}

function badRequest(path: string, reason: string): ByodaError {
  return new ByodaError('BYODA_ERR_BAD_REQUEST', `invalid ${path}: ${reason}`, { path });
}
