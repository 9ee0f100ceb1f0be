/**
 * The pod server (spec §4): a web port for the owner and a member port for other pods and the service.
 * Explicit lifecycle, so that tests and `byoda up` can run several pods in one process:
 *
 * ```ts
 * const pod = new PodServer();
 * const { webUrl, memberUrl } = await pod.start({ dataDir, passphrase, dnsServer, logger });
 * await pod.stop();
 * ```
 *
 * On start it opens the folder `initPod` made and every membership in it (schemas built once), listens
 * on both ports, and then publishes where it is at the directory: the account's address and web port,
 * and each membership's address and member port (their ports change from run to run in local mode).
 */
import { rm } from 'node:fs/promises';
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { BackupSchedule } from '../backup/index.js';
import type { BackupTarget } from '../backup/index.js';
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
import { DirectoryClient } from '../network/index.js';
import type { RevocationWatcher } from '../network/index.js';
import { renewalSettingsFromEnv } from '../pki/index.js';
import type { CertificateRenewer, RenewalSettings } from '../pki/index.js';
import { buildMemberApp, buildWebApp } from './apps.js';
import { closePodContext, openPodContext } from './context.js';
import type { PodContext } from './context.js';
import type { AcmeTimings, CustomDomain } from './acme/index.js';
import { federationTimingsFromEnv } from './federation/federation-timings.js';
import type { FederationTimings } from './federation/federation-timings.js';
import { podBackupIdentity } from './lifecycle/backup-identity.js';
import { startPodRenewals } from './lifecycle/cert-renewal.js';
import { podKeyRotation } from './lifecycle/key-rotation.js';
import { membershipDbPath, writeRunInfo } from './lifecycle/layout.js';
import { graphqlSettings } from './routes/graphql/graphql-settings.js';
import type { GraphqlSettingsConfig } from './routes/graphql/graphql-settings.js';
import type { LoginLimiterOptions } from './auth/login-limiter.js';
import { SearchNudges } from './search/search-refresh.js';

export interface PodStartOptions {
  readonly dataDir: string;
  readonly passphrase: string;
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Web port (default 0: a free one). */
  readonly webPort?: number;
  /** Member port (default 0: a free one). */
  readonly memberPort?: number;
  /**
   * The address the directory publishes for the pod's names. Default: `host` when it is a specific IP
   * address; otherwise the directory uses the address the pod's request came from.
   */
  readonly publicAddress?: string;
  /**
   * The directory's DNS server, through which services and pods are found (spec §2), and how long a
   * lookup may take (default src/dns's 2 s; `byoda up`, whose DNS server shares one event loop with
   * every pod, waits longer).
   */
  readonly dnsServer: { readonly host: string; readonly port: number; readonly timeoutMs?: number };
  /** Overrides the directory URL stored at init. */
  readonly directoryUrl?: string;
  /** A revocation list shared by several pods of the process (see OpenPodContextOptions). */
  readonly revocations?: RevocationWatcher;
  readonly logger?: Logger;
  readonly tokenLifetimeSeconds?: number;
  /** The clock owner tokens are issued and verified by (milliseconds; default Date.now). */
  readonly tokenClock?: () => number;
  /** Owner-login limits (default DEFAULT_LOGIN_POLICY, the real clock). */
  readonly login?: LoginLimiterOptions;
  /**
   * How long proxied and recursive queries wait for other pods (spec §8). Default: the environment's
   * `BYODA_FEDERATION_HOP_TIMEOUT_MS` / `BYODA_FEDERATION_DEADLINE_MS`, else src/federation's.
   */
  readonly federation?: FederationTimings;
  /**
   * Requests per window per client on each port (src/http rate-limit.ts), `false` for none. Default:
   * the environment's `BYODA_RATE_LIMIT_PER_MINUTE` (0: none), else src/http's DEFAULT_RATE_LIMIT.
   */
  readonly rateLimit?: RateLimitSetting;
  /**
   * Cost and answer-size budgets per requester kind, and open-subscription limits, of the GraphQL
   * endpoints (docs/protocol.md, "Limits and errors"). Default: the environment's
   * `BYODA_GRAPHQL_BUDGETS` (JSON), `BYODA_SUBSCRIPTIONS_PER_CLIENT` and
   * `BYODA_SUBSCRIPTIONS_PER_MEMBERSHIP`, else the documented defaults.
   */
  readonly graphql?: GraphqlSettingsConfig;
  /**
   * Where to record request and fan-out metrics, database sizes and certificate expiry
   * (src/metrics); none when absent.
   */
  readonly metrics?: MetricsRegistry;
  /** Scheduled backups of the running pod (docs/backup.md); none without. */
  readonly backup?: PodBackupSchedule;
  /**
   * When certificates are renewed (docs/operations.md). Default: the environment's
   * `BYODA_RENEW_FRACTION` / `BYODA_RENEW_CHECK_MS`, else a check an hour, renewing in the last third.
   */
  readonly renewal?: RenewalSettings;
  /**
   * The owner's own DNS name, served on the web port with a certificate from an ACME CA (src/pod/acme,
   * docs/protocol.md "Custom domain"); none without.
   */
  readonly customDomain?: PodCustomDomain;
}

export interface PodCustomDomain {
  readonly domain: string;
  /** The CA's ACME directory URL. */
  readonly directoryUrl: string;
  readonly email?: string | undefined;
  /** Port of the HTTP-01 responder on the pod's host (default 80, where CAs connect). */
  readonly challengePort?: number;
  /** Renewal checks and retry backoff (default: the environment's BYODA_ACME_*, else an hour). */
  readonly timings?: AcmeTimings;
}

export interface PodBackupSchedule {
  readonly target: BackupTarget;
  readonly key: Buffer;
  readonly everyMs: number;
  /** Archives of this pod kept on the target (older ones deleted after each backup). */
  readonly keep?: number | undefined;
}

export interface PodAddress {
  readonly accountId: string;
  readonly network: string;
  /** `<account_id>.accounts.<net>`: the servername for the web port. */
  readonly fqdn: string;
  readonly host: string;
  readonly webPort: number;
  readonly memberPort: number;
  readonly webUrl: string;
  readonly memberUrl: string;
  /** With a custom domain: the name, its web URL and the HTTP-01 responder's port. */
  readonly customDomain?: { readonly domain: string; readonly url: string; readonly challengePort: number };
}

export class PodServer {
  #context: PodContext | undefined;
  #apps: HttpsApp[] = [];
  #address: PodAddress | undefined;
  #searchNudges: SearchNudges | undefined;
  #unmeasure: (() => void) | undefined;
  #backups: BackupSchedule | undefined;
  #renewer: CertificateRenewer | undefined;
  #customDomain: CustomDomain | undefined;

  get address(): PodAddress | undefined {
    return this.#address;
  }

  /** The running pod's context (for `byoda up` and tests). */
  get context(): PodContext | undefined {
    return this.#context;
  }

  async start(options: PodStartOptions): Promise<PodAddress> {
    if (this.#context) throw new ByodaError('BYODA_ERR_CONFIG', 'the pod server is already running');
    const logger = options.logger ?? silentLogger();
    const federation = { ...federationTimingsFromEnv(process.env), ...options.federation };
    const graphql = graphqlSettings(options.graphql, process.env);
    const context = await openPodContext({ ...options, logger, federation, graphql });
    this.#context = context;
    try {
      // Before the first request: a revoked member must never get through (docs/operations.md).
      if (context.ownsRevocations) await context.revocations.start();
      const listening = await this.#listen(context, options);
      const address = await this.#startCustomDomain(context, options, listening);
      const publicAddress = options.publicAddress ?? publishableAddress(address.host);
      context.memberEndpoint = { address: publicAddress, port: address.memberPort };
      const [web, member] = this.#apps;
      if (web && member) {
        this.#renewer = await startPodRenewals(
          context,
          { web: tlsServerOf(web), member: tlsServerOf(member) },
          { address: publicAddress, webPort: address.webPort },
          options.renewal ?? renewalSettingsFromEnv(process.env),
        );
        context.keyRotation = podKeyRotation(this.#renewer, context.memberships);
      }
      await register(context, address, publicAddress);
      // Registered: the service can now reach this pod to collect its search data (spec §4).
      this.#searchNudges = new SearchNudges(context);
      this.#searchNudges.start();
      if (options.backup) this.#backups = startBackups(context, options.backup);
      await writeRunInfo(context.paths, {
        pid: process.pid,
        webUrl: address.webUrl,
        memberUrl: address.memberUrl,
      });
      this.#address = address;
      this.#unmeasure = options.metrics?.addSource(
        metricsSource(context, () => this.#customDomain?.certificate?.cert),
      );
      logger.info(
        { account_id: address.accountId, web_url: address.webUrl, member_url: address.memberUrl },
        'pod ready',
      );
      return address;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    const context = this.#context;
    const apps = this.#apps;
    const running = this.#address !== undefined;
    const nudges = this.#searchNudges;
    const renewer = this.#renewer;
    this.#searchNudges = undefined;
    const backups = this.#backups;
    this.#backups = undefined;
    this.#renewer = undefined;
    if (context) context.keyRotation = undefined;
    await renewer?.stop();
    await backups?.stop(); // a backup in progress ends before the databases close
    const customDomain = this.#customDomain;
    this.#customDomain = undefined;
    await customDomain?.stop(); // an order in progress ends before the web port closes
    this.#context = undefined;
    this.#apps = [];
    this.#address = undefined;
    this.#unmeasure?.();
    this.#unmeasure = undefined;
    await nudges?.stop();
    await Promise.all(apps.map((app) => app.close()));
    if (context) {
      if (running) await rm(context.paths.runFile, { force: true });
      await closePodContext(context);
    }
  }

  /** The custom domain's certificate, when one is served: for `byoda up` and tests. */
  get customDomain(): CustomDomain | undefined {
    return this.#customDomain;
  }

  /**
   * Loads the ACME client only for a pod with a custom domain, and serves its certificate on the web
   * port by SNI: a later `addContext` for the same name wins, which is the hot swap at renewal.
   */
  async #startCustomDomain(
    context: PodContext,
    options: PodStartOptions,
    address: PodAddress,
  ): Promise<PodAddress> {
    const custom = options.customDomain;
    const web = this.#apps[0];
    if (!custom || !web) return address;
    const { CustomDomain, acmeTimingsFromEnv } = await import('./acme/index.js');
    const server = web.server as unknown as TlsServer;
    const domain = new CustomDomain(
      {
        domain: custom.domain,
        directoryUrl: custom.directoryUrl,
        email: custom.email,
        challengeHost: address.host,
        challengePort: custom.challengePort ?? 80,
        timings: custom.timings ?? acmeTimingsFromEnv(process.env),
      },
      {
        dataDir: context.paths.dataDir,
        passphrase: options.passphrase,
        logger: context.logger.child({ component: 'acme' }),
        install: (certificate) =>
          server.addContext(custom.domain, { cert: certificate.cert, key: certificate.key }),
      },
    );
    this.#customDomain = domain;
    await domain.start();
    const url = httpsUrl(custom.domain, address.webPort);
    return { ...address, customDomain: { domain: custom.domain, url, challengePort: domain.challengePort } };
  }

  async #listen(context: PodContext, options: PodStartOptions): Promise<PodAddress> {
    const host = options.host ?? '127.0.0.1';
    const rateLimit = options.rateLimit ?? rateLimitFromEnv(process.env);
    const web = buildWebApp(context, rateLimit);
    const member = buildMemberApp(context, rateLimit);
    this.#apps = [web, member];
    await web.listen({ host, port: options.webPort ?? 0 });
    await member.listen({ host, port: options.memberPort ?? 0 });
    const webPort = listeningPort(web);
    const memberPort = listeningPort(member);
    return {
      accountId: context.config.accountId,
      network: context.config.network,
      fqdn: context.fqdn,
      host,
      webPort,
      memberPort,
      webUrl: httpsUrl(host, webPort),
      memberUrl: httpsUrl(host, memberPort),
    };
  }
}

/**
 * What the metrics show of a pod: account.db, each membership's database and certificates, and the
 * custom domain's certificate when there is one (its expiry is the one an ACME outage endangers).
 */
function metricsSource(context: PodContext, customDomainCert: () => string | undefined): MetricsSource {
  return {
    server: 'pod',
    fqdn: context.fqdn,
    databases: () => [
      { path: context.paths.accountDb },
      ...context.memberships.list().map((m) => ({ path: membershipDbPath(context.paths, m.serviceId) })),
    ],
    certificates: () => [
      { name: 'account-tls', pem: context.accountTls.certPem },
      ...context.memberships.list().flatMap((m) => [
        { name: `member-${m.serviceId}`, pem: m.tls.certPem },
        { name: `member-data-${m.serviceId}`, pem: m.data.certPem },
      ]),
      ...[customDomainCert()].flatMap((pem) => (pem !== undefined ? [{ name: 'custom-domain', pem }] : [])),
    ],
  };
}

function tlsServerOf(app: HttpsApp): TlsServer {
  return app.server as unknown as TlsServer;
}

/** The account name with the web port, and each membership's name with the member port. */
async function register(
  context: PodContext,
  address: PodAddress,
  publicAddress: string | undefined,
): Promise<void> {
  const where = publicAddress !== undefined ? { address: publicAddress } : {};
  await context.directory.updateAccount({ ...where, port: address.webPort });
  for (const membership of context.memberships.list()) {
    // The directory takes a member's registration from that member's own certificate.
    const directory = new DirectoryClient({
      url: context.config.directoryUrl,
      network: context.config.network,
      rootCaPem: context.rootCaPem,
      credential: membership.tls,
    });
    try {
      await directory.registerMember({
        memberId: membership.memberId,
        serviceId: membership.serviceId,
        port: address.memberPort,
        ...where,
      });
    } finally {
      await directory.close();
    }
  }
}

function startBackups(context: PodContext, backup: PodBackupSchedule): BackupSchedule {
  const schedule = new BackupSchedule({
    dataDir: context.paths.dataDir,
    identity: () => podBackupIdentity(context.paths),
    key: backup.key,
    target: backup.target,
    keep: backup.keep,
    everyMs: backup.everyMs,
    onResult: (result) =>
      context.logger.info(
        {
          archive: result.name,
          bytes: result.bytes,
          deleted: result.deleted,
          target: backup.target.description,
        },
        'backup written',
      ),
    onError: (err) => context.logger.error({ err, target: backup.target.description }, 'backup failed'),
  });
  schedule.start();
  return schedule;
}
