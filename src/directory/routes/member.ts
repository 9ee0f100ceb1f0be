/**
 * `PUT /api/v1/network/member`: publish a membership's address and port at
 * `<member_id>.members-<service_id>.<net>`, by the member itself or by its service; and
 * `PUT /api/v1/network/app` the same for an app at `<app_id>.apps-<service_id>.<net>` (spec §12). An
 * app's record lives in the zone only (the zone store keeps it across restarts).
 */
import type { FastifyRequest } from 'fastify';
import { ByodaError } from '../../errors/index.js';
import type { HttpsApp } from '../../http/index.js';
import { DIRECTORY_PATHS } from '../../network/index.js';
import type { AppUpdateBody, MemberUpdateBody, RegistrationReply } from '../../network/index.js';
import { appFqdn, memberFqdn } from '../../pki/index.js';
import { authorizeAppUpdate, authorizeMemberUpdate } from '../authorization.js';
import type { DirectoryContext } from '../context.js';
import { publishedAddress } from '../inputs.js';
import { appUpdateBody, memberUpdateBody } from '../schemas.js';

export function memberRoutes(app: HttpsApp, ctx: DirectoryContext): void {
  app.put<{ Body: MemberUpdateBody }>(
    DIRECTORY_PATHS.member,
    { schema: { body: memberUpdateBody } },
    (request) => registerMember(ctx, request),
  );
  app.put<{ Body: AppUpdateBody }>(DIRECTORY_PATHS.app, { schema: { body: appUpdateBody } }, (request) =>
    registerApp(ctx, request),
  );
}

async function registerApp(
  ctx: DirectoryContext,
  request: FastifyRequest<{ Body: AppUpdateBody }>,
): Promise<RegistrationReply> {
  const { app_id: appId, service_id: serviceId, port } = request.body;
  if (!(await ctx.store.getService(serviceId))) {
    throw new ByodaError('BYODA_ERR_NOT_FOUND', `service ${serviceId} is not registered`, { status: 404 });
  }
  authorizeAppUpdate(appId, serviceId, await ctx.requesterOf(request));
  const address = publishedAddress(request.body.address, request.ip, ctx.addressPolicy);
  // An app keeps no row of its own: its names in the zone are its registration.
  return ctx.registrar.publishHost({ kind: 'zone' }, appFqdn(ctx.network, serviceId, appId), address, port);
}

async function registerMember(
  ctx: DirectoryContext,
  request: FastifyRequest<{ Body: MemberUpdateBody }>,
): Promise<RegistrationReply> {
  const { member_id: memberId, service_id: serviceId, port } = request.body;
  if (!(await ctx.store.getService(serviceId))) {
    throw new ByodaError('BYODA_ERR_NOT_FOUND', `service ${serviceId} is not registered`, { status: 404 });
  }
  authorizeMemberUpdate(memberId, serviceId, await ctx.requesterOf(request));
  const address = publishedAddress(request.body.address, request.ip, ctx.addressPolicy);
  const registration = { kind: 'member', row: { memberId, serviceId, address, port } } as const;
  return ctx.registrar.publishHost(registration, memberFqdn(ctx.network, serviceId, memberId), address, port);
}
