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
import type { FastifyRequest } from 'fastify';
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { DnsServer, SqliteZoneStore, Zone, isLoopbackAddress } from '../dns/index.js';
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
import {
  credentialTlsOptions,
  leafLifetimeFromEnv,
  networkPkiExists,
  openNetworkPki,
  renewalSettingsFromEnv,
} from '../pki/index.js';
import type { CertificateRenewer, NetworkPki, RenewalSettings } from '../pki/index.js';
import { startDirectoryRenewals } from './cert-renewal.js';
import type { DirectoryContext } from './context.js';
import { directoryPaths } from './data-dir.js';
import type { DirectoryPaths } from './data-dir.js';
import { DirectoryStore } from './directory-store.js';
import { addressRecord } from './inputs.js';
import { createRequesterResolver } from './requester.js';
import type { RequesterResolver } from './requester.js';
import { accountRoutes } from './routes/account.js';
import { memberRoutes } from './routes/member.js';
import { publicRoutes } from './routes/public.js';
import { revocationRoutes } from './routes/revocation.js';
import { serviceRoutes } from './routes/service.js';
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
  /** IP address for HTTPS (default 127.0.0.1); also published as `dir.<network>`. */
  readonly host?: string;
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
  /** Request and DNS logs; silent when absent. */
  readonly logger?: Logger;
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

export interface DirectoryAddress {
  /** `https://<host>:<port>` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly dnsHost: string;
  readonly dnsPort: number;
  readonly network: string;
  /** Absolute path of the network root CA (`root-ca.pem`). */
  readonly rootCaPath: string;
}

interface Running {
  readonly app: HttpsApp;
  readonly dns: DnsServer;
  readonly zone: Zone;
  readonly store: DirectoryStore;
  readonly address: DirectoryAddress;
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

  /** Stops HTTPS and DNS and closes the databases. Safe to call more than once. */
  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    await running.renewer.stop();
    await Promise.allSettled([running.app.close(), running.dns.stop()]);
    running.zone.close();
    running.store.close();
  }
}

async function launch(options: DirectoryStartOptions): Promise<Running> {
  const paths = directoryPaths(options.dataDir);
  const logger = options.logger ?? silentLogger();
  const host = options.host ?? '127.0.0.1';
  const dnsHost = options.dnsHost ?? host;
  checkHost(host, 'host');
  checkHost(dnsHost, 'DNS host');
  const rateLimit = options.rateLimit ?? rateLimitFromEnv(process.env);
  const pki = await openPki(paths, options.passphrase);
  const store = DirectoryStore.open(paths.database);
  const zone = openZone(pki.network, paths, host, store);
  const dns = new DnsServer({ zone, logger: logger.child({ component: 'dns' }), ...options.dnsTcpLimits });
  try {
    const { port: dnsPort } = await dns.start({ host: dnsHost, port: options.dnsPort ?? 0 });
    const addressPolicy = { loopback: options.publishLoopback ?? isLoopbackAddress(host) };
    const app = buildApp({ pki, store, zone, addressPolicy, logger }, rateLimit);
    const port = await listen(app, host, options.port ?? 0);
    const address: DirectoryAddress = {
      url: httpsUrl(host, port),
      host,
      port,
      dnsHost,
      dnsPort,
      network: pki.network,
      rootCaPath: paths.rootCa,
    };
    logger.info({ ...address }, 'directory listening');
    const renewer = startDirectoryRenewals(
      pki,
      paths.pkiDir,
      options.passphrase,
      app.server as unknown as TlsServer,
      options.renewal ?? renewalSettingsFromEnv(process.env),
      logger,
    );
    return { app, dns, zone, store, address, renewer };
  } catch (err) {
    await dns.stop();
    zone.close();
    store.close();
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

function openZone(network: string, paths: DirectoryPaths, host: string, store: DirectoryStore): Zone {
  try {
    // The zone publishes `dir.<network>` at the HTTPS address; a wildcard bind is reached via loopback.
    const published = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
    return new Zone({
      domain: network,
      store: new SqliteZoneStore(paths.dnsDatabase),
      nameServerAddress: addressRecord(published),
    });
  } catch (err) {
    store.close();
    throw err;
  }
}

function buildApp(
  parts: Omit<DirectoryContext, 'network' | 'requesterOf'> & { logger: Logger },
  rateLimit: RateLimitSetting | undefined,
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

function checkHost(host: string, what: string): void {
  if (isIP(host) === 0)
    throw new ByodaError('BYODA_ERR_CONFIG', `the ${what} must be an IP address, not '${host}'`);
}
