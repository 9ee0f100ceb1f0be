/**
 * The service's search (spec §4, §6; docs/protocol.md "Search"):
 *
 * - `GET /api/v1/service/search/<class>?<field>=<value>`: the member ids whose pods expose a matching
 *   value of `<class>.<field>` with `search`, as `{results: [{member_id}]}`. Member ids only: search is
 *   not read, no value leaves the service. Only members of this service may search (member TLS cert):
 *   an answer reveals who is a member by, e.g., their email address, so the caller must be someone the
 *   service knows and can hold to account (each search is logged with the caller's CN); an account
 *   that joined nothing, or an anonymous client, has no business enumerating the members.
 * - `POST /api/v1/service/search/refresh`: a member's pod says its searchable data changed; the
 *   service collects it from the pod (search-collector.ts) and answers 202 at once. No data travels in
 *   the nudge, so a pod can only make the service fetch what the pod's firewall grants it.
 *
 * Both authenticate before anything else (onRequest), so nobody without a member cert of this service
 * learns anything, not even which classes exist.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findClass } from '../../contract/index.js';
import { ByodaError } from '../../errors/index.js';
import { authenticateMember } from '../client-auth.js';
import type { ServiceContext } from '../context.js';
import { noteOnRequest, replyWithError } from '../request-log.js';
import { readSearchQuery } from '../search-query.js';

export const SEARCH_PATH = '/api/v1/service/search/:class';
export const SEARCH_REFRESH_PATH = '/api/v1/service/search/refresh';

/** Most member ids in one answer (they come in member id order). */
export const MAX_SEARCH_RESULTS = 100;

interface SearchParams {
  class: string;
}

const paramsSchema = {
  type: 'object',
  required: ['class'],
  properties: { class: { type: 'string', pattern: '^[_A-Za-z][_0-9A-Za-z]{0,127}$' } },
} as const;

/** The verified member of each request, set before anything else is looked at. */
const members = new WeakMap<FastifyRequest, string>();

export function searchRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { serviceId } = context.pki;
  const memberOnly =
    (what: string) =>
    async (request: FastifyRequest): Promise<void> => {
      const member = await authenticateMember(context.clients, request, serviceId, what);
      members.set(request, member.memberId);
    };

  app.get<{ Params: SearchParams }>(
    SEARCH_PATH,
    { onRequest: memberOnly('search'), schema: { params: paramsSchema } },
    async (request) => {
      requireMember(request);
      const latest = await context.contracts.latest();
      const name = request.params.class;
      const cls = latest ? findClass(latest.contract, name) : undefined;
      if (!cls) throw new ByodaError('BYODA_ERR_NOT_FOUND', `the contract has no data class '${name}'`);
      const query = readSearchQuery(cls, request.query, serviceId);
      const found = await context.search.find({
        className: cls.name,
        field: query.field.name,
        value: query.value,
        match: query.match,
        caseSensitive: query.caseSensitive,
        limit: MAX_SEARCH_RESULTS,
      });
      // The field searched and how many were found; never the value (it is someone's email address).
      noteOnRequest(request, { searched: `${cls.name}.${query.field.name}`, results: String(found.length) });
      return { results: found.map((memberId) => ({ member_id: memberId })) };
    },
  );

  app.post(
    SEARCH_REFRESH_PATH,
    { onRequest: memberOnly('ask for a search refresh') },
    async (request, reply) => {
      const memberId = requireMember(request);
      if (context.members.ownerOf(memberId) === undefined) {
        throw new ByodaError('BYODA_ERR_FORBIDDEN', `member ${memberId} is not a member this service knows`);
      }
      const collector = context.searchCollector;
      if (!collector) {
        const off = new ByodaError(
          'BYODA_ERR_UNREACHABLE',
          'search collection is off: the service was started without the directory DNS server',
          { status: 503 },
        );
        return replyWithError(request, reply, off);
      }
      collector.request(memberId);
      return reply.code(202).send({ status: 'accepted' });
    },
  );
}

function requireMember(request: FastifyRequest): string {
  const memberId = members.get(request);
  if (memberId === undefined)
    throw new ByodaError('BYODA_ERR_UNAUTHORIZED', 'the caller is not authenticated');
  return memberId;
}
