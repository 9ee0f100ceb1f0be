/**
 * A whole BYODA network in one process, on loopback (spec §11): the directory with its DNS server, one
 * service and N pods that joined it, each an in-process server with its own lifecycle, over one data
 * folder (layout.ts). Starting again with the same folder reuses the network, the service, the pods,
 * their memberships and data; a greater pod count adds pods.
 *
 * ```ts
 * const net = new LocalNetwork();
 * const info = await net.start({ dataDir: '.byoda', pods: 2, progress });
 * await net.stop();
 * ```
 *
 * `<data>/network.json` exists exactly while everything answers: written after each server was checked
 * (readiness.ts), removed first by `stop`.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadContractFile } from '../contract/index.js';
import { mapBounded } from '../bounded/index.js';
import { ByodaError } from '../errors/index.js';
import type { MetricsRegistry } from '../metrics/index.js';
import { directoryFqdn } from '../pki/index.js';
import { parseStoreUrl } from '../storage/index.js';
import type { ServiceAddress } from '../service/index.js';
import { acquireFolderLock, dataFolderLockPath } from '../lock/index.js';
import type { FolderLock } from '../lock/index.js';
import { startLocalDirectory } from './directory-part.js';
import { startLocalProxy } from './proxy-part.js';
import type { StartedDirectory } from './directory-part.js';
import { DEFAULT_DATA_DIR, localPaths, podFoldersBeyond, podName } from './layout.js';
import type { LocalPaths } from './layout.js';
import { removeNetworkFile, writeNetworkFile } from './network-file.js';
import type { NetworkJson } from './network-file.js';
import { ensureMembership, podMemberships, startLocalPod } from './pod-part.js';
import type { StartedPod } from './pod-part.js';
import type { ProgressListener } from './progress.js';
import { checkNetworkAnswers } from './readiness.js';
import { startLocalService } from './service-part.js';
import type { LocalContract } from './service-part.js';
import type { StartContext, StopLayer } from './start-context.js';

/**
 * How many pods init, start or join at once: a thousand pods that each generate keys, hash a password
 * and call the directory at the same moment only queue behind the cores, hold a thousand half-made TLS
 * contexts in memory and run into request timeouts. The work of each is partly CPU (keys, scrypt, TLS
 * handshakes) and partly waiting for the directory or the service, so a few per core keep both busy.
 */
const START_CONCURRENCY = 8;

/** The project's example contract (contracts/addressbook.json), found next to the code, not the cwd. */
export const DEFAULT_CONTRACT_PATH = fileURLToPath(
  new URL('../../contracts/addressbook.json', import.meta.url),
);
export const DEFAULT_POD_COUNT = 2;
/**
 * Each pod is two HTTPS servers, a log file and a few SQLite files in this process: about ten file
 * descriptors and two ports. 2,000 pods stay well inside a usual `ulimit -n` of 20,000+ and the
 * ephemeral port range, and is twice the 1,000 of the scale benchmark (docs/performance.md, "Scale").
 */
export const MAX_POD_COUNT = 2000;

export interface LocalNetworkOptions {
  /** Default `./.byoda`. */
  readonly dataDir?: string;
  /** Pods to run, 1 to MAX_POD_COUNT (default 2). */
  readonly pods?: number;
  /** The service's contract file (default: the example addressbook contract); unsigned is fine. */
  readonly contractPath?: string;
  /**
   * The directory's store (`--store`): `sqlite:PATH` or `postgres://...`; default its SQLite files. A
   * PostgreSQL database holds the service's search index too (tables of its own); with `sqlite:PATH`
   * the service keeps its own `search.db`, since one SQLite file is one server's.
   */
  readonly store?: string;
  readonly progress?: ProgressListener;
  /** Aborting it stops the start between two steps; what started is then stopped by `stop()`. */
  readonly signal?: AbortSignal;
  /** One registry every server records into (src/metrics), labelled by server kind and FQDN. */
  readonly metrics?: MetricsRegistry;
}

/** The search index's store for a `--store` value: the same PostgreSQL database, or the default file. */
function serviceStore(store: string | undefined): string | undefined {
  return store !== undefined && parseStoreUrl(store).kind === 'postgres' ? store : undefined;
}

interface StopStep {
  readonly part: string;
  readonly layer: StopLayer;
  readonly stop: () => Promise<void>;
}

const STOP_ORDER: readonly StopLayer[] = ['proxy', 'pod', 'service', 'directory'];

const SILENT: ProgressListener = { starting: () => undefined, step: () => undefined, ready: () => undefined };

export class LocalNetwork {
  #stops: StopStep[] = [];
  #lock: FolderLock | undefined;
  #partLocks: FolderLock[] = [];
  #paths: LocalPaths | undefined;
  #progress: ProgressListener = SILENT;
  #info: NetworkJson | undefined;
  #starting = false;

  /** What runs, once `start` resolved (the content of network.json). */
  get info(): NetworkJson | undefined {
    return this.#info;
  }

  /** Absolute path of network.json, once `start` was called. */
  get networkFile(): string | undefined {
    return this.#paths?.networkFile;
  }

  async start(options: LocalNetworkOptions = {}): Promise<NetworkJson> {
    if (this.#starting || this.#info)
      throw new ByodaError('BYODA_ERR_CONFIG', 'the network is already running');
    this.#starting = true;
    try {
      return await this.#start(options);
    } catch (err) {
      // The start's own failure is what the user needs to see, not a later one while stopping.
      await this.stop().catch(() => undefined);
      throw err;
    } finally {
      this.#starting = false;
    }
  }

  /** Removes network.json, then stops every part that started: pods first, the directory last. */
  async stop(): Promise<void> {
    const paths = this.#paths;
    if (paths) await removeNetworkFile(paths.networkFile);
    this.#info = undefined;
    const failures: unknown[] = [];
    for (const step of stopOrder(this.#stops.splice(0))) {
      try {
        await step.stop();
        this.#progress.step({ part: step.part, action: 'stopped', message: `${step.part} stopped` });
      } catch (err) {
        failures.push(err);
      }
    }
    await Promise.all(this.#partLocks.splice(0).map((lock) => lock.release()));
    await this.#lock?.release();
    this.#lock = undefined;
    if (failures.length > 0) throw failures[0];
  }

  async #start(options: LocalNetworkOptions): Promise<NetworkJson> {
    const podCount = checkPodCount(options.pods ?? DEFAULT_POD_COUNT);
    this.#progress = options.progress ?? SILENT;
    // The contract is read before anything is made, so that a wrong --contract leaves no trace.
    const contract = await readContract(options.contractPath ?? DEFAULT_CONTRACT_PATH);
    // So is --store: a bad URL is refused before any folder is made.
    const searchStore = serviceStore(options.store);
    const paths = localPaths(options.dataDir ?? DEFAULT_DATA_DIR);
    await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
    this.#lock = await acquireFolderLock(paths.lockFile, { holder: 'byoda up', folder: paths.dataDir });
    this.#paths = paths;
    this.#progress.starting(paths.dataDir);
    // Left by a run that was killed: its servers are gone, so it must not say "ready".
    await removeNetworkFile(paths.networkFile);
    const ctx = this.#context(paths, options.signal, options.metrics);
    const directory = await startLocalDirectory(ctx, options.store);
    const names = Array.from({ length: podCount }, (_, i) => podName(i));
    await this.#reportUnstartedPods(paths, podCount);
    // Pods need only the directory until they join, so they start beside the service.
    const [service, pods] = await settleAll([
      startLocalService(ctx, directory, contract, searchStore),
      mapBounded(names, START_CONCURRENCY, (name) => startLocalPod(ctx, directory, name)),
    ] as const);
    ctx.checkpoint();
    await mapBounded(pods, START_CONCURRENCY, (pod) => ensureMembership(ctx, pod, service));
    const proxy = await startLocalProxy(ctx, directory);
    const info = { ...describeNetwork(paths, directory, service, pods), proxy };
    await checkNetworkAnswers(info, directory.rootCaPem);
    ctx.checkpoint();
    ctx.progress.step({
      part: 'network',
      action: 'checked',
      message: 'every server answers over verified TLS',
    });
    await writeNetworkFile(paths.networkFile, info);
    this.#info = info;
    ctx.progress.ready(info, paths.networkFile);
    return info;
  }

  #context(
    paths: LocalPaths,
    signal: AbortSignal | undefined,
    metrics: MetricsRegistry | undefined,
  ): StartContext {
    return {
      paths,
      metrics,
      progress: this.#progress,
      onStop: (part, layer, stop) => this.#stops.push({ part, layer, stop }),
      checkpoint: () => {
        if (signal?.aborted) throw new ByodaError('BYODA_ERR_CONFIG', 'the start was interrupted');
      },
      lockFolder: async (dataDir) => {
        const lock = await acquireFolderLock(dataFolderLockPath(dataDir), {
          holder: 'byoda up',
          folder: dataDir,
        });
        this.#partLocks.push(lock);
      },
    };
  }

  /** Pods of an earlier run with a greater --pods keep their folders but are not started. */
  async #reportUnstartedPods(paths: LocalPaths, podCount: number): Promise<void> {
    for (const name of await podFoldersBeyond(paths, podCount)) {
      this.#progress.step({
        part: name,
        action: 'skipped',
        message: `${name} is kept in ${paths.podsDir} but not started (--pods ${podCount})`,
      });
    }
  }
}

/** Pods first, the directory last; within a layer, the last started first. */
function stopOrder(steps: readonly StopStep[]): StopStep[] {
  return [...steps].reverse().sort((a, b) => STOP_ORDER.indexOf(a.layer) - STOP_ORDER.indexOf(b.layer));
}

function checkPodCount(pods: number): number {
  if (!Number.isInteger(pods) || pods < 1 || pods > MAX_POD_COUNT) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `the number of pods must be a whole number from 1 to ${MAX_POD_COUNT}`,
    );
  }
  return pods;
}

async function readContract(path: string): Promise<LocalContract> {
  const absolute = resolve(path);
  return { path: absolute, contract: await loadContractFile(absolute) };
}

/** network.json (spec §11): every path absolute, every URL with the FQDN its certificate names. */
function describeNetwork(
  paths: LocalPaths,
  directory: StartedDirectory,
  service: ServiceAddress,
  pods: readonly StartedPod[],
): NetworkJson {
  const { address } = directory;
  return {
    network: address.network,
    dns: { host: address.dnsHost, port: address.dnsPort },
    root_ca: resolve(paths.dataDir, address.rootCaPath),
    directory: { url: address.url, fqdn: directoryFqdn(address.network) },
    services: [
      {
        service_id: service.serviceId,
        name: service.name,
        version: service.version,
        url: service.url,
        fqdn: service.fqdn,
      },
    ],
    pods: pods.map((pod) => ({
      name: pod.name,
      account_id: pod.address.accountId,
      fqdn: pod.address.fqdn,
      web_url: pod.address.webUrl,
      member_url: pod.address.memberUrl,
      username: pod.username,
      password_file: pod.passwordFile,
      memberships: podMemberships(pod),
    })),
  };
}

type Settled<T extends readonly unknown[]> = { -readonly [K in keyof T]: Awaited<T[K]> };

/**
 * Like Promise.all, but waits for every promise before rejecting with the first failure: a part that
 * is still starting when another fails must have registered its stop before `stop()` runs.
 */
async function settleAll<const T extends readonly unknown[]>(promises: T): Promise<Settled<T>> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as Settled<T>;
}
