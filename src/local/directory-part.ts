/**
 * The network and its directory (with the DNS server): the network PKI is created in
 * `<data>/directory/` on the first run and reused after, then the directory starts on free ports.
 */
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { DirectoryServer, directoryPaths } from '../directory/index.js';
import type { DirectoryAddress, DirectoryPaths } from '../directory/index.js';
import { DirectoryClient, RevocationWatcher, revocationRefreshFromEnv } from '../network/index.js';
import { createNetworkPki, networkPkiExists, readRootCaCert } from '../pki/index.js';
import { LOCAL_HOST, flushLogger, partLogger, partPassphrase } from './start-context.js';
import type { StartContext } from './start-context.js';

/** The network domain of a new local network (spec §11's example; `.test` is reserved for testing). */
export const LOCAL_NETWORK = 'byoda.test';

export interface StartedDirectory {
  readonly address: DirectoryAddress;
  readonly rootCaPem: string;
  readonly server: DirectoryServer;
  /** The network PKI's folder and passphrase: `byoda up` issues the local proxy's certificate. */
  readonly pkiDir: string;
  readonly passphrase: string;
  /**
   * The network's revocation list, kept once for every pod of this process: the list is the same
   * for all, and a watcher per pod made each of them fetch and verify it every minute (1,000 pods:
   * 17 TLS requests a second to the directory while nobody used the network, issue 12).
   */
  readonly revocations: RevocationWatcher;
}

export async function startLocalDirectory(ctx: StartContext, store?: string): Promise<StartedDirectory> {
  const paths = directoryPaths(ctx.paths.directoryDir);
  const passphrase = await ensureNetwork(ctx, paths);
  ctx.checkpoint();
  await ctx.lockFolder(paths.dataDir);
  const logger = partLogger('directory', paths.logFile);
  const server = new DirectoryServer();
  ctx.onStop('directory', 'directory', () => stopDirectory(server, logger));
  const address = await server.start({
    dataDir: paths.dataDir,
    passphrase,
    host: LOCAL_HOST,
    logger,
    ...(ctx.metrics ? { metrics: ctx.metrics } : {}),
    ...(store !== undefined ? { store } : {}),
  });
  ctx.progress.step({
    part: 'directory',
    action: 'started',
    message: `directory at ${address.url} (${address.store}), DNS at ${address.dnsHost}:${address.dnsPort}`,
  });
  const { rootPem, network } = await readRootCaCert(paths.pkiDir);
  const revocationClient = new DirectoryClient({ url: address.url, network, rootCaPem: rootPem });
  const revocations = new RevocationWatcher({
    directory: revocationClient,
    rootCaPem: rootPem,
    refreshMs: revocationRefreshFromEnv(process.env),
    logger,
  });
  ctx.onStop('revocations', 'directory', async () => {
    await revocations.stop();
    await revocationClient.close();
  });
  await revocations.start();
  return { address, rootCaPem: rootPem, server, pkiDir: paths.pkiDir, passphrase, revocations };
}

/** The network PKI of the folder, made now if there is none; returns the passphrase of its keys. */
async function ensureNetwork(ctx: StartContext, paths: DirectoryPaths): Promise<string> {
  if (await networkPkiExists(paths.pkiDir)) {
    const passphrase = await partPassphrase(paths.passphrase, false);
    const { network } = await readRootCaCert(paths.pkiDir);
    ctx.progress.step({
      part: 'network',
      action: 'reused',
      message: `network ${network} (${paths.dataDir})`,
    });
    return passphrase;
  }
  await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
  const passphrase = await partPassphrase(paths.passphrase, true);
  await createNetworkPki(paths.pkiDir, LOCAL_NETWORK, passphrase);
  ctx.progress.step({
    part: 'network',
    action: 'created',
    message: `network ${LOCAL_NETWORK} with its root CA (${paths.dataDir})`,
  });
  return passphrase;
}

async function stopDirectory(server: DirectoryServer, logger: Logger): Promise<void> {
  await server.stop();
  flushLogger(logger);
}
