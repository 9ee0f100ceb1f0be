/**
 * `POST /api/v1/network/account` (a CSR for an account TLS or data cert) and `PUT` (a new address or
 * port for the account of the client certificate). Both publish `<account_id>.accounts.<net>`.
 */
import type { FastifyRequest } from 'fastify';
import type { HttpsApp } from '../../http/index.js';
import { DIRECTORY_PATHS } from '../../network/index.js';
import type {
  AccountCsrBody,
  AccountUpdateBody,
  RegistrationReply,
  SignedCsrReply,
} from '../../network/index.js';
import { accountFqdn } from '../../pki/index.js';
import type { IdentityType } from '../../pki/index.js';
import { authorizeAccountCsr, authorizeAccountUpdate } from '../authorization.js';
import type { DirectoryContext } from '../context.js';
import type { AccountRow } from '../store/directory-store.js';
import { csrIdentity, publishedAddress } from '../inputs.js';
import { accountCsrBody, accountUpdateBody } from '../schemas.js';

export function accountRoutes(app: HttpsApp, ctx: DirectoryContext): void {
  app.post<{ Body: AccountCsrBody }>(
    DIRECTORY_PATHS.account,
    { schema: { body: accountCsrBody } },
    (request) => signAccountCsr(ctx, request),
  );
  app.put<{ Body: AccountUpdateBody }>(
    DIRECTORY_PATHS.account,
    { schema: { body: accountUpdateBody } },
    (request) => updateAccount(ctx, request),
  );
}

async function signAccountCsr(
  ctx: DirectoryContext,
  request: FastifyRequest<{ Body: AccountCsrBody }>,
): Promise<SignedCsrReply> {
  const { body } = request;
  const requested = await csrIdentity(body.csr, ctx.network, ['account', 'account-data']);
  const accountId = requested.accountId ?? '';
  const existing = await ctx.store.getAccount(accountId);
  authorizeAccountCsr(requested, await ctx.requesterOf(request), existing !== undefined);
  // Checked before signing so that a refused address leaves no certificate behind.
  const registration = plannedRegistration(requested.type, body, existing, request.ip, ctx);
  const issued = await ctx.pki.signAccountCsr(body.csr, accountId);
  if (registration) await registerAccount(ctx, accountId, registration.address, registration.port);
  return { chain: issued.chainPem, root_ca: ctx.pki.rootCaPem };
}

async function updateAccount(
  ctx: DirectoryContext,
  request: FastifyRequest<{ Body: AccountUpdateBody }>,
): Promise<RegistrationReply> {
  const accountId = authorizeAccountUpdate(await ctx.requesterOf(request));
  const address = publishedAddress(request.body.address, request.ip, ctx.addressPolicy);
  const port = request.body.port ?? (await ctx.store.getAccount(accountId))?.port;
  return registerAccount(ctx, accountId, address, port);
}

/**
 * What a CSR changes in the DNS: a TLS cert request always (re-)publishes the account, at the address
 * given or else the request's source; a data cert request only when it names an address or port.
 */
function plannedRegistration(
  type: IdentityType,
  body: AccountCsrBody,
  existing: AccountRow | undefined,
  sourceIp: string,
  ctx: DirectoryContext,
): { address: string; port: number | undefined } | undefined {
  const isTls = type === 'account';
  if (!isTls && body.address === undefined && body.port === undefined) return undefined;
  const given = body.address ?? (isTls ? undefined : existing?.address);
  return { address: publishedAddress(given, sourceIp, ctx.addressPolicy), port: body.port ?? existing?.port };
}

function registerAccount(
  ctx: DirectoryContext,
  accountId: string,
  address: string,
  port: number | undefined,
): Promise<RegistrationReply> {
  const registration = { kind: 'account', row: { accountId, address, port } } as const;
  return ctx.registrar.publishHost(registration, accountFqdn(ctx.network, accountId), address, port);
}
