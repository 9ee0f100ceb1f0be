/**
 * One membership of the pod (spec §1: a `member_id` per service joined): its certificates, its
 * namespace store, its event bus and the GraphQL schema of its contract. The schema is built once per
 * contract version (at join, at start and at upgrade), never per request; requests take a snapshot of
 * `{contract, schema}` so that an upgrade in between cannot mix two versions in one request.
 */
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import type { GraphQLSchema } from 'graphql';
import { parseContract } from '../contract/index.js';
import type { Contract } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import { MembershipEvents, buildMembershipSchema } from '../graphql/index.js';
import { credentialTlsOptions, memberFqdn, readCredential } from '../pki/index.js';
import type { Credential } from '../pki/index.js';
import { openSqliteStore, readSqliteStoreInfo } from '../storage/index.js';
import type { DataStore, MigrationReport } from '../storage/index.js';
import type { MembershipRecord } from './account-store.js';
import { CREDENTIALS, membershipDbPath } from './layout.js';
import type { PodPaths } from './layout.js';

/** What one request works with: a contract version and the schema built for it. */
export interface MembershipSnapshot {
  readonly contract: Contract;
  readonly schema: GraphQLSchema;
}

export interface MembershipParts {
  readonly memberId: string;
  readonly tls: Credential;
  readonly data: Credential;
  readonly store: DataStore;
  readonly rootCaPem: string;
}

export class Membership {
  readonly serviceId: number;
  readonly memberId: string;
  /** `<member_id>.members-<S>.<net>`: the member port's TLS name for this membership (SNI). */
  readonly fqdn: string;
  readonly tls: Credential;
  readonly data: Credential;
  readonly store: DataStore;
  readonly events = new MembershipEvents();
  /** The member TLS cert as a TLS context, served on the member port to clients asking for `fqdn`. */
  readonly secureContext: SecureContext;
  #snapshot: MembershipSnapshot;

  constructor(parts: MembershipParts) {
    const { contract } = parts.store;
    this.serviceId = contract.serviceId;
    this.memberId = parts.memberId;
    this.fqdn = memberFqdn(parts.tls.identity.network, contract.serviceId, parts.memberId);
    this.tls = parts.tls;
    this.data = parts.data;
    this.store = parts.store;
    this.secureContext = createSecureContext({ ...credentialTlsOptions(parts.tls), ca: parts.rootCaPem });
    this.#snapshot = { contract, schema: buildMembershipSchema(contract) };
  }

  get snapshot(): MembershipSnapshot {
    return this.#snapshot;
  }

  get contract(): Contract {
    return this.#snapshot.contract;
  }

  /**
   * Moves the namespace to `next` (spec §5: add only). The schema is built first, so a contract the
   * generator refuses changes nothing; an incompatible version is refused by `migrate` before it writes.
   */
  async upgrade(next: Contract): Promise<MigrationReport> {
    const schema = buildMembershipSchema(next);
    const report = await this.store.migrate(next);
    this.#snapshot = { contract: this.store.contract, schema };
    return report;
  }

  async close(): Promise<void> {
    this.events.close();
    await this.store.close();
  }
}

/** Reopens a membership the pod joined earlier, from its files (`pki/member-*`, `memberships/*.db`). */
export async function openMembership(
  paths: PodPaths,
  record: MembershipRecord,
  passphrase: string,
  rootCaPem: string,
): Promise<Membership> {
  const { serviceId, memberId } = record;
  const [tls, data] = await Promise.all([
    readCredential(paths.pkiDir, CREDENTIALS.memberTls(serviceId), passphrase),
    readCredential(paths.pkiDir, CREDENTIALS.memberData(serviceId), passphrase),
  ]);
  for (const credential of [tls, data]) {
    if (credential.identity.memberId !== memberId || credential.identity.serviceId !== serviceId) {
      throw new ByodaError(
        'BYODA_ERR_CONFIG',
        `the certificate ${credential.commonName} is not of membership ${memberId} of service ${serviceId}`,
      );
    }
  }
  const location = membershipDbPath(paths, serviceId);
  const info = await readSqliteStoreInfo(location);
  if (!info || info.serviceId !== serviceId) {
    throw new ByodaError('BYODA_ERR_CONFIG', `the namespace of service ${serviceId} is missing`);
  }
  // The document was verified (both signatures) when it was fetched; the file is the pod's own.
  const contract = parseContract(info.contractDocument);
  const store = await openSqliteStore(location, contract);
  return assembleMembership({ memberId, tls, data, store, rootCaPem });
}

/** A Membership over an open store; the store is closed again when the schema cannot be built. */
export async function assembleMembership(parts: MembershipParts): Promise<Membership> {
  try {
    return new Membership(parts);
  } catch (err) {
    await parts.store.close();
    throw err;
  }
}
