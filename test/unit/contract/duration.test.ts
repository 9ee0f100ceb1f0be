import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByodaError } from '../../../src/errors/index.js';
import { formatDuration, parseDuration } from '../../../src/contract/index.js';

describe('parseDuration', () => {
  const valid: readonly [string, number][] = [
    ['30s', 30],
    ['15m', 900],
    ['1h', 3600],
    ['3d', 259_200],
    ['1w', 604_800],
    [' 2h ', 7200],
  ];
  for (const [text, seconds] of valid) {
    it(`reads ${JSON.stringify(text)} as ${seconds} seconds`, () =>
      assert.equal(parseDuration(text), seconds));
  }

  for (const text of ['', '3', 'd', '0d', '-1d', '1.5h', '3x', '1h30m', '3 d', '01d', '1D']) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseDuration(text),
        (err: unknown) =>
          err instanceof ByodaError &&
          err.code === 'BYODA_ERR_VALUE' &&
          /unit s, m, h, d or w/.test(err.message),
      );
    });
  }
});

describe('formatDuration', () => {
  it('writes the largest exact unit', () => {
    assert.equal(formatDuration(259_200), '3d');
    assert.equal(formatDuration(604_800), '1w');
    assert.equal(formatDuration(5400), '90m');
    assert.equal(formatDuration(90), '90s');
  });

  it('round-trips with parseDuration', () => {
    for (const text of ['45s', '2m', '5h', '6d', '2w'])
      assert.equal(formatDuration(parseDuration(text)), text);
  });
});
