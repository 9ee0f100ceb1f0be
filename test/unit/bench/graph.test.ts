/** The pure parts of the recursive-query benchmark (bench/suites/graph.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bothWays, randomGraph, reachableWithin, visitCounts } from '../../../bench/suites/graph.js';

describe('randomGraph', () => {
  it('gives each pod the asked number of distinct links, never to itself', () => {
    const links = randomGraph(24, 3, 12);
    assert.equal(links.length, 24);
    links.forEach((targets, from) => {
      assert.equal(new Set(targets).size, 3, `p${from}`);
      assert.ok(!targets.includes(from), `p${from} links to itself`);
      assert.ok(targets.every((t) => t >= 0 && t < 24));
    });
  });

  it('is the same graph for the same seed, another for another seed', () => {
    assert.deepEqual(randomGraph(24, 3, 12), randomGraph(24, 3, 12));
    assert.notDeepEqual(randomGraph(24, 3, 12), randomGraph(24, 3, 13));
  });

  it('refuses more links per pod than there are other pods', () => {
    assert.throws(() => randomGraph(3, 3, 1), /cannot each link/);
  });
});

describe('bothWays', () => {
  it('adds the link back of every link, once, keeping the others', () => {
    assert.deepEqual(bothWays([[1], [2], [0, 1]]), [
      [1, 2],
      [0, 2],
      [0, 1],
    ]);
  });

  it('makes every link of a random graph mutual', () => {
    const links = bothWays(randomGraph(24, 2, 12));
    links.forEach((targets, from) => {
      for (const to of targets) assert.ok(links[to]!.includes(from), `${to} links back to ${from}`);
      assert.ok(!targets.includes(from));
    });
  });
});

describe('reachableWithin', () => {
  // 0 → 1 → 2 → 3, 0 → 2 (a shortcut), 3 → 0 (back to the origin)
  const links = [[1, 2], [2], [3], [0]];

  it('counts hops, the shortest way, and leaves the origin out', () => {
    assert.deepEqual([...reachableWithin(links, 0, 0)], []);
    assert.deepEqual([...reachableWithin(links, 0, 1)].sort(), [1, 2]);
    assert.deepEqual([...reachableWithin(links, 0, 2)].sort(), [1, 2, 3]);
    assert.deepEqual([...reachableWithin(links, 0, 3)].sort(), [1, 2, 3]);
  });
});

describe('visitCounts', () => {
  it('counts admitted and repeated visit lines and the distinct queries, ignoring other lines', () => {
    const counts = visitCounts([
      [
        { msg: 'federated query admitted', query_id: 'q1' },
        { msg: 'request completed', query_id: 'q1' },
      ],
      [
        { msg: 'federated query admitted', query_id: 'q1' },
        { msg: 'federated query repeated', query_id: 'q1' },
        { msg: 'federated query admitted', query_id: 'q2' },
      ],
      [],
    ]);
    assert.deepEqual(counts, { queries: 2, admitted: 3, repeated: 1, medianVisitedPods: 1 });
  });

  it('gives the median of the pods per query, so that a query cut off at the end of a round does not count', () => {
    const admitted = (id: string) => ({ msg: 'federated query admitted', query_id: id });
    const lines = [
      [admitted('q1'), admitted('q2'), admitted('q3')],
      [admitted('q1'), admitted('q2'), admitted('q3')],
      [admitted('q1'), admitted('q2')],
    ];
    assert.equal(visitCounts(lines).medianVisitedPods, 3);
  });
});
