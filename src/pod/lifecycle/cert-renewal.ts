/**
 * The running pod renews its four kinds of certificate before they expire (docs/operations.md,
 * "Renewal"), each with the same key:
 *
 * | credential             | signed by (over mutual TLS with the account cert) | then                       |
 * |------------------------|---------------------------------------------------|----------------------------|
 * | account TLS            | the directory (`POST /api/v1/network/account`)    | web port's TLS context     |
 * | account data           | the directory                                     | written only               |
 * | member TLS of each S   | the service (`POST /api/v1/service/member`)       | member port's SNI context  |
 * | member data of each S  | the service                                       | written only               |
 *
 * Everything else that uses a credential (the directory and service clients, the peer pools, the
 * feed sockets, the signers, the data cert route) reads it per connection or per signature, and the
 * renewal replaces it in place (src/pki renewal.ts). A TLS context swapped on a listening server
 * serves new handshakes; connections already open keep theirs, so none is dropped.
 *
 * The member TLS CSR carries the member port (the service publishes it again), so renewals start
 * once the pod listens.
 *
 * The same renewer rotates keys (key-rotation.ts): each `renew` takes the new keys a rotation gives,
 * and the member data certificate a rotation replaces is kept (`member-data-<S>.previous.pem`) for
 * the signatures made with it.
 */
import type { Server as TlsServer } from 'node:tls';
import {
  credentialTlsOptions,
  loggedRenewer,
  readCredential,
  requestCredential,
  writeChainFile,
  writeCredential,
} from '../../pki/index.js';
import type { CertificateRenewer, Credential, CryptoKeyPair, RenewalSettings } from '../../pki/index.js';
import type { PodContext } from '../context.js';
import { connectService } from '../memberships/join.js';
import type { Membership } from '../memberships/membership.js';
import { CREDENTIALS } from './layout.js';

/** The pod's two listening TLS servers. */
export interface PodTlsServers {
  readonly web: TlsServer;
  readonly member: TlsServer;
}

/** Where the pod is published: the address (absent: the request's source) and the web port. */
export interface PodPublication {
  readonly address: string | undefined;
  readonly webPort: number;
}

export async function startPodRenewals(
  context: PodContext,
  servers: PodTlsServers,
  publication: PodPublication,
  settings: RenewalSettings,
): Promise<CertificateRenewer> {
  const log = context.logger;
  const renewer = loggedRenewer(settings, log);
  const where = publication.address !== undefined ? { address: publication.address } : {};
  const write = (name: string) => (credential: Credential) =>
    writeCredential(context.paths.pkiDir, name, credential, context.passphrase);
  renewer.add({
    name: CREDENTIALS.accountTls,
    credential: context.accountTls,
    renew: (current, keys) =>
      renewWith(current, keys, context.rootCaPem, async (csrPem) => {
        const signed = await context.directory.registerAccount({
          csrPem,
          ...where,
          port: publication.webPort,
        });
        return signed.chainPem;
      }),
    renewed: async (credential) => {
      await write(CREDENTIALS.accountTls)(credential);
      servers.web.setSecureContext(credentialTlsOptions(credential));
      // Before any join the member port serves the account cert too.
      if (context.memberships.list().length === 0) useDefaultCert(servers.member, credential, context);
    },
  });
  const accountData = await readCredential(context.paths.pkiDir, CREDENTIALS.accountData, context.passphrase);
  renewer.add({
    name: CREDENTIALS.accountData,
    credential: accountData,
    renew: (current, keys) =>
      renewWith(current, keys, context.rootCaPem, async (csrPem) => {
        return (await context.directory.registerAccount({ csrPem })).chainPem;
      }),
    renewed: write(CREDENTIALS.accountData),
  });
  const addMembership = (membership: Membership): void =>
    addMembershipRenewals(renewer, context, servers, membership);
  for (const membership of context.memberships.list()) addMembership(membership);
  context.memberships.onAdd(addMembership);
  // At start, before the pod registers with its certificates: one that is due is renewed first.
  await renewer.start();
  return renewer;
}

function addMembershipRenewals(
  renewer: CertificateRenewer,
  context: PodContext,
  servers: PodTlsServers,
  membership: Membership,
): void {
  const { serviceId } = membership;
  const endpoint = context.memberEndpoint;
  const viaService = (withPort: boolean) => async (csrPem: string) => {
    const service = await connectService(context, serviceId);
    try {
      return await service.requestMemberCert({
        csrPem,
        ...(withPort && endpoint?.address !== undefined ? { address: endpoint.address } : {}),
        ...(withPort && endpoint ? { port: endpoint.port } : {}),
      });
    } finally {
      await service.close();
    }
  };
  const write = (name: string) => (credential: Credential) =>
    writeCredential(context.paths.pkiDir, name, credential, context.passphrase);
  renewer.add({
    name: CREDENTIALS.memberTls(serviceId),
    credential: membership.tls,
    renew: (current, keys) => renewWith(current, keys, context.rootCaPem, viaService(true)),
    renewed: async (credential) => {
      await write(CREDENTIALS.memberTls(serviceId))(credential);
      // spec §4 SNI: the most recently added context for a name is the one served.
      servers.member.addContext(membership.fqdn, membership.reloadTls());
      if (context.memberships.list()[0] === membership) useDefaultCert(servers.member, credential, context);
    },
  });
  renewer.add({
    name: CREDENTIALS.memberData(serviceId),
    credential: membership.data,
    renew: (current, keys) => renewWith(current, keys, context.rootCaPem, viaService(false)),
    // Kept before the new one takes its place: a verifier asking for it by thumbprint finds it.
    retiring: async (old) => {
      await writeChainFile(context.paths.pkiDir, CREDENTIALS.memberDataPrevious(serviceId), old.chainPem);
      membership.previousDataChain = old.chainPem;
    },
    renewed: write(CREDENTIALS.memberData(serviceId)),
  });
}

/** A CSR of the credential's own name, with its own key (renewal) or the given one (rotation). */
function renewWith(
  current: Credential,
  keys: CryptoKeyPair | undefined,
  rootCaPem: string,
  sign: (csrPem: string) => Promise<string>,
): Promise<Credential> {
  return requestCredential(current.commonName, rootCaPem, sign, keys ?? current.keys);
}

function useDefaultCert(server: TlsServer, credential: Credential, context: PodContext): void {
  server.setSecureContext({ ...credentialTlsOptions(credential), ca: context.rootCaPem });
}
