/**
 * Who may register what at the directory (docs/protocol.md, "Directory API"). Pure decisions over the
 * verified identity of the client certificate (or none): the routes call these after verifying the
 * chain to the network root, so an identity here is one the network's CAs issued.
 *
 * The rule is "first come, first served, then only the holder": a new account or service id is open to
 * anyone (the CA signs a name nobody holds yet), an existing one only to the holder of its certificate,
 * which keeps one pod from taking over another's name or DNS records.
 */
import { ByodaError } from '../errors/index.js';
import type { RevocationBody } from '../network/index.js';
import type { PkiIdentity } from '../pki/index.js';

/** The verified client certificate identity, or undefined for a client that presented none. */
export type Requester = PkiIdentity | undefined;

/** How a requester appears in logs: its kind and id, never more. */
export function describeRequester(requester: Requester): string {
  if (!requester) return 'anonymous';
  switch (requester.type) {
    case 'account':
    case 'account-data':
      return `${requester.type}:${requester.accountId ?? '?'}`;
    case 'member':
    case 'member-data':
      return `${requester.type}:${requester.memberId ?? '?'}@${requester.serviceId ?? '?'}`;
    case 'app':
    case 'app-data':
      return `${requester.type}:${requester.appId ?? '?'}@${requester.serviceId ?? '?'}`;
    default:
      return requester.serviceId === undefined ? requester.type : `${requester.type}:${requester.serviceId}`;
  }
}

/**
 * A CSR for an account's TLS or data cert. A new account may get its TLS cert without a client cert
 * (trust on first registration); an existing account's TLS cert and any data cert need the account's
 * own TLS cert, so that only the pod holding the account can add keys to it.
 */
export function authorizeAccountCsr(
  requested: PkiIdentity,
  requester: Requester,
  accountExists: boolean,
): void {
  const accountId = requested.accountId ?? '';
  if (requested.type === 'account' && !accountExists) return;
  if (isAccount(requester, accountId)) return;
  const why =
    requested.type === 'account-data'
      ? 'an account data cert needs the client certificate of that account'
      : 'the account exists: re-registering it needs its own client certificate';
  throw forbidden(`${why} (account ${accountId})`);
}

/** `PUT /api/v1/network/account`: the account of the client certificate; returns its id. */
export function authorizeAccountUpdate(requester: Requester): string {
  if (!requester) throw unauthorized('updating an account needs its client certificate');
  if (requester.type !== 'account' || requester.accountId === undefined) {
    throw forbidden(`a ${requester.type} certificate cannot update an account`);
  }
  return requester.accountId;
}

/**
 * A CSR for a service's CA. A new service id is open; a taken one (409 without a certificate, as the
 * id is simply not free) may be re-signed only for the holder of that service's TLS cert.
 */
export function authorizeServiceCsr(serviceId: number, requester: Requester, serviceExists: boolean): void {
  if (!serviceExists || isService(requester, serviceId)) return;
  if (!requester) {
    throw new ByodaError('BYODA_ERR_CONFLICT', `service id ${serviceId} is already registered`, {
      status: 409,
    });
  }
  throw forbidden(`service ${serviceId} is registered: only its own TLS certificate may renew its CA`);
}

/** Calls on a service's own resource: only its TLS cert. */
export function authorizeServiceCaller(serviceId: number, requester: Requester): void {
  if (!requester) throw unauthorized(`this call needs the TLS certificate of service ${serviceId}`);
  if (!isService(requester, serviceId)) {
    throw forbidden(`only the TLS certificate of service ${serviceId} may do this`);
  }
}

/** A membership's DNS records: the member itself, or the service it is a member of. */
export function authorizeMemberUpdate(memberId: string, serviceId: number, requester: Requester): void {
  if (!requester) throw unauthorized('registering a member needs the member’s or the service’s certificate');
  const isThatMember =
    requester.type === 'member' && requester.memberId === memberId && requester.serviceId === serviceId;
  if (isThatMember || isService(requester, serviceId)) return;
  throw forbidden(`only member ${memberId} or service ${serviceId} may register this membership`);
}

/** An app's DNS records (spec §12): the app itself (its TLS cert), or the service it is an app of. */
export function authorizeAppUpdate(appId: string, serviceId: number, requester: Requester): void {
  if (!requester) throw unauthorized('registering an app needs the app’s or the service’s certificate');
  const isThatApp =
    requester.type === 'app' && requester.appId === appId && requester.serviceId === serviceId;
  if (isThatApp || isService(requester, serviceId)) return;
  throw forbidden(`only app ${appId} or service ${serviceId} may register this app`);
}

/**
 * Who may revoke (docs/protocol.md, "Revocation"): an account by its own account cert, a membership by
 * its own member cert or by its service's cert. The operator revokes anything, locally, with `byoda
 * directory revoke` (no API). Returns who asked, for the list.
 */
export function authorizeRevocation(body: RevocationBody, requester: Requester): 'owner' | 'service' {
  if (!requester) throw unauthorized('revoking needs the certificate of the account, member or service');
  if (body.kind === 'account') {
    if (isAccount(requester, body.account_id)) return 'owner';
    throw forbidden(`only account ${body.account_id} itself may revoke it`);
  }
  const isThatMember =
    requester.type === 'member' &&
    requester.memberId === body.member_id &&
    requester.serviceId === body.service_id;
  if (isThatMember) return 'owner';
  if (isService(requester, body.service_id)) return 'service';
  throw forbidden(`only member ${body.member_id} or service ${body.service_id} may revoke this membership`);
}

function isAccount(requester: Requester, accountId: string): boolean {
  return requester?.type === 'account' && requester.accountId === accountId;
}

function isService(requester: Requester, serviceId: number): boolean {
  return requester?.type === 'service' && requester.serviceId === serviceId;
}

function forbidden(message: string): ByodaError {
  return new ByodaError('BYODA_ERR_FORBIDDEN', message, { status: 403 });
}

function unauthorized(message: string): ByodaError {
  return new ByodaError('BYODA_ERR_UNAUTHORIZED', message, { status: 401 });
}
