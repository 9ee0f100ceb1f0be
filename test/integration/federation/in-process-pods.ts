/**
 * Pods as `PodServer` instances inside the test process (not a test file), for networks too large to
 * start as one process each on a small machine: each pod still has its own data folder, keys, SQLite
 * namespace and two TLS ports, is registered at the real directory, found through its real DNS
 * server, and talks to other pods over mutual TLS sockets, as `byoda up` runs them. Each pod logs
 * into memory, so a test can read its lines.
 */
import { join } from 'node:path';
import pino from 'pino';
import { PodServer, initPod } from '../../../src/pod/index.js';
import type { FederationTimings } from '../../../src/pod/index.js';
import type { NetworkHarness } from '../../fixtures/network-harness.js';
import { OwnerSession } from './owner-session.js';

const PASSPHRASE = 'in-process pod passphrase';
const PASSWORD = 'in-process pod password';

export interface InProcessPod {
  readonly name: string;
  readonly server: PodServer;
  readonly owner: OwnerSession;
  /** The pod's log lines, parsed, in order. */
  readonly logLines: readonly Record<string, unknown>[];
}

/** Initialises, starts and joins a pod `name` to the harness's service. */
export async function startInProcessPod(
  net: NetworkHarness,
  name: string,
  federation: FederationTimings,
): Promise<InProcessPod> {
  const dataDir = join(net.root, name);
  const rootCaPem = net.directory.rootCaPem;
  const summary = await initPod({
    dataDir,
    directoryUrl: net.directory.url,
    rootCaPem,
    passphrase: PASSPHRASE,
    password: PASSWORD,
  });
  const logLines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info', name },
    { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const server = new PodServer();
  const address = await server.start({
    dataDir,
    passphrase: PASSPHRASE,
    dnsServer: net.directory.dns,
    logger,
    federation,
  });
  try {
    const owner = await OwnerSession.join(
      { name, webUrl: address.webUrl, fqdn: address.fqdn, username: summary.username, password: PASSWORD },
      rootCaPem,
      net.service.serviceId,
    );
    return { name, server, owner, logLines };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

export async function stopInProcessPod(pod: InProcessPod): Promise<void> {
  await pod.owner.close();
  await pod.server.stop();
}

/**
 * `work` over `items`, at most `limit` at a time (start-up is CPU-heavy on a small machine). A batch
 * is waited for whole before a failure is thrown, so that nothing is still starting when the test
 * stops what did start.
 */
export async function inBatches<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += limit) {
    const outcomes = await Promise.allSettled(items.slice(i, i + limit).map(work));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
