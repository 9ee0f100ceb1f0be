import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarise, turns } from '../../../bench/start-summary.js';

describe('bench: start-time summary', () => {
  it('gives every variant one turn per round, the first one moving each round', () => {
    assert.deepEqual(turns(['a', 'b', 'c'], 4), [
      ['a', 'b', 'c'],
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
      ['a', 'b', 'c'],
    ]);
    assert.throws(() => turns([], 1), /no variants/);
    assert.throws(() => turns(['a'], 0), /rounds/);
  });

  it('reports each variant median per subject and its ratio to the first variant', () => {
    const samples = [
      { variant: 'files', subject: 'help', ms: 1000 },
      { variant: 'files', subject: 'help', ms: 3000 },
      { variant: 'files', subject: 'help', ms: 2000 },
      { variant: 'bundle', subject: 'help', ms: 500 },
      { variant: 'bundle', subject: 'help', ms: 400 },
      { variant: 'bundle', subject: 'help', ms: 900 },
      { variant: 'files', subject: 'pod', ms: 4000 },
      { variant: 'bundle', subject: 'pod', ms: 3000 },
    ];
    const [help, pod] = summarise(['files', 'bundle'], samples);
    assert.equal(help?.subject, 'help');
    assert.deepEqual(help?.variants, [
      { variant: 'files', runs: 3, medianMs: 2000, minMs: 1000, maxMs: 3000, ratio: 1 },
      { variant: 'bundle', runs: 3, medianMs: 500, minMs: 400, maxMs: 900, ratio: 0.25 },
    ]);
    assert.equal(pod?.variants[1]?.ratio, 0.75);
  });

  it('summarises the CPU times when asked, leaving out samples without one', () => {
    const samples = [
      { variant: 'files', subject: 'pod', ms: 4000, cpuMs: 1200 },
      { variant: 'bundle', subject: 'pod', ms: 3000, cpuMs: 600 },
      { variant: 'bundle', subject: 'pod', ms: 3100 },
    ];
    const [pod] = summarise(['files', 'bundle'], samples, 'cpuMs');
    assert.deepEqual(
      pod?.variants.map((v) => [v.runs, v.medianMs, v.ratio]),
      [
        [1, 1200, 1],
        [1, 600, 0.5],
      ],
    );
  });

  it('gives NaN, not a ratio, for a variant without runs', () => {
    const [help] = summarise(['files', 'bundle'], [{ variant: 'files', subject: 'help', ms: 100 }]);
    assert.ok(Number.isNaN(help?.variants[1]?.ratio));
  });
});
