/**
 * A seeded social graph for the scale benchmark: Barabási–Albert preferential attachment, so that the
 * degrees follow a power law as real social networks do (a few hubs, many people with few friends).
 * Node i joins by linking to `m` distinct earlier nodes, each picked with a probability proportional
 * to its degree. The same seed always gives the same graph, so runs are comparable.
 */
import { mulberry32 } from '../../test/fixtures/seeded-random.js';

/** The benchmark's PRNG: the tests' mulberry32, so that one seed gives one graph everywhere. */
export const seededRandom = mulberry32;

export interface SocialGraph {
  readonly nodes: number;
  /** Undirected edges [a, b] with a < b, each once, no self-links. */
  readonly edges: readonly (readonly [number, number])[];
}

/**
 * `nodes` nodes, each new one attached to `m` earlier ones (the first m + 1 form a clique, so every
 * node has degree at least m). Throws for m < 1 or nodes <= m.
 */
export function barabasiAlbert(nodes: number, m: number, seed: number): SocialGraph {
  if (!Number.isInteger(m) || m < 1) throw new RangeError('m must be a whole number from 1');
  if (!Number.isInteger(nodes) || nodes <= m) throw new RangeError('nodes must be a whole number above m');
  const random = seededRandom(seed);
  const edges: [number, number][] = [];
  // Every edge end, once per edge: a uniform pick from it is a pick proportional to degree.
  const ends: number[] = [];
  const link = (a: number, b: number): void => {
    edges.push(a < b ? [a, b] : [b, a]);
    ends.push(a, b);
  };
  for (let a = 0; a <= m; a++) for (let b = a + 1; b <= m; b++) link(a, b);
  for (let node = m + 1; node < nodes; node++) {
    const targets = new Set<number>();
    while (targets.size < m) targets.add(ends[Math.floor(random() * ends.length)] as number);
    for (const target of [...targets].sort((x, y) => x - y)) link(node, target);
  }
  return { nodes, edges };
}

/** Each node's neighbours, sorted. */
export function adjacency(graph: SocialGraph): number[][] {
  const lists = Array.from({ length: graph.nodes }, () => [] as number[]);
  for (const [a, b] of graph.edges) {
    lists[a]?.push(b);
    lists[b]?.push(a);
  }
  return lists.map((list) => list.sort((x, y) => x - y));
}

/** The nodes within `depth` hops of `start`, not counting `start` itself. */
export function reachable(neighbours: readonly (readonly number[])[], start: number, depth: number): number {
  const seen = new Set([start]);
  let frontier = [start];
  for (let hop = 0; hop < depth; hop++) {
    const next: number[] = [];
    for (const node of frontier) {
      for (const other of neighbours[node] ?? []) {
        if (!seen.has(other)) {
          seen.add(other);
          next.push(other);
        }
      }
    }
    frontier = next;
  }
  return seen.size - 1;
}
