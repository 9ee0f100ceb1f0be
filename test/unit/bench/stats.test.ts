/**
 * The arithmetic of `npm run bench` (bench/stats.ts): the alternation of rounds, nearest-rank
 * percentiles, and what a comparison of rounds reports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alternation, compareRounds, figuresOf, percentile, ratioOf } from '../../../bench/stats.js';
import type { Round } from '../../../bench/stats.js';

const round = (
  role: Round['role'],
  requests: number,
  seconds: number,
  latenciesMs: number[] = [1],
): Round => ({
  role,
  requests,
  seconds,
  latenciesMs,
});

describe('alternation', () => {
  it('starts with the baseline and alternates, one pair per pair asked', () => {
    assert.deepEqual(alternation(1), ['baseline', 'subject']);
    assert.deepEqual(alternation(3), ['baseline', 'subject', 'baseline', 'subject', 'baseline', 'subject']);
  });

  it('refuses a count that would leave a side without a round', () => {
    assert.throws(() => alternation(0), /pairs must be a whole number >= 1/);
    assert.throws(() => alternation(1.5), /pairs must be a whole number >= 1/);
  });
});

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 .. 1, unsorted on purpose

  it('is the nearest-rank value: the smallest that q % of the values do not exceed', () => {
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile(hundred, 99), 99);
    assert.equal(percentile(hundred, 100), 100);
    assert.equal(percentile([3, 1, 2], 50), 2);
    assert.equal(percentile([5], 99), 5);
  });

  it('sorts numerically, not as text', () => {
    assert.equal(percentile([10, 9, 100, 2], 50), 9);
  });

  it('is NaN for no values and refuses a q outside (0, 100]', () => {
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.throws(() => percentile([1], 0), /percentile/);
    assert.throws(() => percentile([1], 101), /percentile/);
  });
});

describe('ratioOf', () => {
  it('rounds to two decimals and never turns a zero baseline into a figure', () => {
    assert.equal(ratioOf(1, 3), 0.33);
    assert.equal(ratioOf(2000, 100), 20);
    assert.ok(Number.isNaN(ratioOf(5, 0)));
  });
});

describe('figuresOf', () => {
  it('pools the rounds: requests over all seconds, percentiles over all latencies', () => {
    const rounds = [round('subject', 100, 2, [1, 2, 3, 4]), round('subject', 300, 2, [5, 6, 7, 100])];
    const figures = figuresOf('x', rounds);
    assert.equal(figures.requests, 400);
    assert.equal(figures.perSecond, 100);
    assert.equal(figures.p50Ms, 4);
    assert.equal(figures.p99Ms, 100);
    assert.equal(figures.tail, 25);
    assert.equal(figures.rounds, 2);
  });
});

describe('compareRounds', () => {
  it('gives subject/baseline overall and for each pair of rounds taken one after the other', () => {
    const rounds = [
      round('baseline', 1000, 1),
      round('subject', 500, 1),
      round('baseline', 2000, 1),
      round('subject', 500, 1),
    ];
    const c = compareRounds({ baseline: 'bare', subject: 'pod' }, 32, rounds);
    assert.equal(c.connections, 32);
    assert.equal(c.baseline.name, 'bare');
    assert.equal(c.baseline.perSecond, 1500);
    assert.equal(c.subject.perSecond, 500);
    assert.equal(c.ratio, 0.33);
    assert.deepEqual(c.pairRatios, [0.5, 0.25]);
  });

  it('refuses rounds of one side only', () => {
    assert.throws(
      () => compareRounds({ baseline: 'b', subject: 's' }, 1, [round('baseline', 1, 1)]),
      /needs rounds of both/,
    );
  });
});
