/**
 * Who is calling, from the client certificate of the TLS connection (spec §3). The TLS layer accepts
 * any certificate or none (so that public routes stay open), so a route that needs a caller relies on
 * the chain verified to the network root by src/http's client-identity.ts (which also recognises
 * resumed TLS sessions); here only the service's rules: an account asks for memberships, a member of
 * this service nudges and searches.
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { ByodaError } from '../errors/index.js';
import type { ClientIdentityVerifier } from '../http/index.js';
import { identityCn } from '../pki/index.js';
import type { PkiIdentity } from '../pki/index.js';
import { setRequester } from './request-log.js';

/**
 * The verified account of the caller. No certificate: 401. A certificate that does not chain to this
 * network's root: 401. A valid certificate of another kind (a member, a service): 403.
 */
export async function authenticateAccount(
  clients: ClientIdentityVerifier,
  request: FastifyRequest,
): Promise<PkiIdentity & { accountId: string }> {
  const identity = await identifyRequest(clients, request);
  if (!identity) {
    throw new ByodaError(
      'BYODA_ERR_UNAUTHORIZED',
      'a client certificate (the account TLS certificate) is required',
    );
  }
  const { accountId } = identity;
  if (identity.type !== 'account' || accountId === undefined) {
    throw new ByodaError(
      'BYODA_ERR_FORBIDDEN',
      `only an account TLS certificate may ask for a membership, not a ${identity.type} certificate`,
    );
  }
  return { ...identity, accountId };
}

/**
 * The verified member of this service calling, by its member TLS cert (`<member_id>.members-<S>.<net>`).
 * No certificate, or one that does not chain to this network's root: 401. Another kind of certificate
 * (an account, a member data cert, a member of another service, a service): 403. `what` says what
 * the caller wanted, for the refusal.
 */
export async function authenticateMember(
  clients: ClientIdentityVerifier,
  request: FastifyRequest,
  serviceId: number,
  what: string,
): Promise<PkiIdentity & { memberId: string }> {
  const identity = await identifyRequest(clients, request);
  if (!identity) {
    throw new ByodaError(
      'BYODA_ERR_UNAUTHORIZED',
      `a client certificate (the member TLS certificate of a member of service ${serviceId}) is required to ${what}`,
    );
  }
  const { memberId } = identity;
  if (identity.type !== 'member' || memberId === undefined || identity.serviceId !== serviceId) {
    const whose = identity.serviceId === undefined ? '' : ` of service ${identity.serviceId}`;
    throw new ByodaError(
      'BYODA_ERR_FORBIDDEN',
      `only the member TLS certificate of a member of service ${serviceId} may ${what}, not a ${identity.type} certificate${whose}`,
    );
  }
  return { ...identity, memberId };
}

async function identifyRequest(
  clients: ClientIdentityVerifier,
  request: FastifyRequest,
): Promise<PkiIdentity | undefined> {
  try {
    const identity = await clients.identityOf(request.raw.socket as TLSSocket);
    if (identity) setRequester(request, identityCn(identity));
    return identity;
  } catch (err) {
    setRequester(request, 'untrusted-certificate');
    throw err;
  }
}
