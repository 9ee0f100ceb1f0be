/**
 * The pod's typed context, built once at start and passed to every route and flow: its settings, keys,
 * stores, memberships and clients. No globals, so that tests can run several pods in one process.
 */
import type { Logger } from 'pino';
import { createResolver } from '../dns/index.js';
import type { DnsResolver } from '../dns/index.js';
import { ByodaError } from '../errors/index.js';
import { DirectoryClient, RevocationWatcher, revocationRefreshFromEnv } from '../network/index.js';
import { accountFqdn, readCredential, readRootCaCert } from '../pki/index.js';
import type { Credential } from '../pki/index.js';
import { federationEvents } from '../metrics/index.js';
import type { MetricsRegistry } from '../metrics/index.js';
import { AccountStore } from './lifecycle/account-store.js';
import type { FederationTimings } from './federation/federation-timings.js';
import type { AccountRecord } from './lifecycle/account-store.js';
import type { KeyRotation } from './lifecycle/key-rotation.js';
import { CREDENTIALS, podPaths, readPodConfig } from './lifecycle/layout.js';
import type { PodConfig, PodPaths } from './lifecycle/layout.js';
import { LoginLimiter } from './auth/login-limiter.js';
import { SecondFactor } from './auth/second-factor.js';
import type { LoginLimiterOptions } from './auth/login-limiter.js';
import { openMembership } from './memberships/membership.js';
import type { MembershipFederationSettings } from './memberships/membership.js';
import { MembershipRegistry } from './memberships/membership-registry.js';
import { readOwnerSigningKey } from './auth/owner-key.js';
import { DEFAULT_GRAPHQL_SETTINGS } from './routes/graphql/graphql-settings.js';
import type { GraphqlSettings } from './routes/graphql/graphql-settings.js';
import { OwnerTokens } from './auth/owner-token.js';
import { OwnerSessions } from './auth/owner-sessions.js';
import { ScopedTokens } from './auth/scoped-tokens.js';

/** Where other pods and the service reach this pod's member port (given to the service at join). */
export interface MemberEndpoint {
  /** Published address; absent: the service uses the address the join request came from. */
  readonly address: string | undefined;
  readonly port: number;
}

export interface PodContext {
  readonly paths: PodPaths;
  readonly config: PodConfig;
  readonly passphrase: string;
  readonly rootCaPem: string;
  /** `<account_id>.accounts.<net>` */
  readonly fqdn: string;
  readonly account: AccountRecord;
  readonly accountTls: Credential;
  readonly accounts: AccountStore;
  readonly tokens: OwnerTokens;
  /** The owner's sessions (one per login), kept in account.db; tokens of an ended one are refused. */
  readonly sessions: OwnerSessions;
  /** Tokens the owner granted third-party front ends (scoped to classes and actions of one membership). */
  readonly scopedTokens: ScopedTokens;
  readonly limiter: LoginLimiter;
  /** The owner's one-time code (spec §12), kept in account.db. */
  readonly secondFactor: SecondFactor;
  readonly memberships: MembershipRegistry;
  /** Service ids being joined right now: a second join of the same service waits for nothing, it fails. */
  readonly joining: Set<number>;
  /** Presents the account TLS cert. */
  readonly directory: DirectoryClient;
  /** The directory's DNS server only (spec §2). */
  readonly resolver: DnsResolver;
  /** The network's revocation list, kept current while the pod runs (started by server.ts). */
  readonly revocations: RevocationWatcher;
  /** Whether the pod starts and stops `revocations` itself (not when a caller shares one). */
  readonly ownsRevocations: boolean;
  /** How long each membership's federation waits for other pods (spec §8). */
  readonly federation: FederationTimings;
  /** Budgets and subscription limits of the GraphQL endpoints (routes/graphql/graphql-settings.ts). */
  readonly graphql: GraphqlSettings;
  readonly logger: Logger;
  /** Set once the member port listens. */
  memberEndpoint: MemberEndpoint | undefined;
  /** Set once the pod renews its certificates (server.ts): `POST /api/v1/pod/rotate-keys`. */
  keyRotation: KeyRotation | undefined;
  /** The operator's metrics (src/metrics), when the pod records any. */
  readonly metrics: MetricsRegistry | undefined;
}

export interface OpenPodContextOptions {
  readonly dataDir: string;
  readonly passphrase: string;
  readonly dnsServer: { readonly host: string; readonly port: number; readonly timeoutMs?: number };
  /** Overrides the directory URL stored at init. */
  readonly directoryUrl?: string;
  readonly logger: Logger;
  /** Owner token lifetime (at most an hour, spec §10). */
  readonly tokenLifetimeSeconds?: number;
  /** The owner tokens' clock (milliseconds; default Date.now): tests move it across a token's `exp`. */
  readonly tokenClock?: () => number;
  /**
   * The owner-login limits (login-limiter.ts); their state is kept in account.db. Their clock (`now`)
   * is also the one the owner's one-time codes are checked against.
   */
  readonly login?: LoginLimiterOptions;
  readonly federation?: FederationTimings;
  readonly graphql?: GraphqlSettings;
  readonly metrics?: MetricsRegistry;
  /**
   * The network's revocation list as the caller keeps it for several pods of one process (`byoda
   * up`), started before this pod and stopped after it by the caller. Default: the pod's own, fetched
   * with its account credential, started and stopped with the pod.
   */
  readonly revocations?: RevocationWatcher;
}

export async function openPodContext(options: OpenPodContextOptions): Promise<PodContext> {
  const paths = podPaths(options.dataDir);
  const config = await readPodConfig(paths);
  const { rootPem: rootCaPem, network } = await readRootCaCert(paths.pkiDir);
  if (network !== config.network) {
    throw new ByodaError('BYODA_ERR_CONFIG', `the root CA in ${paths.pkiDir} is not of ${config.network}`);
  }
  const accountTls = await readCredential(paths.pkiDir, CREDENTIALS.accountTls, options.passphrase);
  const signingKey = await readOwnerSigningKey(paths.ownerJwtKey, options.passphrase);
  const accounts = AccountStore.open(paths.accountDb);
  const account = accounts.getAccount();
  if (!account || account.accountId !== config.accountId) {
    accounts.close();
    throw new ByodaError('BYODA_ERR_CONFIG', `account.db does not hold account ${config.accountId}`);
  }
  const fqdn = accountFqdn(network, config.accountId);
  // A session lives as long as its tokens, so it keeps their clock (the login clock when none is given).
  const sessions = new OwnerSessions(accounts, options.tokenClock ?? options.login?.now);
  const directory = new DirectoryClient({
    url: options.directoryUrl ?? config.directoryUrl,
    network,
    rootCaPem,
    credential: accountTls,
  });
  const context: PodContext = {
    paths,
    config: options.directoryUrl ? { ...config, directoryUrl: options.directoryUrl } : config,
    passphrase: options.passphrase,
    rootCaPem,
    fqdn,
    account,
    accountTls,
    accounts,
    sessions,
    scopedTokens: new ScopedTokens(accounts.scopedTokenLedger(), options.tokenClock ?? options.login?.now),
    tokens: new OwnerTokens({
      podFqdn: fqdn,
      accountId: config.accountId,
      ...signingKey,
      sessions,
      ...(options.login?.now ? { now: options.login.now } : {}),
      ...(options.tokenLifetimeSeconds !== undefined
        ? { lifetimeSeconds: options.tokenLifetimeSeconds }
        : {}),
      ...(options.tokenClock ? { now: options.tokenClock } : {}),
    }),
    limiter: new LoginLimiter(accounts, options.login),
    secondFactor: new SecondFactor(accounts, options.passphrase, options.login?.now),
    memberships: new MembershipRegistry(),
    joining: new Set(),
    directory,
    resolver: createResolver(options.dnsServer),
    revocations:
      options.revocations ??
      new RevocationWatcher({
        directory,
        rootCaPem,
        refreshMs: revocationRefreshFromEnv(process.env),
        logger: options.logger,
      }),
    ownsRevocations: options.revocations === undefined,
    federation: options.federation ?? {},
    graphql: options.graphql ?? DEFAULT_GRAPHQL_SETTINGS,
    logger: options.logger,
    memberEndpoint: undefined,
    keyRotation: undefined,
    metrics: options.metrics,
  };
  try {
    await openMemberships(context);
  } catch (err) {
    await closePodContext(context);
    throw err;
  }
  return context;
}

/** Reopens every membership recorded in account.db, in the order they were joined. */
async function openMemberships(context: PodContext): Promise<void> {
  for (const record of context.accounts.listMemberships()) {
    const membership = await openMembership(
      context.paths,
      record,
      context.passphrase,
      context.rootCaPem,
      federationSettings(context),
      context.logger,
    );
    context.memberships.add(membership);
  }
}

/** What a membership's federation needs from the pod: the directory's DNS and the timings. */
export function federationSettings(context: PodContext): MembershipFederationSettings {
  return {
    resolver: context.resolver,
    revocations: context.revocations,
    ...context.federation,
    ...(context.metrics ? { observer: federationEvents(context.metrics, context.fqdn) } : {}),
  };
}

export async function closePodContext(context: PodContext): Promise<void> {
  if (context.ownsRevocations) await context.revocations.stop();
  await context.memberships.closeAll();
  await context.directory.close();
  context.accounts.close();
}
