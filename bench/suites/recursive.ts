/**
 * Recursive queries (spec §8) of depth 1, 2 and 3 over a generated graph of pods, each against the
 * same query at depth 0 (the pod's own records only) in alternating rounds, with how many requests
 * each visited pod received per query: 1 means no pod was asked twice; more is the cost of cycles and
 * diamonds in the graph.
 *
 * The graph: BYODA_BENCH_GRAPH_PODS pods (default 24), each linked (`friend`) to LINKS_PER_POD others
 * drawn with a fixed seed and linked back by them (a pod forwards only for members it links to), each
 * with two public assets; the query starts at p0. The pods are
 * PodServer instances of test/integration/federation/in-process-pods.ts in the bench process (two dozen
 * pod processes are too many for a small machine), each with its own data folder, keys and TLS ports,
 * found through the network's real DNS and asked over mutual TLS; the load generator stays in its
 * own process. Visits are counted from the pods' own log lines (`federated query admitted` /
 * `federated query repeated`), told apart per query by its query id.
 */
import { ROUND_SECONDS, compare } from '../load/load-generator.js';
import type { LoadSuiteResult } from '../measure.js';
import type { Comparison } from '../stats.js';
import { ratioOf } from '../stats.js';
import { benchNetwork, loadGenerator } from '../servers/network.js';
import {
  inBatches,
  startInProcessPod,
  stopInProcessPod,
} from '../../test/integration/federation/in-process-pods.js';
import type { InProcessPod } from '../../test/integration/federation/in-process-pods.js';
import { bothWays, randomGraph, reachableWithin, visitCounts } from './graph.js';

const PODS = Number(process.env['BYODA_BENCH_GRAPH_PODS'] ?? 24);
/** Two links drawn a pod, each also linked back: about four links a pod. */
const LINKS_PER_POD = 2;
/**
 * Concurrencies of this suite (BYODA_BENCH_RECURSIVE_CONNECTIONS, default "1,8"): every pod of the
 * graph shares the bench process's one core, so 32 depth-3 queries at once measure that core's queue.
 */
const RECURSIVE_CONNECTIONS: readonly number[] = (process.env['BYODA_BENCH_RECURSIVE_CONNECTIONS'] ?? '1,8')
  .split(',')
  .map(Number)
  .filter((c) => Number.isInteger(c) && c > 0);
/** A recursive query takes far longer than a read: longer rounds, so that each holds enough of them. */
const SECONDS = 2 * ROUND_SECONDS;
const SEED = 12;
/** Generous waits: two dozen pods share one event loop under load; nothing here tests timing. */
const TIMINGS = { hopTimeoutMs: 15_000, deadlineMs: 60_000 };

const QUERY = (depth: number): string =>
  `{ public_assets_connection(depth: ${depth}, first: 100) { total_count edges { origin node { title } } ` +
  'remote_errors { origin message } } }';

export async function recursiveSuite(): Promise<LoadSuiteResult> {
  const net = await benchNetwork();
  const links = bothWays(randomGraph(PODS, LINKS_PER_POD, SEED));
  const pods: InProcessPod[] = [];
  try {
    await inBatches(
      links.map((_, i) => i),
      4,
      async (i) => void pods.push(await startInProcessPod(net.harness, `p${i}`, TIMINGS)),
    );
    pods.sort((x, y) => Number(x.name.slice(1)) - Number(y.name.slice(1)));
    await Promise.all(
      links.map(async (targets, i) => {
        const owner = pods[i]!.owner;
        for (const t of targets) await owner.link(pods[t]!.owner.memberId, 'friend');
        await owner.publish(`first asset of p${i}`);
        await owner.publish(`second asset of p${i}`);
      }),
    );
    const origin = pods[0]!.owner;
    const job = (depth: number) => ({
      url: `${origin.pod.webUrl}/api/v1/data/service-${origin.serviceId}`,
      method: 'POST' as const,
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${origin.token}`,
      },
      body: JSON.stringify({ query: QUERY(depth) }),
      servername: origin.pod.fqdn,
      caPem: net.harness.directory.rootCaPem,
      // A pod that timed out or failed shows in remote_errors: such an answer is not a measurement.
      expectIncludes: '"remote_errors":[]',
      timeoutSeconds: TIMINGS.deadlineMs / 1000,
    });
    const comparisons: (Comparison & Record<string, unknown>)[] = [];
    for (const depth of [1, 2, 3]) {
      for (const connections of RECURSIVE_CONNECTIONS) {
        const before = pods.map((p) => p.logLines.length);
        const comparison = await compare(
          loadGenerator(),
          {
            baseline: { name: `p0's owner, depth 0 (p0's records only)`, job: job(0) },
            subject: { name: `p0's owner, depth ${depth}`, job: job(depth) },
          },
          connections,
          SECONDS,
        );
        const counts = visitCounts(pods.map((p, i) => p.logLines.slice(before[i])));
        comparisons.push({
          ...comparison,
          depth,
          reachable_pods: reachableWithin(links, 0, depth).size,
          queries_seen: counts.queries,
          visited_pods_per_query: counts.medianVisitedPods,
          requests_per_visited_pod: ratioOf(counts.admitted + counts.repeated, counts.admitted),
        });
      }
    }
    return {
      benchmark: `recursive queries over ${PODS} pods`,
      comparisons,
      notes: { pods: PODS, links_per_pod: LINKS_PER_POD, seed: SEED, links },
    };
  } finally {
    await Promise.all(pods.map(stopInProcessPod));
  }
}
