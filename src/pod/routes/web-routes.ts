/**
 * The owner's API on the web port (spec §4, §10): log in for a JWT (login-route.ts), read the account,
 * join a service, upgrade a membership, search the service through the pod (owner-search-route.ts) and
 * manage the owner's second factor (totp-routes.ts), sessions (session-routes.ts), scoped tokens and
 * labels for members (link-label-routes.ts), and rotate the pod's keys (rotate-keys-route.ts).
 * Everything but the login needs the owner's token; none of it exists on the member port, so other
 * pods and the service cannot even reach it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ByodaError } from '../../errors/index.js';
import type { PodContext } from '../context.js';
import { joinService } from '../memberships/join.js';
import { OWNER_SEARCH_PATH, ownerSearchRoute } from '../search/owner-search-route.js';
import { webRequester } from '../auth/requester.js';
import { AUTH_TOKEN_PATH, loginRoute } from './login-route.js';
import { requestState } from './request-state.js';
import { CAPABILITIES_PATH, capabilitiesRoute } from './capabilities-route.js';
import { TOTP_PATHS, totpRoutes } from './totp-routes.js';
import { EXPORT_PATHS, exportRoutes } from './export-routes.js';
import { SESSION_PATHS, sessionRoutes } from './session-routes.js';
import { SCOPED_TOKEN_PATHS, scopedTokenRoutes } from './scoped-token-routes.js';
import { LINK_LABEL_PATHS, linkLabelRoutes } from './link-label-routes.js';
import { parseServiceIdParam } from './route-params.js';
import type { ServiceParams } from './route-params.js';
import { upgradeMembership } from '../memberships/upgrade.js';
import { ROTATE_KEYS_PATH, rotateKeysRoute } from './rotate-keys-route.js';

export const POD_PATHS = {
  authToken: AUTH_TOKEN_PATH,
  account: '/api/v1/pod/account',
  join: '/api/v1/pod/member/service-:serviceId',
  upgrade: '/api/v1/pod/member/service-:serviceId/upgrade',
  search: OWNER_SEARCH_PATH,
  capabilities: CAPABILITIES_PATH,
  rotateKeys: ROTATE_KEYS_PATH,
  ...TOTP_PATHS,
  ...EXPORT_PATHS,
  ...SESSION_PATHS,
  ...SCOPED_TOKEN_PATHS,
  ...LINK_LABEL_PATHS,
} as const;

export function webRoutes(app: FastifyInstance, pod: PodContext): void {
  const ownerOnly = ownerGuard(pod);
  loginRoute(app, pod);
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
  capabilitiesRoute(app, pod, ownerOnly);
  totpRoutes(app, pod, ownerOnly);
  exportRoutes(app, pod, ownerOnly);
  sessionRoutes(app, pod, ownerOnly);
  scopedTokenRoutes(app, pod, ownerOnly);
  linkLabelRoutes(app, pod, ownerOnly);
  rotateKeysRoute(app, pod, ownerOnly);
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
      // The contract's name ("addressbook"): people know services by name, not by number.
      service_name: membership.contract.name,
      fqdn: membership.fqdn,
      contract_version: membership.contract.version,
      joined_at: records.get(membership.serviceId)?.joinedAt ?? null,
    })),
  };
}
