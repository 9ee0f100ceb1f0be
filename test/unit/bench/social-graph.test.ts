/**
 * The scale benchmark's social graph (bench/scale/social-graph.ts): a seeded Barabási–Albert graph
 * must have the shape the benchmark claims (heavy-tailed degrees, every node linked), be the same for
 * the same seed, and never link a pod to itself or twice to another.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adjacency, barabasiAlbert, reachable, seededRandom } from '../../../bench/scale/social-graph.js';

/** Least-squares slope of log(fraction of nodes with degree >= k) against log(k), for k in [from, to]. */
function ccdfSlope(degrees: readonly number[], from: number, to: number): number {
  const points: [number, number][] = [];
  for (let k = from; k <= to; k++) {
    const atLeast = degrees.filter((d) => d >= k).length / degrees.length;
    if (atLeast > 0) points.push([Math.log(k), Math.log(atLeast)]);
  }
  const mx = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const sxy = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0);
  const sxx = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  return sxy / sxx;
}

describe('scale benchmark social graph', () => {
  it('has power-law degrees: a few hubs far above the mean, a tail falling like k^-2', () => {
    const graph = barabasiAlbert(5000, 2, 7);
    const degrees = adjacency(graph).map((list) => list.length);
    const mean = degrees.reduce((a, b) => a + b, 0) / degrees.length;
    assert.ok(Math.abs(mean - 4) < 0.01, `mean degree ${mean} is 2m`);
    assert.equal(Math.min(...degrees), 2, 'every node has at least m links');
    // A random graph of the same mean degree (Poisson) has no node above ~15; preferential attachment
    // grows hubs of order sqrt(n).
    assert.ok(Math.max(...degrees) > 60, `largest degree ${Math.max(...degrees)}`);
    // Theory: P(degree >= k) ~ k^-2 for Barabási–Albert.
    const slope = ccdfSlope(degrees, 2, 40);
    assert.ok(slope < -1.6 && slope > -2.6, `tail slope ${slope}`);
  });

  it('is the same graph for the same seed and another for another seed', () => {
    assert.deepEqual(barabasiAlbert(300, 2, 42), barabasiAlbert(300, 2, 42));
    assert.notDeepEqual(barabasiAlbert(300, 2, 42).edges, barabasiAlbert(300, 2, 43).edges);
    const a = seededRandom(1);
    const b = seededRandom(1);
    assert.deepEqual([a(), a(), a()], [b(), b(), b()]);
  });

  it('has no self-links and no edge twice, and m edges per node after the first m + 1', () => {
    for (const m of [1, 2, 3]) {
      const graph = barabasiAlbert(1000, m, 3);
      assert.equal(graph.edges.length, (m * (m + 1)) / 2 + (1000 - m - 1) * m);
      const seen = new Set<string>();
      for (const [a, b] of graph.edges) {
        assert.ok(a < b, `edge ${a}-${b} is ordered and not a self-link`);
        assert.ok(b < 1000);
        const key = `${a}-${b}`;
        assert.ok(!seen.has(key), `edge ${key} once`);
        seen.add(key);
      }
    }
  });

  it('counts the nodes within a number of hops, without the start', () => {
    // 0 - 1 - 2 - 3 and 0 - 4
    const neighbours = [[1, 4], [0, 2], [1, 3], [2], [0]];
    assert.equal(reachable(neighbours, 0, 1), 2);
    assert.equal(reachable(neighbours, 0, 2), 3);
    assert.equal(reachable(neighbours, 0, 3), 4);
    assert.equal(reachable(neighbours, 3, 2), 2);
  });

  it('refuses parameters that cannot make a graph', () => {
    assert.throws(() => barabasiAlbert(10, 0, 1), RangeError);
    assert.throws(() => barabasiAlbert(2, 2, 1), RangeError);
    assert.throws(() => barabasiAlbert(10.5, 2, 1), RangeError);
  });
});
