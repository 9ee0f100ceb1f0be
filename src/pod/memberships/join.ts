/**
 * Joining a service (spec §1, §3, §5): find the service through the directory's DNS, fetch and verify
 * its signed contract, pick a member id, have the service sign the member TLS and member data certs
 * (over mutual TLS with the account cert; the service publishes the member's DNS name with the member
 * port), create the membership's namespace and record the membership. The membership is recorded in
 * account.db last: a join that fails half-way leaves no membership, and its files are removed.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { findClass } from '../../contract/index.js';
import type { Contract } from '../../contract/index.js';
import { ByodaError } from '../../errors/index.js';
import { memberDataCn, memberFqdn, requestCredential, writeCredential } from '../../pki/index.js';
import { openSqliteStore } from '../../storage/index.js';
import type { DataStore } from '../../storage/index.js';
import { federationSettings } from '../context.js';
import type { PodContext } from '../context.js';
import { CREDENTIALS, membershipDbPath } from '../lifecycle/layout.js';
import { assembleMembership } from './membership.js';
import type { Membership } from './membership.js';
import { ServiceClient } from './service-client.js';
import { locateService } from './service-locator.js';
import { fetchVerifiedContract } from './verified-contract.js';

/** Opens a client of the service, found through the directory's DNS. */
export async function connectService(context: PodContext, serviceId: number): Promise<ServiceClient> {
  const location = await locateService(context.resolver, context.config.network, serviceId);
  return new ServiceClient({
    url: location.url,
    fqdn: location.fqdn,
    rootCaPem: context.rootCaPem,
    credential: context.accountTls,
  });
}

export async function joinService(context: PodContext, serviceId: number): Promise<Membership> {
  if (context.memberships.get(serviceId) || context.joining.has(serviceId)) {
    throw new ByodaError('BYODA_ERR_CONFLICT', `this pod is already a member of service ${serviceId}`);
  }
  const endpoint = context.memberEndpoint;
  if (!endpoint) throw new ByodaError('BYODA_ERR_CONFIG', 'the member port is not listening yet');
  context.joining.add(serviceId);
  const service = await connectService(context, serviceId).catch((err: unknown) => {
    context.joining.delete(serviceId);
    throw err;
  });
  try {
    const contract = await fetchVerifiedContract(service, serviceId, context.rootCaPem);
    const membership = await createMembership(context, service, contract);
    context.accounts.addMembership({
      serviceId,
      memberId: membership.memberId,
      contractVersion: contract.version,
      joinedAt: new Date().toISOString(),
    });
    context.memberships.add(membership);
    return membership;
  } finally {
    context.joining.delete(serviceId);
    await service.close();
  }
}

/** Certificates, namespace and schema of a new membership; undone entirely when a step fails. */
async function createMembership(
  context: PodContext,
  service: ServiceClient,
  contract: Contract,
): Promise<Membership> {
  const { serviceId } = contract;
  const memberId = randomUUID();
  const location = membershipDbPath(context.paths, serviceId);
  let store: DataStore | undefined;
  try {
    const { tls, data } = await requestMemberCerts(context, service, serviceId, memberId);
    await mkdir(context.paths.membershipsDir, { recursive: true, mode: 0o700 });
    // A file left by an earlier failed join would hold another member's data.
    await removeNamespace(location);
    store = await openSqliteStore(location, contract);
    await recordMembershipObject(store, contract, memberId);
    return await assembleMembership({
      memberId,
      tls,
      data,
      store,
      rootCaPem: context.rootCaPem,
      federation: federationSettings(context),
      logger: context.logger,
    });
  } catch (err) {
    await store?.close().catch(() => undefined);
    await removeNamespace(location);
    throw err;
  }
}

async function requestMemberCerts(
  context: PodContext,
  service: ServiceClient,
  serviceId: number,
  memberId: string,
) {
  const { network } = context.config;
  const { rootCaPem, passphrase } = context;
  const endpoint = context.memberEndpoint;
  const address = endpoint?.address !== undefined ? { address: endpoint.address } : {};
  const tls = await requestCredential(memberFqdn(network, serviceId, memberId), rootCaPem, (csrPem) =>
    service.requestMemberCert({ csrPem, ...address, ...(endpoint ? { port: endpoint.port } : {}) }),
  );
  const data = await requestCredential(memberDataCn(network, serviceId, memberId), rootCaPem, (csrPem) =>
    service.requestMemberCert({ csrPem }),
  );
  await writeCredential(context.paths.pkiDir, CREDENTIALS.memberTls(serviceId), tls, passphrase);
  await writeCredential(context.paths.pkiDir, CREDENTIALS.memberData(serviceId), data, passphrase);
  return { tls, data };
}

/**
 * BYODA contracts describe the membership itself in an object class `member` (`member_id`, `joined`).
 * Its fields are often not writable by the owner through the API (e.g. the addressbook grants only
 * `persist` on `member_id`), so the pod writes them itself, below the firewall, when it joins.
 */
async function recordMembershipObject(store: DataStore, contract: Contract, memberId: string): Promise<void> {
  const cls = findClass(contract, 'member');
  if (!cls || cls.kind !== 'object') return;
  const has = (name: string, scalar: string): boolean =>
    cls.fields.some((f) => f.name === name && f.type.kind === 'scalar' && f.type.scalar === scalar);
  if (!has('member_id', 'uuid') || !has('joined', 'date-time')) return;
  await store.putObject('member', { member_id: memberId, joined: new Date().toISOString() });
}

/** The namespace file and its SQLite companions (WAL, shared memory). */
async function removeNamespace(location: string): Promise<void> {
  await Promise.all(['', '-wal', '-shm'].map((suffix) => rm(`${location}${suffix}`, { force: true })));
}
