/**
 * `GET /api/v1/network/revocations` (public): the network's revocation list, signed with the network
 * data key, and the chain that verifies it; every pod and service fetches it periodically.
 * `POST /api/v1/network/revocations`: an account revokes itself, a member itself, a service one of its
 * members (authorization.ts). The operator's revocations are written locally (src/cli `byoda
 * directory revoke`) into the same table.
 */
import type { FastifyRequest } from 'fastify';
import type { HttpsApp } from '../../http/index.js';
import { DIRECTORY_PATHS } from '../../network/index.js';
import type { RevocationBody, RevocationListReply } from '../../network/index.js';
import { signRevocationList } from '../../pki/index.js';
import type { Revocation } from '../../pki/index.js';
import { authorizeRevocation } from '../authorization.js';
import type { DirectoryContext } from '../context.js';
import { revocationBody } from '../schemas.js';

export function revocationRoutes(app: HttpsApp, ctx: DirectoryContext): void {
  app.get(DIRECTORY_PATHS.revocations, async (_request, reply): Promise<RevocationListReply> => {
    // A list describes this moment: never from a cache.
    void reply.header('cache-control', 'no-store');
    return revocationListReply(ctx);
  });
  app.post<{ Body: RevocationBody }>(
    DIRECTORY_PATHS.revocations,
    { schema: { body: revocationBody } },
    (request) => revoke(ctx, request),
  );
}

async function revoke(
  ctx: DirectoryContext,
  request: FastifyRequest<{ Body: RevocationBody }>,
): Promise<{ revoked: boolean; revoked_at: string }> {
  const { body } = request;
  const by = authorizeRevocation(body, await ctx.requesterOf(request));
  const revokedAt = new Date().toISOString();
  const entry: Revocation =
    body.kind === 'account'
      ? { kind: 'account', account_id: body.account_id, revoked_at: revokedAt, by }
      : { kind: 'member', member_id: body.member_id, service_id: body.service_id, revoked_at: revokedAt, by };
  const added = await ctx.store.revoke(entry);
  request.log.info({ revocation: { ...entry }, added }, 'revoked');
  return { revoked: true, revoked_at: revokedAt };
}

export async function revocationListReply(ctx: DirectoryContext): Promise<RevocationListReply> {
  const list = {
    network: ctx.network,
    issued_at: new Date().toISOString(),
    revocations: await ctx.store.listRevocations(),
  };
  return { list: await signRevocationList(list, ctx.pki.networkData), chain: ctx.pki.networkData.chainPem };
}
