/**
 * The service server (spec §4): publishes the signed contract and the certs that verify it, and signs
 * the membership certificates of pods. Explicit lifecycle, so tests and `byoda up` can run several in
 * one process:
 *
 * ```ts
 * const server = new ServiceServer();
 * const { url, port } = await server.start({ dataDir, passphrase, logger });
 * await server.stop();
 * ```
 *
 * On start it opens the folder `initService` made, refreshes the network data cert, publishes a newer
 * version of the contract file (if that file has one and it is compatible), listens, and then tells the
 * directory its address, port, name and contract version. With the directory's DNS server
 * (`dnsServer`) it then collects its members' search data: every member now and every
 * `searchRefreshMs`, and a member whenever its pod says its searchable data changed (search-collector.ts).
 */
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { ByodaError } from '../errors/index.js';
import {
  httpsUrl,
  listeningPort,
  publishableAddress,
  rateLimitFromEnv,
  silentLogger,
} from '../http/index.js';
import type { HttpsApp, RateLimitSetting } from '../http/index.js';
import type { MetricsRegistry, MetricsSource } from '../metrics/index.js';
import { renewalSettingsFromEnv } from '../pki/index.js';
import type { RenewalSettings } from '../pki/index.js';
import { redactUrl } from '../storage/index.js';
import type { StoreLocation } from '../storage/index.js';
import { buildServiceApp } from './app.js';
import { closeServiceContext, openServiceContext } from './context.js';
import type { ServiceContext } from './context.js';
import { dataPath } from './layout.js';
import { publishContractFile } from './publish-file.js';
import type { ServiceSummary } from './init.js';
import { refreshNetworkDataChain, startServiceRenewals } from './cert-renewal.js';
import type { ServiceRenewals } from './cert-renewal.js';
import { DEFAULT_SEARCH_REFRESH_MS, SEARCH_REFRESH_ENV } from './search-collector.js';

export interface ServiceStartOptions {
  readonly dataDir: string;
  readonly passphrase: string;
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port to listen on (default 0: a free one). */
  readonly port?: number;
  /** Overrides the directory URL stored at init. */
  readonly directoryUrl?: string;
  /**
   * The address the directory publishes for the service's name. Default: `host` when it is a specific
   * IP address; otherwise the directory uses the address the service's request came from.
   */
  readonly publicAddress?: string;
  /**
   * The directory's DNS server, through which the service finds its members' pods to collect their
   * search data (spec §2, §4). Without it the search index is not filled (searches find nothing).
   */
  readonly dnsServer?: { readonly host: string; readonly port: number };
  /**
   * How often every member's search data is collected again, in milliseconds (a missed nudge is made
   * up for then). Default: the environment's `BYODA_SEARCH_REFRESH_MS`, else 5 minutes.
   */
  readonly searchRefreshMs?: number;
  /**
   * Requests per window per client (src/http rate-limit.ts), `false` for none. Default: the
   * environment's `BYODA_RATE_LIMIT_PER_MINUTE` (0: none), else src/http's DEFAULT_RATE_LIMIT.
   */
  readonly rateLimit?: RateLimitSetting;
  /**
   * The most member ids one account may hold (default 3, src/service/context.ts): each is a name the
   * service publishes in the directory's DNS. Over it a new membership is 403 BYODA_ERR_MEMBER_QUOTA.
   */
  readonly maxMembersPerAccount?: number;
  /**
   * Where the search index lives (`byoda service start --store`): `sqlite:PATH` or
   * `postgres://user:password@host/db` (src/storage store-url.ts). Default: `sqlite:<dataDir>/search.db`.
   * The other files of the service (`service.db`, contracts, keys) stay in `dataDir` either way.
   */
  readonly store?: string;
  /**
   * When the service's own certificates are renewed (docs/operations.md). Default: the environment's
   * `BYODA_RENEW_FRACTION` / `BYODA_RENEW_CHECK_MS`, else a check an hour, renewing in the last third.
   */
  readonly renewal?: RenewalSettings;
  readonly logger?: Logger;
  /** Where to record request metrics, database sizes and certificate expiry (src/metrics); none when absent. */
  readonly metrics?: MetricsRegistry;
}

/** Where a started service is, and what it serves. */
export interface ServiceAddress extends ServiceSummary {
  /** `https://<host>:<port>`; connect with servername = `fqdn` and the network root as CA. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Which backend holds the search index. */
  readonly store: 'sqlite' | 'postgres';
}

export class ServiceServer {
  #context: ServiceContext | undefined;
  #app: HttpsApp | undefined;
  #address: ServiceAddress | undefined;
  #unmeasure: (() => void) | undefined;
  #renewals: ServiceRenewals | undefined;

  /** Set while the server runs. */
  get address(): ServiceAddress | undefined {
    return this.#address;
  }

  async start(options: ServiceStartOptions): Promise<ServiceAddress> {
    if (this.#context) throw new ByodaError('BYODA_ERR_CONFIG', 'the service server is already running');
    const logger = options.logger ?? silentLogger();
    const refreshMs = searchRefreshMs(options);
    const context = await openServiceContext({ ...options, logger });
    this.#context = context;
    try {
      await refreshNetworkDataChain(context, options.dataDir);
      // Before the first request: a revoked member must never get through (docs/operations.md).
      await context.revocations.start();
      await syncContractFile(context);
      this.#address = await this.#listen(context, options);
      await this.#register(context, this.#address, options);
      this.#unmeasure = options.metrics?.addSource(metricsSource(context, options.dataDir));
      context.searchCollector?.start(() => context.members.memberIds(), refreshMs);
      if (this.#app) {
        this.#renewals = startServiceRenewals(
          context,
          options.dataDir,
          options.passphrase,
          this.#app.server as unknown as TlsServer,
          options.renewal ?? renewalSettingsFromEnv(process.env),
        );
      }
      logger.info(
        {
          url: this.#address.url,
          fqdn: context.fqdn,
          version: this.#address.version,
          search_store: storeWhere(context.searchLocation),
        },
        'service ready',
      );
      return this.#address;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    const app = this.#app;
    const context = this.#context;
    const renewals = this.#renewals;
    this.#renewals = undefined;
    await renewals?.stop();
    this.#app = undefined;
    this.#context = undefined;
    this.#address = undefined;
    this.#unmeasure?.();
    this.#unmeasure = undefined;
    if (app) await app.close();
    if (context) await closeServiceContext(context);
  }

  async #listen(context: ServiceContext, options: ServiceStartOptions): Promise<ServiceAddress> {
    const latest = await context.contracts.latest();
    if (!latest)
      throw new ByodaError('BYODA_ERR_CONFIG', 'no contract has been published (run `byoda service init`)');
    const metrics = options.metrics ? { registry: options.metrics, fqdn: context.fqdn } : undefined;
    const app = buildServiceApp(context, options.rateLimit ?? rateLimitFromEnv(process.env), metrics);
    this.#app = app;
    const host = options.host ?? '127.0.0.1';
    await app.listen({ host, port: options.port ?? 0 });
    const port = listeningPort(app);
    const { serviceId, network } = context.config;
    return {
      serviceId,
      network,
      fqdn: context.fqdn,
      name: latest.contract.name,
      version: latest.contract.version,
      host,
      port,
      url: httpsUrl(host, port),
      store: context.search.kind,
    };
  }

  /** Publish the service's name, version, address and port at the directory (its DNS gets A + SRV). */
  async #register(
    context: ServiceContext,
    address: ServiceAddress,
    options: ServiceStartOptions,
  ): Promise<void> {
    const publicAddress = options.publicAddress ?? publishableAddress(address.host);
    await context.directory.updateService(address.serviceId, {
      name: address.name,
      version: address.version,
      port: address.port,
      ...(publicAddress !== undefined ? { address: publicAddress } : {}),
    });
  }
}

/** What the metrics show of a service: its SQLite databases and its certificates. */
function metricsSource(context: ServiceContext, dataDir: string): MetricsSource {
  const { pki } = context;
  return {
    server: 'service',
    fqdn: context.fqdn,
    databases: () => {
      const search = context.searchLocation;
      const files = [{ path: dataPath(dataDir, 'database') }];
      // A PostgreSQL index is measured by PostgreSQL's own tools, not here.
      return search.kind === 'sqlite' && search.path !== ':memory:'
        ? [...files, { path: search.path }]
        : files;
    },
    certificates: () => [
      { name: 'service-ca', pem: pki.serviceCa.credential.certPem },
      { name: 'members-ca', pem: pki.membersCa.credential.certPem },
      { name: 'apps-ca', pem: pki.appsCa.credential.certPem },
      { name: 'service-tls', pem: pki.tls.certPem },
      { name: 'service-data', pem: pki.data.certPem },
    ],
  };
}

/** Where the search index is, for the log: the file, or the URL without its password. */
function storeWhere(location: StoreLocation): string {
  return location.kind === 'sqlite' ? location.path : redactUrl(location.url);
}

/** `searchRefreshMs`, else the environment's, else the default; a bad value stops the start. */
function searchRefreshMs(options: ServiceStartOptions): number {
  const fromEnv = process.env[SEARCH_REFRESH_ENV];
  const value =
    options.searchRefreshMs ?? (fromEnv === undefined ? DEFAULT_SEARCH_REFRESH_MS : Number(fromEnv));
  if (!Number.isSafeInteger(value) || value < 100) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `the search refresh interval must be a whole number of milliseconds, at least 100 (${SEARCH_REFRESH_ENV})`,
    );
  }
  return value;
}

/**
 * A contract file with a newer version than the latest published one is published now (spec §5: only a
 * compatible successor; an incompatible one stops the start with the reasons). A missing file, or one
 * with the same or an older version, changes nothing.
 */
async function syncContractFile(context: ServiceContext): Promise<void> {
  const file = context.config.contractFile;
  if (file !== undefined) await publishContractFile(context, file, { onlyIfNewer: true, missingOk: true });
}
