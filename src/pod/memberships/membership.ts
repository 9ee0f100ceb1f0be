/**
 * One membership of the pod (spec §1: a `member_id` per service joined): its certificates, its
 * namespace store, its event bus and the GraphQL schema of its contract. The schema is built once per
 * contract version (at join, at start and at upgrade), never per request; requests take a snapshot of
 * `{contract, schema}` so that an upgrade in between cannot mix two versions in one request.
 *
 * A membership of a running pod also has its federation (spec §8, src/federation/index.ts): made once
 * with the membership (at start and at join) and closed with it. An upgrade keeps it, because it reads
 * the contract and the links per query, and because its query-id memory must outlive the upgrade: a
 * query id seen just before an upgrade is still a replay after it.
 *
 * The data log (src/pod/datalog) batches the firewall's decisions into the contract's `datalogs`
 * class; its last batch is written before the store closes.
 *
 * Two more helpers live as long as the membership: the expiry sweeper (cached remote data leaves the
 * disk within a second of its expiry, spec §8) and, with federation, the feed listener that follows
 * the classes of linked pods the contract's `listen_relations` name (src/feeds). Both read the
 * contract when they need it, so an upgrade keeps them working; both stop before the store closes.
 */
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { parseContract } from '../../contract/index.js';
import type { Contract } from '../../contract/index.js';
import { ByodaError } from '../../errors/index.js';
import { createFeedListener } from '../../feeds/index.js';
import type { FeedListener } from '../../feeds/index.js';
import { createMembershipFederation } from '../../federation/index.js';
import type { FanOutObserver, MembershipFederation, PeerResolver } from '../../federation/index.js';
import { MembershipEvents } from '../../graphql/index.js';
import { sharedMembershipSchema } from './shared-schema.js';
import {
  credentialTlsOptions,
  memberFqdn,
  notAfterMs,
  readChainFile,
  readCredential,
  splitPemBundle,
} from '../../pki/index.js';
import type { Credential } from '../../pki/index.js';
import { openSqliteStore, readSqliteStoreInfo, startExpirySweeper } from '../../storage/index.js';
import type { DataStore, ExpirySweeper, MigrationReport } from '../../storage/index.js';
import type { MembershipRecord } from '../lifecycle/account-store.js';
import type { FederationTimings } from '../federation/federation-timings.js';
import { CREDENTIALS, membershipDbPath } from '../lifecycle/layout.js';
import { NETWORK_LINKS_CLASS, linkTargets } from '../federation/network-links.js';
import type { PodPaths } from '../lifecycle/layout.js';
import { DataLog, datalogSettings } from '../datalog/index.js';
import type { DataLogSettings } from '../datalog/index.js';

/** What one request works with: a contract version and the schema built for it. */
export interface MembershipSnapshot {
  readonly contract: Contract;
  readonly schema: GraphQLSchema;
}

export interface MembershipParts {
  readonly memberId: string;
  readonly tls: Credential;
  readonly data: Credential;
  /** The member data chain a key rotation replaced, still valid (CREDENTIALS.memberDataPrevious). */
  readonly previousDataChain?: string | undefined;
  readonly store: DataStore;
  readonly rootCaPem: string;
  /**
   * How to reach other members' pods (spec §8). Without it the membership has no federation:
   * `remote_member_id` and `depth >= 1` are refused (e.g. in unit tests without a network).
   */
  readonly federation?: MembershipFederationSettings;
  /** Where the sweeper and the feed listener report (nothing is logged without one). */
  readonly logger?: Logger;
  /** The data log's retention and caps; default: the environment's, else DEFAULT_DATALOG_SETTINGS. */
  readonly datalog?: DataLogSettings;
}

export interface MembershipFederationSettings extends FederationTimings {
  /** The directory's DNS (spec §2), through which other members' pods are found. */
  readonly resolver: PeerResolver;
  /** The operator's metrics of fan-outs (src/metrics `federationEvents`); none when absent. */
  readonly observer?: FanOutObserver;
  /** The network's revocation list: revoked members are neither called nor believed. */
  readonly revocations?: { hasMember(memberId: string, serviceId: number): boolean };
}

export class Membership {
  readonly serviceId: number;
  readonly memberId: string;
  /** `<member_id>.members-<S>.<net>`: the member port's TLS name for this membership (SNI). */
  readonly fqdn: string;
  readonly tls: Credential;
  readonly data: Credential;
  /**
   * The member data chain the last key rotation replaced (docs/protocol.md, "Key rotation"): served by
   * thumbprint, so that signatures made with the old key keep verifying until it expires.
   */
  previousDataChain: string | undefined;
  readonly store: DataStore;
  readonly events = new MembershipEvents();
  readonly #rootCaPem: string;
  #secureContext: SecureContext;
  /** Proxied and recursive queries (spec §8); absent without federation settings. */
  readonly federation: MembershipFederation | undefined;
  /** Follows linked pods' classes (`listen_relations`); absent without federation settings. */
  readonly feeds: FeedListener | undefined;
  /** Who asked for what (src/pod/datalog): filled from the firewall's decisions, read by the owner. */
  readonly datalog: DataLog;
  readonly #sweeper: ExpirySweeper;
  #snapshot: MembershipSnapshot;

  constructor(parts: MembershipParts) {
    const { contract } = parts.store;
    this.serviceId = contract.serviceId;
    this.memberId = parts.memberId;
    this.fqdn = memberFqdn(parts.tls.identity.network, contract.serviceId, parts.memberId);
    this.tls = parts.tls;
    this.data = parts.data;
    this.previousDataChain = parts.previousDataChain;
    this.store = parts.store;
    this.#rootCaPem = parts.rootCaPem;
    this.#secureContext = this.#tlsContext();
    this.#snapshot = { contract, schema: sharedMembershipSchema(contract) };
    this.federation = parts.federation
      ? this.#createFederation(parts.federation, parts.rootCaPem)
      : undefined;
    const logger = parts.logger?.child({ service_id: this.serviceId, member_id: this.memberId });
    this.feeds = parts.federation ? this.#createFeeds(parts.federation, parts.rootCaPem, logger) : undefined;
    this.datalog = new DataLog(this.store, parts.datalog ?? datalogSettings(undefined, process.env), logger);
    this.#sweeper = startExpirySweeper(this.store, {
      onSwept: (count) => logger?.info({ count }, 'expired records swept'),
      onError: (err) => logger?.warn({ reason: String(err) }, 'expiry sweep failed'),
    });
  }

  /** src/feeds/index.ts: this membership's TLS credential, store, contract and links. */
  #createFeeds(
    settings: MembershipFederationSettings,
    rootCaPem: string,
    logger: Logger | undefined,
  ): FeedListener {
    return createFeedListener({
      tlsCredential: this.tls,
      rootCaPem,
      resolver: settings.resolver,
      store: this.store,
      contract: () => this.contract,
      links: () => linkTargets(this.store, this.contract),
      linksClassName: NETWORK_LINKS_CLASS,
      ...(logger ? { logger } : {}),
      // Copies reach the owner's subscriptions to the feed classes like any append.
      onCopied: (className, record) =>
        this.events.publish({ className, action: 'append', node: record.data, cursor: record.cursor }),
    });
  }

  /** Wired as src/federation/index.ts says: this membership's credentials, contract and links. */
  #createFederation(settings: MembershipFederationSettings, rootCaPem: string): MembershipFederation {
    return createMembershipFederation({
      tlsCredential: this.tls,
      dataCredential: this.data,
      previousDataChain: () => this.previousDataChain,
      rootCaPem,
      resolver: settings.resolver,
      contract: () => this.contract,
      links: () => linkTargets(this.store, this.contract),
      linksClassName: NETWORK_LINKS_CLASS,
      hopTimeoutMs: settings.hopTimeoutMs,
      deadlineMs: settings.deadlineMs,
      ...(settings.observer !== undefined ? { observer: settings.observer } : {}),
      ...(settings.revocations
        ? {
            isRevokedMember: (memberId: string) =>
              settings.revocations?.hasMember(memberId, this.serviceId) ?? false,
          }
        : {}),
    });
  }

  /** The member TLS cert as a TLS context, served on the member port to clients asking for `fqdn`. */
  get secureContext(): SecureContext {
    return this.#secureContext;
  }

  /** After a renewal of the member TLS cert (src/pki renewal.ts): the context of the new chain. */
  reloadTls(): SecureContext {
    this.#secureContext = this.#tlsContext();
    return this.#secureContext;
  }

  #tlsContext(): SecureContext {
    return createSecureContext({ ...credentialTlsOptions(this.tls), ca: this.#rootCaPem });
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
    const schema = sharedMembershipSchema(next);
    const report = await this.store.migrate(next);
    this.#snapshot = { contract: this.store.contract, schema };
    // Listen relations may have changed: follow what the new version asks for now, not in 30 s.
    void this.feeds?.reconcile();
    return report;
  }

  async close(): Promise<void> {
    this.events.close();
    // Connections to other pods first: nothing may forward or copy once the store is closed.
    await this.feeds?.close();
    this.#sweeper.stop();
    await this.federation?.close();
    await this.datalog.close();
    await this.store.close();
  }
}

/** Reopens a membership the pod joined earlier, from its files (`pki/member-*`, `memberships/*.db`). */
export async function openMembership(
  paths: PodPaths,
  record: MembershipRecord,
  passphrase: string,
  rootCaPem: string,
  federation?: MembershipFederationSettings,
  logger?: Logger,
): Promise<Membership> {
  const { serviceId, memberId } = record;
  const [tls, data, previous] = await Promise.all([
    readCredential(paths.pkiDir, CREDENTIALS.memberTls(serviceId), passphrase),
    readCredential(paths.pkiDir, CREDENTIALS.memberData(serviceId), passphrase),
    readChainFile(paths.pkiDir, CREDENTIALS.memberDataPrevious(serviceId)),
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
  const previousDataChain = stillValid(previous) ? previous : undefined;
  return assembleMembership({
    memberId,
    tls,
    data,
    previousDataChain,
    store,
    rootCaPem,
    federation,
    logger,
  });
}

/** A kept chain whose leaf has not expired (an expired one verifies nothing). */
function stillValid(chainPem: string | undefined): chainPem is string {
  const leaf = chainPem === undefined ? undefined : splitPemBundle(chainPem)[0];
  if (leaf === undefined) return false;
  try {
    return notAfterMs(leaf) > Date.now();
  } catch {
    return false;
  }
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
