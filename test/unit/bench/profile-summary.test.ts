/** Reading a V8 CPU profile for `npm run bench:profile` (bench/profile-summary.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placeOf, summarizeProfile } from '../../../bench/profile-summary.js';
import type { CpuProfile } from '../../../bench/profile-summary.js';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

/** 1 s of samples: 50 idle, 30 in graphql's validate (two nodes), 15 in our firewall, 5 in GC. */
const PROFILE: CpuProfile = {
  startTime: 0,
  endTime: 1_000_000,
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), hitCount: 0 },
    { id: 2, callFrame: frame('(idle)', ''), hitCount: 50 },
    {
      id: 3,
      callFrame: frame('validate', 'file:///r/node_modules/graphql/validation/validate.js', 9),
      hitCount: 20,
    },
    {
      id: 4,
      callFrame: frame('validate', 'file:///r/node_modules/graphql/validation/validate.js', 9),
      hitCount: 10,
    },
    { id: 5, callFrame: frame('decide', 'file:///r/src/firewall/decide.ts', 41), hitCount: 15 },
    { id: 6, callFrame: frame('(garbage collector)', ''), hitCount: 5 },
  ],
};

describe('summarizeProfile', () => {
  it('ranks self time of the busy samples, the same function from several call paths summed', () => {
    const summary = summarizeProfile(PROFILE);
    assert.equal(summary.busyMs, 500);
    assert.deepEqual(summary.functions, [
      { name: 'validate node_modules/graphql/validation/validate.js:10', percent: 60, ms: 300 },
      { name: 'decide src/firewall/decide.ts:42', percent: 30, ms: 150 },
      { name: '(garbage collector)', percent: 10, ms: 50 },
    ]);
    assert.deepEqual(
      summary.places.map((p) => [p.name, p.percent]),
      [
        ['graphql', 60],
        ['src/firewall', 30],
        ['(native / V8)', 10],
      ],
    );
  });

  it('counts only the samples of the last milliseconds asked, leaving out start-up', () => {
    // Four samples 250 ms apart: validate (start-up), then decide three times.
    const timed: CpuProfile = {
      ...PROFILE,
      samples: [3, 5, 5, 5],
      timeDeltas: [250_000, 250_000, 250_000, 250_000],
    };
    const summary = summarizeProfile(timed, 15, 600);
    assert.equal(summary.busyMs, 600);
    assert.deepEqual(
      summary.functions.map((f) => [f.name, f.percent]),
      [['decide src/firewall/decide.ts:42', 100]],
    );
  });

  it('keeps only the n greatest', () => {
    assert.equal(summarizeProfile(PROFILE, 1).functions.length, 1);
  });

  it('gives nothing for a profile without busy samples', () => {
    const idle = { ...PROFILE, nodes: [{ id: 2, callFrame: frame('(idle)', ''), hitCount: 9 }] };
    assert.deepEqual(summarizeProfile(idle), { busyMs: 0, functions: [], places: [] });
  });
});

describe('placeOf', () => {
  it('names a package (scoped too), a folder of src/ or a node module', () => {
    assert.equal(placeOf('file:///r/node_modules/@fastify/rate-limit/index.js'), '@fastify/rate-limit');
    assert.equal(placeOf('file:///r/node_modules/a/node_modules/pino/pino.js'), 'pino');
    assert.equal(placeOf('file:///r/src/pod/routes/graphql-route.ts'), 'src/pod');
    assert.equal(placeOf('node:internal/streams/writable'), 'node:internal');
  });
});
