/**
 * The pure parts of the recursive-query suite (recursive.ts), unit-tested in
 * test/unit/bench/graph.test.ts: a reproducible random graph of pods, who is within reach of a
 * depth, and the counting of visits in the pods' log lines.
 */
import { percentile } from '../stats.js';
import { mulberry32 } from '../../test/fixtures/seeded-random.js';

/** The benchmark's PRNG: the tests' mulberry32, so that one seed gives one graph everywhere. */
export const seededRandom = mulberry32;

/**
 * `pods` pods, each with `perPod` links to distinct other pods (never itself), drawn with `seed`:
 * cycles and diamonds come by chance, as in a real network.
 */
export function randomGraph(pods: number, perPod: number, seed: number): number[][] {
  if (perPod >= pods) throw new Error(`${pods} pods cannot each link to ${perPod} others`);
  const random = seededRandom(seed);
  return Array.from({ length: pods }, (_, from) => {
    const targets = new Set<number>();
    while (targets.size < perPod) {
      const to = Math.floor(random() * pods);
      if (to !== from) targets.add(to);
    }
    return [...targets].sort((x, y) => x - y);
  });
}

/**
 * `links` with every link also drawn the other way: a pod forwards a query only for a member its owner
 * links to (docs/protocol.md, "Who a pod forwards for"), so in a network where queries travel past the
 * first hop each pair of friends links both ways, as two people who added each other do.
 */
export function bothWays(links: readonly (readonly number[])[]): number[][] {
  const out = links.map((targets) => new Set(targets));
  links.forEach((targets, from) => {
    for (const to of targets) out[to]?.add(from);
  });
  return out.map((targets) => [...targets].sort((x, y) => x - y));
}

/** The pods a query from `origin` with `depth` reaches, the origin left out (spec §8: depth = hops). */
export function reachableWithin(
  links: readonly (readonly number[])[],
  origin: number,
  depth: number,
): Set<number> {
  const seen = new Set<number>([origin]);
  let frontier = [origin];
  for (let hop = 0; hop < depth; hop++) {
    const next: number[] = [];
    for (const pod of frontier) {
      for (const to of links[pod] ?? []) {
        if (!seen.has(to)) {
          seen.add(to);
          next.push(to);
        }
      }
    }
    frontier = next;
  }
  seen.delete(origin);
  return seen;
}

export interface VisitCounts {
  /** Distinct query ids seen. */
  readonly queries: number;
  /** `federated query admitted` lines: a pod that took part in a query. */
  readonly admitted: number;
  /** `federated query repeated` lines: a pod asked again for a query it had already seen. */
  readonly repeated: number;
  /**
   * The median count of pods that admitted one query. A median, since the query in flight when a round
   * ends is cut off and counted with only the pods it had reached by then.
   */
  readonly medianVisitedPods: number;
}

/** Counts the visit lines among each pod's log lines. */
export function visitCounts(linesOfEachPod: readonly (readonly Record<string, unknown>[])[]): VisitCounts {
  const perQuery = new Map<unknown, number>();
  let admitted = 0;
  let repeated = 0;
  for (const line of linesOfEachPod.flat()) {
    const id = line['query_id'];
    if (line['msg'] === 'federated query admitted') {
      admitted++;
      perQuery.set(id, (perQuery.get(id) ?? 0) + 1);
    } else if (line['msg'] === 'federated query repeated') {
      repeated++;
      perQuery.set(id, perQuery.get(id) ?? 0);
    }
  }
  const counts = [...perQuery.values()];
  return {
    queries: perQuery.size,
    admitted,
    repeated,
    medianVisitedPods: counts.length === 0 ? 0 : percentile(counts, 50),
  };
}
