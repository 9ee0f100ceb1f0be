/**
 * `npm run bench:scale`: how `byoda up` grows with the number of pods (docs/performance.md, "Scale").
 * For each pod count it starts a real network in a child process (real TLS, DNS and SQLite), then:
 * start time (spawn to network.json), resident memory per idle pod against a one-pod network, idle
 * CPU over 10 s, a seeded power-law (Barabási–Albert) graph of `friend` links written through the
 * owners' GraphQL API, and depth-2 and depth-3 recursive queries from a hub, a median and a leaf pod,
 * with the requests each reached pod got. A second start over the same folder measures a rerun.
 *
 *   npm run bench:scale                      # 100 and 300 pods
 *   npm run bench:scale -- --pods 100,300,1000
 *   BYODA_SCALE_PODS=1000 npm run bench:scale
 *
 * Writes bench/results/scale-<timestamp>.json and prints a table.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { adjacency, barabasiAlbert, reachable } from './scale/social-graph.js';
import { OwnerClient } from './scale/owner-client.js';
import { populate } from './scale/populate.js';
import { recursiveQuery } from './scale/recursive-query.js';
import type { QueryFigures } from './scale/recursive-query.js';
import { UpProcess } from './scale/up-process.js';

const DEFAULT_PODS = [100, 300];
/** Links each new pod makes (Barabási–Albert m): a mean degree of about 2m. */
const LINKS_PER_NEW_POD = 2;
const GRAPH_SEED = 20261202;
const IDLE_WINDOW_MS = 10_000;
const START_TIMEOUT_MS = 15 * 60_000;
const DEPTHS = [2, 3] as const;

/**
 * Federation timings: the test suite's loaded-machine ones (15 s a hop, 45 s overall) rather than the
 * defaults (3 s, 10 s), so that on a shared machine a query runs to its end and its latency is that of
 * a complete answer, not of a timeout. The environment's values win.
 */
const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  BYODA_FEDERATION_HOP_TIMEOUT_MS: process.env['BYODA_FEDERATION_HOP_TIMEOUT_MS'] ?? '15000',
  BYODA_FEDERATION_DEADLINE_MS: process.env['BYODA_FEDERATION_DEADLINE_MS'] ?? '45000',
};

interface ScaleFigures {
  readonly pods: number;
  readonly edges: number;
  readonly maxDegree: number;
  readonly startMs: number;
  readonly startCpuMs: number;
  readonly rerunStartMs: number | undefined;
  readonly rerunStartCpuMs: number | undefined;
  readonly rssBytes: number;
  readonly rssPerPodBytes: number;
  readonly idleCpuMsPerSecond: number;
  readonly populateMs: number;
  readonly queries: readonly QueryFigures[];
}

function options(): { pods: number[]; rerun: boolean } {
  const { values } = parseArgs({
    options: { pods: { type: 'string' }, 'no-rerun': { type: 'boolean' } },
  });
  const text = values.pods ?? process.env['BYODA_SCALE_PODS'];
  const pods = text === undefined ? DEFAULT_PODS : text.split(',').map((part) => Number(part.trim()));
  if (pods.some((n) => !Number.isInteger(n) || n < 2 || n > 2000)) {
    throw new Error('--pods takes pod counts from 2 to 2000, separated by commas');
  }
  return { pods, rerun: values['no-rerun'] !== true && process.env['BYODA_SCALE_RERUN'] !== '0' };
}

/** RSS of a one-pod network: what every pod count is measured against. */
async function baselineRss(root: string): Promise<number> {
  const { process: up } = await UpProcess.start(join(root, 'baseline'), 1, ENV, START_TIMEOUT_MS);
  try {
    return await up.settledRssBytes();
  } finally {
    await up.stop();
  }
}

async function measurePods(root: string, pods: number, baseline: number, rerun: boolean) {
  const dataDir = join(root, `pods-${pods}`);
  const graph = barabasiAlbert(pods, LINKS_PER_NEW_POD, GRAPH_SEED);
  const neighbours = adjacency(graph);
  log(`${pods} pods: starting`);
  const started = await UpProcess.start(dataDir, pods, ENV, START_TIMEOUT_MS);
  const { process: up, network, startMs, startCpuMs } = started;
  let queries: QueryFigures[] = [];
  let rssBytes = 0;
  let idleCpuMsPerSecond = 0;
  let populateMs = 0;
  try {
    log(`${pods} pods: up in ${startMs} ms (${startCpuMs} ms CPU); waiting for memory to settle`);
    rssBytes = await up.settledRssBytes();
    idleCpuMsPerSecond = await up.idleCpuMsPerSecond(IDLE_WINDOW_MS);
    log(`${pods} pods: writing ${graph.edges.length} friendships`);
    const rootCaPem = await readFile(network.root_ca, 'utf8');
    populateMs = await populate(network, rootCaPem, neighbours);
    queries = await sampleQueries(network, rootCaPem, dataDir, neighbours);
  } finally {
    await up.stop();
  }
  let rerunStartMs: number | undefined;
  let rerunStartCpuMs: number | undefined;
  if (rerun) {
    log(`${pods} pods: starting again over the same folder`);
    const again = await UpProcess.start(dataDir, pods, ENV, START_TIMEOUT_MS);
    rerunStartMs = again.startMs;
    rerunStartCpuMs = again.startCpuMs;
    await again.process.stop();
  }
  await rm(dataDir, { recursive: true, force: true });
  return {
    pods,
    edges: graph.edges.length,
    maxDegree: Math.max(...neighbours.map((list) => list.length)),
    startMs,
    startCpuMs,
    rerunStartMs,
    rerunStartCpuMs,
    rssBytes,
    rssPerPodBytes: Math.round((rssBytes - baseline) / (pods - 1)),
    idleCpuMsPerSecond: Math.round(idleCpuMsPerSecond),
    populateMs,
    queries,
  } satisfies ScaleFigures;
}

/** The best-linked pod, one of median degree and one of the least, each at depth 2 and 3. */
async function sampleQueries(
  network: Awaited<ReturnType<typeof UpProcess.start>>['network'],
  rootCaPem: string,
  dataDir: string,
  neighbours: readonly (readonly number[])[],
): Promise<QueryFigures[]> {
  const byDegree = neighbours.map((list, index) => ({ index, degree: list.length }));
  byDegree.sort((a, b) => b.degree - a.degree || a.index - b.index);
  const samples = [byDegree[0], byDegree[Math.floor(byDegree.length / 2)], byDegree.at(-1)];
  const results: QueryFigures[] = [];
  for (const sample of samples) {
    if (!sample) continue;
    const pod = network.pods[sample.index];
    if (!pod) continue;
    const owner = await OwnerClient.login(network, rootCaPem, pod);
    try {
      for (const depth of DEPTHS) {
        const figures = await recursiveQuery(owner, network, dataDir, {
          degree: sample.degree,
          depth,
          reachable: reachable(neighbours, sample.index, depth),
        });
        log(
          `  ${pod.name} (degree ${sample.degree}) depth ${depth}: ${figures.latencyMs} ms, ` +
            `${figures.visited}/${figures.reachable} pods, ${figures.requestsPerReachedPod} requests each`,
        );
        results.push(figures);
      }
    } finally {
      await owner.close();
    }
  }
  return results;
}

function log(line: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

const MB = 1024 * 1024;

function seconds(ms: number | undefined): string {
  return ms === undefined ? '-' : (ms / 1000).toFixed(1);
}

function printTable(all: readonly ScaleFigures[]): void {
  console.log('\npods  start s (CPU s)  rerun s (CPU s)  RSS MB  MB/pod  idle CPU ms/s  populate s');
  for (const f of all) {
    console.log(
      [
        String(f.pods).padStart(4),
        `${seconds(f.startMs)} (${seconds(f.startCpuMs)})`.padStart(15),
        `${seconds(f.rerunStartMs)} (${seconds(f.rerunStartCpuMs)})`.padStart(15),
        (f.rssBytes / MB).toFixed(0).padStart(6),
        (f.rssPerPodBytes / MB).toFixed(2).padStart(6),
        String(f.idleCpuMsPerSecond).padStart(13),
        (f.populateMs / 1000).toFixed(1).padStart(10),
      ].join('  '),
    );
  }
  console.log('\npods  pod (degree)   depth  latency ms  reached/reachable  requests/pod  remote errors');
  for (const f of all) {
    for (const q of f.queries) {
      console.log(
        [
          String(f.pods).padStart(4),
          `${q.pod} (${q.degree})`.padEnd(13),
          String(q.depth).padStart(5),
          String(q.latencyMs).padStart(10),
          `${q.visited}/${q.reachable}`.padStart(17),
          String(q.requestsPerReachedPod).padStart(12),
          String(q.remoteErrors).padStart(13),
        ].join('  '),
      );
    }
  }
}

async function main(): Promise<void> {
  const { pods, rerun } = options();
  const at = new Date().toISOString();
  const machine = { cpus: cpus().length, total_memory_bytes: totalmem(), load_average: loadavg() };
  const root = await mkdtemp(join(tmpdir(), 'byoda-scale-'));
  const all: ScaleFigures[] = [];
  try {
    const baseline = await baselineRss(root);
    log(`one-pod network: ${(baseline / MB).toFixed(0)} MB RSS`);
    await mkdir(new URL('results/', import.meta.url), { recursive: true });
    const file = new URL(`results/scale-${at.replace(/[:.]/g, '-')}.json`, import.meta.url);
    const graph = { model: 'barabasi-albert', m: LINKS_PER_NEW_POD, seed: GRAPH_SEED };
    const federation = {
      hop_timeout_ms: Number(ENV['BYODA_FEDERATION_HOP_TIMEOUT_MS']),
      deadline_ms: Number(ENV['BYODA_FEDERATION_DEADLINE_MS']),
    };
    for (const count of pods) {
      all.push(await measurePods(root, count, baseline, rerun));
      // Written after each pod count, so that a long run stopped half-way keeps what it measured.
      const json = {
        at,
        node: process.version,
        machine,
        graph,
        federation,
        baseline_rss_bytes: baseline,
        runs: all,
      };
      await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
    }
    printTable(all);
    console.log(`\nwritten to ${file.pathname}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
