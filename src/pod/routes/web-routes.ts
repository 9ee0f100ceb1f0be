/**
 * The owner's API on the web port (spec §4, §10): log in for a JWT, read the account, join a service,
 * upgrade a membership and search the service through the pod (owner-search-route.ts). Everything but the login needs the owner's token; none of it exists on the
 * member port, so other pods and the service cannot even reach it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ByodaError } from '../../errors/index.js';
import type { PodContext } from '../context.js';
import { joinService } from '../memberships/join.js';
import { MAX_PASSWORD_LENGTH, verifyPassword } from '../auth/password.js';
import { OWNER_SEARCH_PATH, ownerSearchRoute } from '../search/owner-search-route.js';
import { webRequester } from '../auth/requester.js';
import { requestState } from './request-state.js';
import { parseServiceIdParam } from './route-params.js';
import type { ServiceParams } from './route-params.js';
import { upgradeMembership } from '../memberships/upgrade.js';

export const POD_PATHS = {
  authToken: '/api/v1/pod/authtoken',
  account: '/api/v1/pod/account',
  join: '/api/v1/pod/member/service-:serviceId',
  upgrade: '/api/v1/pod/member/service-:serviceId/upgrade',
  search: OWNER_SEARCH_PATH,
} as const;

interface LoginBody {
  username: string;
  password: string;
}

const loginBodySchema = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH },
  },
} as const;

export function webRoutes(app: FastifyInstance, pod: PodContext): void {
  const ownerOnly = ownerGuard(pod);
  app.post<{ Body: LoginBody }>(
    POD_PATHS.authToken,
    { schema: { body: loginBodySchema } },
    (request, reply) => login(pod, request, reply),
  );
  app.get(POD_PATHS.account, { onRequest: ownerOnly }, async () => accountJson(pod));
  app.post<{ Params: ServiceParams }>(POD_PATHS.join, { onRequest: ownerOnly }, async (request, reply) => {
    const membership = await joinService(pod, parseServiceIdParam(request.params.serviceId));
    pod.logger.info({ service_id: membership.serviceId, member_id: membership.memberId }, 'joined service');
    return reply.code(201).send({
      service_id: membership.serviceId,
      member_id: membership.memberId,
      fqdn: membership.fqdn,
      contract_version: membership.contract.version,
    });
  });
  app.post<{ Params: ServiceParams }>(POD_PATHS.upgrade, { onRequest: ownerOnly }, async (request) => {
    const outcome = await upgradeMembership(pod, parseServiceIdParam(request.params.serviceId));
    return {
      service_id: outcome.serviceId,
      from_version: outcome.fromVersion,
      to_version: outcome.toVersion,
      upgraded: outcome.upgraded,
      added_classes: outcome.report?.addedClasses ?? [],
      added_fields: outcome.report?.addedFields ?? [],
    };
  });
  ownerSearchRoute(app, pod, ownerOnly);
}

/** `onRequest`: only a valid owner token passes (401 otherwise, also without a token). */
function ownerGuard(pod: PodContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const requester = await webRequester(request.headers.authorization, pod.tokens);
    requestState(request).requester = requester;
    if (requester.kind !== 'owner') {
      throw new ByodaError(
        'BYODA_ERR_UNAUTHORIZED',
        'this API needs the owner token (POST /api/v1/pod/authtoken)',
      );
    }
  };
}

/**
 * spec §10: username + password for a short-lived JWT. Failures are rate limited per username and per
 * client address (429 with Retry-After); the password is checked even for a wrong username, so that
 * timing does not tell which usernames exist.
 */
async function login(
  pod: PodContext,
  request: FastifyRequest<{ Body: LoginBody }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { username, password } = request.body;
  const state = requestState(request);
  state.requester = { kind: 'anonymous' };
  const retryAfter = pod.limiter.retryAfterSeconds(username, request.ip);
  if (retryAfter > 0) {
    const error = new ByodaError(
      'BYODA_ERR_RATE_LIMITED',
      `too many failed logins; retry in ${retryAfter} s`,
    );
    state.failure = { code: error.code, reason: error.message };
    return reply.code(error.status).header('retry-after', String(retryAfter)).send(error.toJSON());
  }
  const passwordMatches = await verifyPassword(password, pod.account.passwordHash);
  if (!passwordMatches || username !== pod.account.username) {
    pod.limiter.recordFailure(username, request.ip);
    throw new ByodaError('BYODA_ERR_UNAUTHORIZED', 'wrong username or password');
  }
  pod.limiter.recordSuccess(username);
  state.requester = { kind: 'owner' };
  const { token, expiresAt } = await pod.tokens.issue();
  return reply.send({ auth_token: token, expires_at: expiresAt.toISOString() });
}

function accountJson(pod: PodContext) {
  const records = new Map(pod.accounts.listMemberships().map((record) => [record.serviceId, record]));
  return {
    account_id: pod.config.accountId,
    network: pod.config.network,
    fqdn: pod.fqdn,
    username: pod.account.username,
    memberships: pod.memberships.list().map((membership) => ({
      service_id: membership.serviceId,
      member_id: membership.memberId,
      fqdn: membership.fqdn,
      contract_version: membership.contract.version,
      joined_at: records.get(membership.serviceId)?.joinedAt ?? null,
    })),
  };
}
