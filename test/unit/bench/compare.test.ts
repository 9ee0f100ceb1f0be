/**
 * The order in which `compare` (bench/load/load-generator.ts) sends rounds to the load generator, and
 * that its warm-up rounds stay out of the figures; a recording stand-in plays the load generator
 * process, since only the order and the bookkeeping are under test here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PAIRS, checkedRound, compare } from '../../../bench/load/load-generator.js';
import type { LoadJob, LoadResult } from '../../../bench/load/protocol.js';

const job = (url: string) => ({ url, method: 'GET' as const, headers: {}, servername: 'x', caPem: '' });

describe('compare', () => {
  it('warms each side up once, then alternates baseline and subject, counting only the timed rounds', async () => {
    const sent: { url: string; seconds: number; connections: number }[] = [];
    const load = {
      round: async (j: LoadJob): Promise<LoadResult> => {
        sent.push({ url: j.url, seconds: j.seconds, connections: j.connections });
        // Warm-up rounds answer absurd figures: they must not reach the result.
        const requests = j.seconds === 1 ? 1_000_000 : j.url === 'bare' ? 200 : 100;
        return {
          requests,
          seconds: j.seconds,
          latenciesMs: [j.url === 'bare' ? 1 : 2],
          non2xx: 0,
          errors: 0,
          mismatches: 0,
        };
      },
    };
    const result = await compare(
      load,
      { baseline: { name: 'bare', job: job('bare') }, subject: { name: 'pod', job: job('pod') } },
      32,
      3,
    );
    assert.deepEqual(
      sent.map((s) => `${s.url}/${s.seconds}s`),
      ['bare/1s', 'pod/1s', ...Array.from({ length: PAIRS }, () => ['bare/3s', 'pod/3s']).flat()],
    );
    assert.ok(sent.every((s) => s.connections === 32));
    assert.equal(result.baseline.rounds, PAIRS);
    assert.equal(result.baseline.perSecond, 66.67); // 200 requests in 3 s, to two decimals
    assert.equal(result.subject.p50Ms, 2);
    assert.equal(result.ratio, 0.5);
    assert.deepEqual(
      result.pairRatios,
      Array.from({ length: PAIRS }, () => 0.5),
    );
  });
});

describe('checkedRound', () => {
  const result = { requests: 10, seconds: 1, latenciesMs: [1], non2xx: 0, errors: 0, mismatches: 0 };
  const round = { ...job('https://pod/x'), connections: 32, seconds: 1 };

  it('passes a round in which every request succeeded with the expected bytes', () => {
    assert.equal(checkedRound(round, result), result);
  });

  it('refuses a round with a failed request of any kind, saying which', () => {
    assert.throws(() => checkedRound(round, { ...result, non2xx: 3 }), /3 non-2xx answers/);
    assert.throws(() => checkedRound(round, { ...result, errors: 1 }), /1 errors/);
    assert.throws(() => checkedRound(round, { ...result, mismatches: 2 }), /2 answers with other bytes/);
  });
});
