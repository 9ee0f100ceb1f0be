/**
 * The service's typed context, built once at start and passed to every route: its settings, keys,
 * stores and the directory client. No globals, so a test can run several services in one process.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { createResolver } from '../dns/index.js';
import { ByodaError } from '../errors/index.js';
import { createPeerPool } from '../federation/index.js';
import type { PeerPool } from '../federation/index.js';
import { createClientIdentityVerifier } from '../http/index.js';
import type { ClientIdentityVerifier } from '../http/index.js';
import { DirectoryClient, RevocationWatcher, revocationRefreshFromEnv } from '../network/index.js';
import { leafLifetimeFromEnv, openServicePki, serviceFqdn } from '../pki/index.js';
import type { ServicePki } from '../pki/index.js';
import type { StoreLocation } from '../storage/index.js';
import { ContractStore } from './contract-store.js';
import { readServiceConfig, dataPath } from './layout.js';
import type { ServiceConfig } from './layout.js';
import { MemberStore } from './member-store.js';
import { SearchCollector } from './search-collector.js';
import { openSearchIndex, searchStoreLocation } from './search-store/open-search-index.js';
import type { SearchIndex } from './search-store/search-index.js';

export interface ServiceContext {
  readonly config: ServiceConfig;
  readonly pki: ServicePki;
  /** `service.service-<id>.<net>` */
  readonly fqdn: string;
  readonly contracts: ContractStore;
  readonly members: MemberStore;
  /** The search index (`search.db` or PostgreSQL), a copy of what members' pods expose with `search`. */
  readonly search: SearchIndex;
  /** Where `search` lives (`--store`), for the metrics of its file. */
  readonly searchLocation: StoreLocation;
  /** Fills `search` from the pods; absent when the service was started without the directory's DNS. */
  readonly searchCollector: SearchCollector | undefined;
  /** The collector's connections to pods (service TLS cert as client certificate). */
  readonly pods: PeerPool | undefined;
  /** Verifies client certificates (to the network root) and remembers the verified ones. */
  readonly clients: ClientIdentityVerifier;
  /** A client of the directory that presents the service's TLS certificate. */
  readonly directory: DirectoryClient;
  /** The network's revocation list, kept current while the service runs (started by server.ts). */
  readonly revocations: RevocationWatcher;
  /** The network data cert chain (leaf first), served to pods to verify contracts. */
  networkDataChainPem: string;
  /** The most member ids one account may hold (`ServiceStartOptions.maxMembersPerAccount`). */
  readonly memberQuota: number;
  readonly logger: Logger;
}

export interface OpenContextOptions {
  readonly dataDir: string;
  readonly passphrase: string;
  /** Overrides the directory URL stored at init (e.g. the directory moved to another port). */
  readonly directoryUrl?: string;
  /** The directory's DNS server, through which members' pods are found (spec §2); none: no collection. */
  readonly dnsServer?: { readonly host: string; readonly port: number } | undefined;
  /** The most member ids one account may hold (default DEFAULT_MEMBER_QUOTA). */
  readonly maxMembersPerAccount?: number | undefined;
  /** Where the search index lives (`--store`): `sqlite:PATH` or `postgres://...`; default `search.db`. */
  readonly store?: string | undefined;
  readonly logger: Logger;
}

/**
 * Member ids one account may hold by default. More than one, because a join that fails after its
 * certificate was issued is retried with a new member id, and nothing tells the service that a pod
 * gave an id up; few, because each is a name in the directory's DNS.
 */
export const DEFAULT_MEMBER_QUOTA = 3;

export async function openServiceContext(options: OpenContextOptions): Promise<ServiceContext> {
  const { dataDir } = options;
  const memberQuota = options.maxMembersPerAccount ?? DEFAULT_MEMBER_QUOTA;
  if (!Number.isInteger(memberQuota) || memberQuota < 1) {
    throw new ByodaError('BYODA_ERR_CONFIG', 'maxMembersPerAccount must be a whole number from 1');
  }
  // First: a bad --store is refused before the keys are decrypted.
  const location = searchStoreLocation(options.store, dataPath(dataDir, 'searchIndex'));
  const config = await readServiceConfig(dataDir);
  // Leaves signed here live a year, or as long as a test harness asks (docs/operations.md).
  const leafLifetimeMs = leafLifetimeFromEnv(process.env);
  const pki = await openServicePki(dataPath(dataDir, 'pki'), options.passphrase, {
    ...(leafLifetimeMs !== undefined ? { leafLifetimeMs } : {}),
  });
  if (pki.serviceId !== config.serviceId || pki.network !== config.network) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `the keys in ${dataDir} are not those of service ${config.serviceId}`,
    );
  }
  const directory = new DirectoryClient({
    url: options.directoryUrl ?? config.directoryUrl,
    network: config.network,
    rootCaPem: pki.rootCaPem,
    credential: pki.tls,
  });
  const revocations = new RevocationWatcher({
    directory,
    rootCaPem: pki.rootCaPem,
    refreshMs: revocationRefreshFromEnv(process.env),
    logger: options.logger,
  });
  const contracts = new ContractStore(dataPath(dataDir, 'contracts'));
  const networkDataChainPem = await readFile(dataPath(dataDir, 'networkData'), 'utf8');
  const members = new MemberStore(dataPath(dataDir, 'database'));
  // Last of what can fail, so that nothing before it leaves a pool open.
  const search = await openSearchIndex(location, config.serviceId).catch((err: unknown) => {
    members.close();
    throw err;
  });
  const pods = options.dnsServer
    ? createPeerPool({
        credential: pki.tls,
        rootCaPem: pki.rootCaPem,
        network: config.network,
        serviceId: config.serviceId,
        resolver: createResolver(options.dnsServer),
      })
    : undefined;
  const searchCollector = pods
    ? new SearchCollector({
        peers: pods,
        index: search,
        serviceId: config.serviceId,
        contract: async () => (await contracts.latest())?.contract,
        logger: options.logger,
      })
    : undefined;
  return {
    config: options.directoryUrl ? { ...config, directoryUrl: options.directoryUrl } : config,
    pki,
    fqdn: serviceFqdn(config.network, config.serviceId),
    contracts,
    members,
    search,
    searchLocation: location,
    searchCollector,
    pods,
    // Revoked accounts and members are refused per request, also on resumed TLS sessions.
    clients: createClientIdentityVerifier(pki.rootCaPem, {
      isRevoked: (identity) => revocations.has(identity),
    }),
    directory,
    revocations,
    networkDataChainPem,
    memberQuota,
    logger: options.logger,
  };
}

export async function closeServiceContext(context: ServiceContext): Promise<void> {
  // The collector first: nothing may write to the index once it is closed.
  await context.searchCollector?.stop();
  await context.pods?.close();
  await context.search.close();
  context.members.close();
  await context.revocations.stop();
  await context.directory.close();
}
