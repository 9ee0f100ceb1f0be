/**
 * Who is asking (spec §6), from the credentials of a request, for the firewall (`Requester`):
 *
 * - web port: a valid owner JWT (`Authorization: Bearer`) is the owner; no `Authorization` header is
 *   anonymous; any other token (expired, forged, `alg: none`, another pod's) is refused with 401, so a
 *   client with a stale token learns to log in again instead of silently seeing less.
 * - member port: the client certificate chain, verified to the network root in the application
 *   (src/http's client-identity.ts: the TLS layer accepts any certificate so that anonymous clients
 *   still reach the firewall). No certificate, or one that does not verify, is anonymous; a member TLS cert of
 *   the endpoint's service is that member (or the owner, for the membership's own cert); the
 *   service's TLS cert is the service; an app TLS cert of the service (its apps CA) is that app; a
 *   member, service or app cert of another service is refused (403);
 *   any other valid cert (account, data certs) names nobody this endpoint serves: anonymous.
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { ByodaError, isByodaError } from '../../errors/index.js';
import type { Requester } from '../../firewall/index.js';
import type { ClientIdentityVerifier } from '../../http/index.js';
import type { PkiIdentity } from '../../pki/index.js';
import type { Membership } from '../memberships/membership.js';
import { linkRelations } from '../federation/network-links.js';
import { bearerToken } from './owner-token.js';
import type { OwnerTokens } from './owner-token.js';
import { isScopedToken } from './scoped-tokens.js';
import type { ScopedTokens } from './scoped-tokens.js';

export const ANONYMOUS: Requester = { kind: 'anonymous' };
export const OWNER: Requester = { kind: 'owner' };

/** The requester of a web-port request from its `Authorization` header (throws 401 for a bad one). */
export async function webRequester(
  authorization: string | undefined,
  tokens: OwnerTokens,
): Promise<Requester> {
  if (authorization === undefined || authorization.trim() === '') return ANONYMOUS;
  const token = bearerToken(authorization);
  if (token === null) {
    throw new ByodaError('BYODA_ERR_UNAUTHORIZED', 'the Authorization header must be `Bearer <token>`');
  }
  await tokens.verify(token);
  return OWNER;
}

/**
 * The requester of a web-port request to the GraphQL endpoint of the membership of `serviceId`: as
 * `webRequester`, and also a scoped token (docs/protocol.md, "Scoped tokens"), which is a delegate of
 * the owner for that one membership only (403 on another's endpoint). Only here: the owner's REST API
 * takes the owner's token alone.
 */
export async function dataRequester(
  authorization: string | undefined,
  tokens: OwnerTokens,
  scoped: ScopedTokens,
  serviceId: number,
): Promise<Requester> {
  const token = bearerToken(authorization);
  if (token === null || !isScopedToken(token)) return webRequester(authorization, tokens);
  return delegateOf(scoped, token, serviceId);
}

/** The delegate a scoped token makes on the endpoint of `serviceId`; throws 401 or 403. */
export function delegateOf(scoped: ScopedTokens, token: string, serviceId: number): Requester {
  const scope = scoped.verify(token);
  if (scope.serviceId !== serviceId) {
    throw new ByodaError(
      'BYODA_ERR_FORBIDDEN',
      `this scoped token is for the membership of service ${scope.serviceId}, not ${serviceId}`,
    );
  }
  return { kind: 'delegate', scope };
}

/** WebSocket upgrade requests (by their raw request) whose `connection_init` proved the owner's token. */
const ownerSockets = new WeakMap<object, string>();

/** The socket of `request` showed a valid owner token in `connection_init` (routes/graphql/graphql-ws-route.ts). */
export function ownerProvedOnSocket(request: FastifyRequest, accountId: string): void {
  ownerSockets.set(request.raw, accountId);
}

/**
 * For the rate limit (src/http rate-limit.ts): the owner's account id when the request carries a valid
 * owner token, in its `Authorization` header or (for the operations of a WebSocket) in the socket's
 * `connection_init`; else undefined, and the request counts by address. Never throws.
 */
export async function rateLimitOwnerOf(
  request: FastifyRequest,
  tokens: OwnerTokens,
): Promise<string | undefined> {
  return ownerSockets.get(request.raw) ?? tokens.ownerOf(request.headers.authorization);
}

/**
 * The verified identity of a member-port client's certificate, or null: no certificate, or a chain
 * that does not verify, is no identity (the request is then anonymous, spec §6), never a failure.
 * A revoked certificate is the exception: it is refused (403 BYODA_ERR_REVOKED), not let in as
 * anonymous, so that its holder learns why and nothing is served to it.
 */
export async function memberPortIdentity(
  clients: ClientIdentityVerifier,
  request: FastifyRequest,
): Promise<PkiIdentity | null> {
  try {
    return (await clients.identityOf(request.raw.socket as TLSSocket)) ?? null;
  } catch (err) {
    if (isByodaError(err) && err.code !== 'BYODA_ERR_REVOKED') return null;
    throw err;
  }
}

/** The requester of a member-port request to `membership`'s endpoint (spec §3, §6). */
export async function memberPortRequester(
  identity: PkiIdentity | null,
  membership: Membership,
): Promise<Requester> {
  if (identity === null) return ANONYMOUS;
  const ofThisService = identity.serviceId === membership.serviceId;
  if (identity.type === 'member' && identity.memberId !== undefined) {
    if (!ofThisService) throw otherService(identity, membership);
    if (identity.memberId === membership.memberId) return OWNER;
    const { contract } = membership.snapshot;
    return {
      kind: 'member',
      memberId: identity.memberId,
      relations: await linkRelations(membership.store, contract, identity.memberId),
      distance: 1,
      // Direct requests carry no origin signature; for a forwarded query (spec §8) admission sets it
      // and the distance from the origin (federated-admission.ts).
      originSignatureVerified: false,
    };
  }
  if (identity.type === 'service') {
    if (!ofThisService) throw otherService(identity, membership);
    return { kind: 'service', serviceId: membership.serviceId };
  }
  if (identity.type === 'app' && identity.appId !== undefined) {
    if (!ofThisService) throw otherService(identity, membership);
    return { kind: 'app', appId: identity.appId, serviceId: membership.serviceId };
  }
  return ANONYMOUS;
}

function otherService(identity: PkiIdentity, membership: Membership): ByodaError {
  return new ByodaError(
    'BYODA_ERR_FORBIDDEN',
    `a ${identity.type} certificate of service ${identity.serviceId} has no access to the data of ` +
      `service ${membership.serviceId}`,
  );
}
