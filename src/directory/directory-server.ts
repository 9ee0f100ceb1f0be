/**
 * The directory server (spec §2-4): the network's CA front end over HTTPS and its authoritative DNS
 * server, on one data folder (data-dir.ts). Explicit lifecycle so that tests and `byoda up` can run
 * several in one process:
 *
 * ```ts
 * const directory = new DirectoryServer();
 * const { url, dnsPort } = await directory.start({ dataDir, passphrase });
 * await directory.stop();
 * ```
 */
import { access } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { DnsServer, isLoopbackAddress } from '../dns/index.js';
import type { DnsServerOptions } from '../dns/index.js';
import { ByodaError } from '../errors/index.js';
import {
  createHttpsServer,
  httpsUrl,
  listeningPort,
  rateLimitFromEnv,
  silentLogger,
  toByodaError,
} from '../http/index.js';
import type { HttpsApp, RateLimitSetting } from '../http/index.js';
import type { MetricsRegistry } from '../metrics/index.js';
import {
  credentialTlsOptions,
  directoryFqdn,
  leafLifetimeFromEnv,
  networkPkiExists,
  openNetworkPki,
  renewalSettingsFromEnv,
} from '../pki/index.js';
import type { CertificateRenewer, NetworkPki, RenewalSettings } from '../pki/index.js';
import { parseStoreUrl, redactUrl } from '../storage/index.js';
import type { StoreLocation } from '../storage/index.js';
import { startDirectoryRenewals } from './cert-renewal.js';
import type { DirectoryContext } from './context.js';
import { directoryPaths } from './data-dir.js';
import type { DirectoryPaths } from './data-dir.js';
import { addressRecord } from './inputs.js';
import { Registrar } from './registrar.js';
import { createRequesterResolver } from './requester.js';
import type { RequesterResolver } from './requester.js';
import { accountRoutes } from './routes/account.js';
import { memberRoutes } from './routes/member.js';
import { publicRoutes } from './routes/public.js';
import { revocationRoutes } from './routes/revocation.js';
import { serviceRoutes } from './routes/service.js';
import type { DirectoryStore } from './store/directory-store.js';
import { openDirectoryStore } from './store/open-directory-store.js';
import { strictValidatorCompiler } from './validator.js';

/** Requests are small JSON documents (a CSR, a contract); this bounds what a client can make us parse. */
export const DIRECTORY_BODY_LIMIT = 64 * 1024;

/** The DNS server options a directory passes on. */
export type DnsTcpLimits = Pick<
  DnsServerOptions,
  'maxTcpConnections' | 'maxTcpConnectionsPerClient' | 'tcpIdleTimeoutMs' | 'tcpMessageTimeoutMs'
>;

export interface DirectoryStartOptions {
  /** The folder `byoda network init` created. */
  readonly dataDir: string;
  /** Decrypts the network's private keys. */
  readonly passphrase: string;
  /** IP address for HTTPS (default 127.0.0.1); also published as `dir.<network>` unless `publicAddress`. */
  readonly host?: string;
  /**
   * The address published as `dir.<network>` (and as the zone's name server): needed when `host` is a
   * wildcard (0.0.0.0, ::) or an address other hosts cannot reach. Default: `host`, with a wildcard
   * published as its loopback address (a single-host network).
   */
  readonly publicAddress?: string;
  /** HTTPS port; 0 (default) picks a free one. */
  readonly port?: number;
  /** IP address for DNS (default: `host`). */
  readonly dnsHost?: string;
  /** DNS port (UDP and TCP); 0 (default) picks a free one. */
  readonly dnsPort?: number;
  /** The DNS server's TCP limits (src/dns tcp-connections.ts); its defaults when absent. */
  readonly dnsTcpLimits?: DnsTcpLimits;
  /**
   * Whether accounts, services and members may be published at loopback addresses. Default: when
   * `host` is a loopback address (a local network, where every server is on 127.0.0.1).
   */
  readonly publishLoopback?: boolean;
  /**
   * Where the directory keeps its rows and zone: `sqlite:PATH` or `postgres://...` (src/storage
   * store-url.ts). Default: `sqlite:<dataDir>/directory.db`, with the zone in `dns.db` beside it.
   */
  readonly store?: string;
  /**
   * `builtin` (default): the directory's own DNS server answers the zone. `none`: no DNS server; with
   * PostgreSQL, PowerDNS on the same database answers (docs/deploy-postgres.md).
   */
  readonly dns?: DirectoryDnsMode;
  /** Request and DNS logs; silent when absent. */
  readonly logger?: Logger;
  /** Where to record request metrics, database sizes and certificate expiry (src/metrics); none when absent. */
  readonly metrics?: MetricsRegistry;
  /**
   * Requests per window per client (src/http rate-limit.ts), `false` for none. Default: the
   * environment's `BYODA_RATE_LIMIT_PER_MINUTE` (0: none), else src/http's DEFAULT_RATE_LIMIT.
   */
  readonly rateLimit?: RateLimitSetting;
  /**
   * When the directory's own certificates are renewed (docs/operations.md). Default: the environment's
   * `BYODA_RENEW_FRACTION` / `BYODA_RENEW_CHECK_MS`, else a check an hour, renewing in the last third.
   */
  readonly renewal?: RenewalSettings;
}

export type DirectoryDnsMode = 'builtin' | 'none';

export interface DirectoryAddress {
  /** `https://<host>:<port>` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The built-in DNS server's address; with `dns: 'none'`, the host and port 0. */
  readonly dnsHost: string;
  readonly dnsPort: number;
  readonly network: string;
  /** `sqlite` or `postgres`. */
  readonly store: DirectoryStore['kind'];
  /** Absolute path of the network root CA (`root-ca.pem`). */
  readonly rootCaPath: string;
}

interface Running {
  readonly app: HttpsApp;
  readonly dns: DnsServer | undefined;
  readonly registrar: Registrar;
  readonly store: DirectoryStore;
  readonly address: DirectoryAddress;
  /** Takes the directory's databases and certificates out of the metrics. */
  readonly unmeasure: () => void;
  readonly renewer: CertificateRenewer;
}

export class DirectoryServer {
  private running: Running | undefined;
  private starting = false;

  /** Where the server listens, once started. */
  get address(): DirectoryAddress | undefined {
    return this.running?.address;
  }

  async start(options: DirectoryStartOptions): Promise<DirectoryAddress> {
    if (this.running || this.starting)
      throw new ByodaError('BYODA_ERR_CONFIG', 'the directory is already running');
    this.starting = true;
    try {
      this.running = await launch(options);
      return this.running.address;
    } finally {
      this.starting = false;
    }
  }

  /**
   * Publishes a network server of the operator (the browser proxy: `proxy.<network>`) in the zone: its
   * address and, as `_byoda._tcp` SRV, its port. For servers started beside the directory (`byoda up`),
   * which need no API: whoever runs the directory owns its zone.
   */
  async publishServer(fqdn: string, address: string, port: number): Promise<void> {
    const running = this.running;
    if (!running) throw new ByodaError('BYODA_ERR_CONFIG', 'the directory is not running');
    // A server of the network itself keeps no row: its names in the zone are its registration.
    await running.registrar.publishHost({ kind: 'zone' }, fqdn, address, port);
  }

  /** Stops HTTPS and DNS and closes the databases. Safe to call more than once. */
  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    await running.renewer.stop();
    running.unmeasure();
    await Promise.allSettled([running.app.close(), running.dns?.stop()]);
    await running.registrar.drain();
    await running.store.close();
  }
}

async function launch(options: DirectoryStartOptions): Promise<Running> {
  const paths = directoryPaths(options.dataDir);
  const logger = options.logger ?? silentLogger();
  const host = options.host ?? '127.0.0.1';
  const dnsHost = options.dnsHost ?? host;
  checkHost(host, 'host');
  checkHost(dnsHost, 'DNS host');
  if (options.publicAddress !== undefined) checkPublicAddress(options.publicAddress);
  const rateLimit = options.rateLimit ?? rateLimitFromEnv(process.env);
  const location = storeLocation(options.store, paths);
  const dnsMode = options.dns ?? 'builtin';
  const pki = await openPki(paths, options.passphrase);
  // SQLite keeps the zone in memory in any case: its writes replace whole names from memory.
  const inMemory = dnsMode === 'builtin' || location.kind === 'sqlite';
  const { store, zone } = await openDirectoryStore(
    pki.network,
    location,
    dnsDatabaseOf(location, paths),
    inMemory,
  );
  const registrar = new Registrar(zone, store, inMemory);
  const dns =
    dnsMode === 'builtin'
      ? new DnsServer({ zone, logger: logger.child({ component: 'dns' }), ...options.dnsTcpLimits })
      : undefined;
  try {
    // The zone publishes `dir.<network>` at the public address (else the HTTPS one); a wildcard bind
    // without a public address is reached via loopback.
    const published = options.publicAddress ?? host;
    await registrar.publishNameServer(
      addressRecord(published === '0.0.0.0' ? '127.0.0.1' : published === '::' ? '::1' : published),
    );
    const dnsPort = dns ? (await dns.start({ host: dnsHost, port: options.dnsPort ?? 0 })).port : 0;
    const addressPolicy = { loopback: options.publishLoopback ?? isLoopbackAddress(host) };
    const metrics = options.metrics
      ? { registry: options.metrics, fqdn: directoryFqdn(pki.network) }
      : undefined;
    const app = buildApp({ pki, store, registrar, addressPolicy, logger }, rateLimit, metrics);
    const port = await listen(app, host, options.port ?? 0);
    const unmeasure = options.metrics?.addSource(metricsSource(pki, paths, location)) ?? (() => undefined);
    const address: DirectoryAddress = {
      url: httpsUrl(host, port),
      host,
      port,
      dnsHost,
      dnsPort,
      network: pki.network,
      store: store.kind,
      rootCaPath: paths.rootCa,
    };
    const where = location.kind === 'sqlite' ? location.path : redactUrl(location.url);
    logger.info({ ...address, store: where, dns: dnsMode }, 'directory listening');
    const renewer = startDirectoryRenewals(
      pki,
      paths.pkiDir,
      options.passphrase,
      app.server as unknown as TlsServer,
      options.renewal ?? renewalSettingsFromEnv(process.env),
      logger,
    );
    return { app, dns, registrar, store, address, unmeasure, renewer };
  } catch (err) {
    await dns?.stop();
    await store.close();
    throw err;
  }
}

async function openPki(paths: DirectoryPaths, passphrase: string): Promise<NetworkPki> {
  const hasFolder = await access(paths.dataDir).then(
    () => true,
    () => false,
  );
  if (!hasFolder) throw new ByodaError('BYODA_ERR_CONFIG', `the data folder ${paths.dataDir} does not exist`);
  if (!(await networkPkiExists(paths.pkiDir))) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `no network in ${paths.dataDir}: create one with 'byoda network init --data ${paths.dataDir}'`,
    );
  }
  // Leaves signed here live a year, or as long as a test harness asks (docs/operations.md).
  const leafLifetimeMs = leafLifetimeFromEnv(process.env);
  return openNetworkPki(paths.pkiDir, passphrase, leafLifetimeMs !== undefined ? { leafLifetimeMs } : {});
}

/** What the metrics show of a directory: its databases (SQLite files only) and the network's certificates. */
function metricsSource(pki: NetworkPki, paths: DirectoryPaths, location: StoreLocation) {
  return {
    server: 'directory',
    fqdn: directoryFqdn(pki.network),
    databases: () =>
      location.kind === 'sqlite' && location.path !== ':memory:'
        ? [{ path: location.path }, { path: dnsDatabaseOf(location, paths) }]
        : [],
    certificates: () => [
      { name: 'root-ca', pem: pki.rootCaPem },
      { name: 'accounts-ca', pem: pki.accountsCa.credential.certPem },
      { name: 'services-ca', pem: pki.servicesCa.credential.certPem },
      { name: 'network-data', pem: pki.networkData.certPem },
      { name: 'directory-tls', pem: pki.directoryTls.certPem },
    ],
  };
}

function storeLocation(store: string | undefined, paths: DirectoryPaths): StoreLocation {
  return store === undefined ? { kind: 'sqlite', path: paths.database } : parseStoreUrl(store);
}

/** The SQLite zone file: `dns.db` beside the directory database (unused on PostgreSQL). */
function dnsDatabaseOf(location: StoreLocation, paths: DirectoryPaths): string {
  if (location.kind !== 'sqlite' || location.path === paths.database) return paths.dnsDatabase;
  return location.path === ':memory:' ? ':memory:' : join(dirname(location.path), 'dns.db');
}

function buildApp(
  parts: Omit<DirectoryContext, 'network' | 'requesterOf'> & { logger: Logger },
  rateLimit: RateLimitSetting | undefined,
  metrics: { registry: MetricsRegistry; fqdn: string } | undefined,
): HttpsApp {
  const { pki, logger } = parts;
  // A revoked account or membership is refused on every request, resumed TLS sessions included.
  const resolver = createRequesterResolver(pki.rootCaPem, (identity) => parts.store.isRevoked(identity));
  const app = createHttpsServer({
    // `ca` lets TLS ask for certificates of this network; the chain is verified by requester.ts.
    tls: { ...credentialTlsOptions(pki.directoryTls), ca: pki.rootCaPem, requestCert: true },
    // Our own line per request (below) replaces fastify's two; fastify still reports failures.
    logger: quieter(logger),
    bodyLimit: DIRECTORY_BODY_LIMIT,
    kind: 'directory',
    ...(metrics ? { metrics } : {}),
    // Pods and services are counted each by its certificate, anonymous clients by address.
    ...(rateLimit !== undefined ? { rateLimit } : {}),
    clientIdentityOf: resolver.requesterOf,
  });
  app.setValidatorCompiler(strictValidatorCompiler());
  // Every body is JSON; a text body is a client mistake better named (415) than mis-parsed.
  app.removeContentTypeParser('text/plain');
  logRequests(app, logger, resolver);
  resolver.watch(app.server);
  const ctx: DirectoryContext = { ...parts, network: pki.network, requesterOf: resolver.requesterOf };
  publicRoutes(app, ctx);
  accountRoutes(app, ctx);
  serviceRoutes(app, ctx);
  memberRoutes(app, ctx);
  revocationRoutes(app, ctx);
  return app;
}

/** One log line per request: what, who (the verified client identity), the outcome. No bodies. */
function logRequests(app: HttpsApp, logger: Logger, resolver: RequesterResolver): void {
  const failures = new WeakMap<FastifyRequest, string>();
  app.addHook('onError', async (request, _reply, error) => {
    failures.set(request, toByodaError(error).code);
  });
  app.addHook('onResponse', async (request, reply) => {
    logger.info(
      {
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        requester: resolver.labelOf(request),
        ip: request.ip,
        ms: Math.round(reply.elapsedTime),
        ...(failures.has(request) ? { code: failures.get(request) } : {}),
      },
      'request',
    );
  });
}

async function listen(app: HttpsApp, host: string, port: number): Promise<number> {
  try {
    await app.listen({ host, port });
  } catch (cause) {
    await app.close();
    throw new ByodaError('BYODA_ERR_CONFIG', `cannot listen for HTTPS on ${host} port ${port}`, { cause });
  }
  return listeningPort(app);
}

/** The same destination at warn level at least, so that fastify's own request lines are left out. */
function quieter(logger: Logger): Logger {
  const warn = logger.levels.values['warn'] ?? 40;
  return logger.levelVal >= warn ? logger : logger.child({}, { level: 'warn' });
}

/** A published address is one that clients can connect to: one IP address, not a wildcard. */
function checkPublicAddress(address: string): void {
  if (isIP(address) === 0 || address === '0.0.0.0' || address === '::') {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `the public address must be one IP address that clients can reach, not '${address}'`,
    );
  }
}

function checkHost(host: string, what: string): void {
  if (isIP(host) === 0)
    throw new ByodaError('BYODA_ERR_CONFIG', `the ${what} must be an IP address, not '${host}'`);
}
