import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalDateTime,
  canonicalScalar,
  canonicalUuid,
  decodeCursor,
  encodeCursor,
  globMatch,
} from '../../../src/storage/index.js';

describe('canonical scalars', () => {
  it('writes date-times as UTC with milliseconds, whatever the input zone or precision', () => {
    const cases: [unknown, string | undefined][] = [
      ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000Z'],
      ['2024-01-01t00:00:00z', '2024-01-01T00:00:00.000Z'],
      ['2024-01-01T05:30:00.1+05:30', '2024-01-01T00:00:00.100Z'],
      ['2024-01-01T00:00:00.123999Z', '2024-01-01T00:00:00.123Z'],
      ['2023-12-31T23:00:00-01:00', '2024-01-01T00:00:00.000Z'],
      ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z'],
      ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
      [new Date(Date.UTC(2024, 0, 1)), '2024-01-01T00:00:00.000Z'],
      ['2023-02-29T00:00:00Z', undefined],
      ['2024-04-31T00:00:00Z', undefined],
      ['2024-01-01T24:00:00Z', undefined],
      ['2024-01-01T00:00:60Z', undefined],
      ['2024-01-01T00:00Z', undefined],
      ['2024-01-01', undefined],
      ['2024-01-01T00:00:00', undefined],
      ['9999-12-31T23:00:00-05:00', undefined], // year 10000: no longer fixed width
      ['0000-01-01T00:00:00+01:00', undefined], // year -1
      [new Date(Number.NaN), undefined],
      [1704067200000, undefined],
      // Already canonical (as stored): kept as is when valid, refused as above when not.
      ['2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
      ['0000-01-01T00:00:00.000Z', '0000-01-01T00:00:00.000Z'],
      ['2023-02-29T00:00:00.000Z', undefined],
      ['2024-04-31T00:00:00.000Z', undefined],
      ['2024-13-01T00:00:00.000Z', undefined],
      ['2024-01-01T24:00:00.000Z', undefined],
      ['2024-01-01T00:60:00.000Z', undefined],
      ['2024-01-01T00:00:60.000Z', undefined],
    ];
    for (const [input, expected] of cases) assert.equal(canonicalDateTime(input), expected, String(input));
  });

  it('lower-cases uuids and refuses other strings', () => {
    assert.equal(
      canonicalUuid('ABCDEF00-1234-4abc-8def-0123456789AB'),
      'abcdef00-1234-4abc-8def-0123456789ab',
    );
    assert.equal(canonicalUuid('abcdef0012344abc8def0123456789ab'), undefined);
    assert.equal(canonicalUuid(42), undefined);
  });

  it('keeps integers safe, numbers finite and zero unsigned', () => {
    assert.equal(canonicalScalar('integer', 2 ** 53), undefined);
    assert.equal(canonicalScalar('number', Number.POSITIVE_INFINITY), undefined);
    assert.ok(Object.is(canonicalScalar('number', -0), 0));
    assert.equal(canonicalScalar('string', 'ok\uD83D\uDE00'), 'ok😀');
    assert.equal(canonicalScalar('string', 'bad\uD83D'), undefined);
  });
});

describe('cursors', () => {
  it('round-trip ids and refuse anything else', () => {
    for (const id of [1, 42, Number.MAX_SAFE_INTEGER]) assert.equal(decodeCursor(encodeCursor(id)), id);
    for (const bad of ['', 'MA', '0', 'MQ==', ' MQ', encodeCursor(1) + '.', encodeCursor(2 ** 53 + 2), 12]) {
      assert.throws(() => decodeCursor(bad), { code: 'BYODA_ERR_CURSOR' }, String(bad));
    }
  });
});

describe('globMatch', () => {
  it('follows SQLite GLOB', () => {
    const cases: [string, string, boolean][] = [
      ['a*', 'abc', true],
      ['a*', 'Abc', false],
      ['?', '😀', true],
      ['[a-c]x', 'bx', true],
      ['[^a-c]x', 'bx', false],
      ['[]]', ']', true],
      ['[a-]', '-', true],
      ['[c-a]', 'b', false],
      ['[abc', 'a', false],
      ['*', '', true],
      ['a\0b', 'a', true],
    ];
    for (const [pattern, text, expected] of cases)
      assert.equal(globMatch(pattern, text), expected, `${text} GLOB ${pattern}`);
  });
});
