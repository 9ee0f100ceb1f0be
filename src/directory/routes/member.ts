/**
 * `PUT /api/v1/network/member`: publish a membership's address and port at
 * `<member_id>.members-<service_id>.<net>`, by the member itself or by its service.
 */
import type { FastifyRequest } from 'fastify';
import { ByodaError } from '../../errors/index.js';
import type { HttpsApp } from '../../http/index.js';
import { DIRECTORY_PATHS } from '../../network/index.js';
import type { MemberUpdateBody, RegistrationReply } from '../../network/index.js';
import { memberFqdn } from '../../pki/index.js';
import { authorizeMemberUpdate } from '../authorization.js';
import type { DirectoryContext } from '../context.js';
import { publishedAddress } from '../inputs.js';
import { memberUpdateBody } from '../schemas.js';

export function memberRoutes(app: HttpsApp, ctx: DirectoryContext): void {
  app.put<{ Body: MemberUpdateBody }>(
    DIRECTORY_PATHS.member,
    { schema: { body: memberUpdateBody } },
    (request) => registerMember(ctx, request),
  );
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
