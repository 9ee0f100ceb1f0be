/**
 * The pods of a local network, in `<data>/pods/pod1/`, ...: each made on the first run that counts it
 * (account registered at the directory, owner password generated into `password`), reused after, and
 * started on free ports. `ensureMembership` then has each pod join the service through its owner API,
 * as its owner would (with a token from the pod's own key, not a login), unless it is a member already.
 */
import { mkdir, rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import { ByodaError } from '../errors/index.js';
import { createTlsAgent, requestJson } from '../network/index.js';
import { OwnerApi } from '../network/index.js';
import { POD_PATHS, PodServer, initPod, podPaths } from '../pod/index.js';
import type { PodAddress, PodPaths } from '../pod/index.js';
import type { ServiceAddress } from '../service/index.js';
import type { StartedDirectory } from './directory-part.js';
import { podDir } from './layout.js';
import type { MembershipJson } from './network-file.js';
import { LOCAL_HOST, exists, flushLogger, partLogger, partPassphrase } from './start-context.js';
import type { StartContext } from './start-context.js';

/**
 * How long a pod's DNS lookup may take. The DNS server runs on the same event loop as every other
 * part of the network; while hundreds of pods start, an answer can wait seconds behind their key and
 * database work, which src/dns's 2 s (meant for a server of its own) would report as a failure.
 */
const LOCAL_DNS_TIMEOUT_MS = 15_000;

export interface StartedPod {
  readonly name: string;
  readonly server: PodServer;
  readonly address: PodAddress;
  readonly username: string;
  /** Absolute path of the owner's password file. */
  readonly passwordFile: string;
  readonly rootCaPem: string;
}

export async function startLocalPod(
  ctx: StartContext,
  directory: StartedDirectory,
  name: string,
): Promise<StartedPod> {
  const paths = podPaths(podDir(ctx.paths, name));
  const passphrase = (await exists(paths.config))
    ? await reusePod(ctx, paths, name)
    : await createPod(ctx, paths, name, directory);
  ctx.checkpoint();
  await ctx.lockFolder(paths.dataDir);
  const logger = partLogger(name, paths.logFile);
  const server = new PodServer();
  ctx.onStop(name, 'pod', () => stopPod(server, logger));
  const address = await server.start({
    ...(ctx.metrics ? { metrics: ctx.metrics } : {}),
    dataDir: paths.dataDir,
    passphrase,
    host: LOCAL_HOST,
    publicAddress: LOCAL_HOST,
    dnsServer: {
      host: directory.address.dnsHost,
      port: directory.address.dnsPort,
      timeoutMs: LOCAL_DNS_TIMEOUT_MS,
    },
    directoryUrl: directory.address.url,
    revocations: directory.revocations,
    logger,
  });
  ctx.progress.step({
    part: name,
    action: 'started',
    message: `${name} serving its owner at ${address.webUrl} and members at ${address.memberUrl}`,
  });
  const username = server.context?.account.username;
  if (username === undefined) throw new ByodaError('BYODA_ERR_INTERNAL', `${name} has no account`);
  return { name, server, address, username, passwordFile: paths.password, rootCaPem: directory.rootCaPem };
}

async function reusePod(ctx: StartContext, paths: PodPaths, name: string): Promise<string> {
  const passphrase = await partPassphrase(paths.passphrase, false);
  ctx.progress.step({ part: name, action: 'reused', message: `${name} (${paths.dataDir})` });
  return passphrase;
}

async function createPod(
  ctx: StartContext,
  paths: PodPaths,
  name: string,
  directory: StartedDirectory,
): Promise<string> {
  // `pod.json` is written last by initPod: a folder without it is an init that was interrupted. Its
  // account (if any) was never used, and initPod cannot resume (it would not replace the password).
  await rm(paths.dataDir, { recursive: true, force: true });
  await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
  const passphrase = await partPassphrase(paths.passphrase, true);
  const summary = await initPod({
    dataDir: paths.dataDir,
    directoryUrl: directory.address.url,
    rootCaPem: directory.rootCaPem,
    network: directory.address.network,
    passphrase,
  });
  ctx.progress.step({
    part: name,
    action: 'created',
    message: `${name}: account ${summary.accountId}, owner '${summary.username}' (${paths.dataDir})`,
  });
  return passphrase;
}

async function stopPod(server: PodServer, logger: Logger): Promise<void> {
  await server.stop();
  flushLogger(logger);
}

/**
 * Makes the pod a member of the service, through its owner API with the owner's password, as a person
 * would. A membership from an earlier run is kept, and upgraded when the service has published a newer
 * contract version since.
 */
export async function ensureMembership(
  ctx: StartContext,
  pod: StartedPod,
  service: ServiceAddress,
): Promise<void> {
  const current = pod.server.context?.memberships.get(service.serviceId);
  if (current && current.contract.version >= service.version) {
    ctx.progress.step({
      part: pod.name,
      action: 'reused',
      message: `${pod.name} is a member of ${service.name} as ${current.memberId}`,
    });
    return;
  }
  const { token, end } = await ownerToken(pod);
  const client = new OwnerApi(
    { webUrl: pod.address.webUrl, fqdn: pod.address.fqdn, rootCaPem: pod.rootCaPem },
    token,
  );
  try {
    if (current) {
      await upgrade(pod, service.serviceId, token);
      ctx.progress.step({
        part: pod.name,
        action: 'upgraded',
        message: `${pod.name} moved to contract version ${service.version} of ${service.name}`,
      });
      return;
    }
    const joined = await client.join(service.serviceId);
    ctx.progress.step({
      part: pod.name,
      action: 'joined',
      message: `${pod.name} joined ${service.name} as ${joined.memberId}`,
    });
  } finally {
    end();
    await client.close();
  }
}

/** `POST /api/v1/pod/member/service-<S>/upgrade` (docs/protocol.md, "Join and upgrade"). */
async function upgrade(pod: StartedPod, serviceId: number, token: string): Promise<void> {
  const agent = createTlsAgent({ rootCaPem: pod.rootCaPem, servername: pod.address.fqdn });
  try {
    const path = POD_PATHS.upgrade.replace(':serviceId', String(serviceId));
    await requestJson(agent, new URL(path, pod.address.webUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
  } finally {
    await agent.close();
  }
}

/** The memberships of a running pod, as network.json lists them. */
export function podMemberships(pod: StartedPod): MembershipJson[] {
  return (pod.server.context?.memberships.list() ?? []).map((membership) => ({
    service_id: membership.serviceId,
    member_id: membership.memberId,
    fqdn: membership.fqdn,
  }));
}

/**
 * An owner token made with the pod's own owner-JWT key, which this process holds since it started
 * the pod, rather than a login with the password: a login is a deliberately slow scrypt (~100 ms of
 * CPU), which for a thousand pods is most of a minute on two cores for the very same token. The join
 * itself still goes through the owner API over TLS, as a person's would. Its session ends with the join.
 */
async function ownerToken(pod: StartedPod): Promise<{ token: string; end: () => void }> {
  const context = pod.server.context;
  if (!context) throw new ByodaError('BYODA_ERR_INTERNAL', `${pod.name} is not running`);
  const expiresAt = context.tokens.nextExpiry();
  const session = context.sessions.start({ client: 'local', userAgent: 'byoda up' }, expiresAt.getTime());
  const { token } = await context.tokens.issue(session.sessionId, expiresAt);
  // Used for the join only: the session ends with it, rather than lingering in the owner's list.
  return { token, end: () => context.sessions.revoke(session.sessionId) };
}
