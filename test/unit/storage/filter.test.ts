import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileFilter,
  evaluateFilter,
  OPERATORS_BY_SCALAR,
  parseFilter,
  type FilterInput,
} from '../../../src/storage/index.js';
import { dataClass, field, scalar } from './factory.js';

const CLS = dataClass('things', 'array', [
  field('s', scalar('string')),
  field('i', scalar('integer')),
  field('b', scalar('boolean')),
  field('u', scalar('uuid')),
  field('d', scalar('date-time')),
  field('we"ird', scalar('string')),
]);

const compile = (input: FilterInput) => compileFilter(parseFilter(CLS, input));
const matches = (input: FilterInput, record: Record<string, unknown>) =>
  evaluateFilter(parseFilter(CLS, input), record as never);

describe('filter', () => {
  describe('compileFilter', () => {
    it('puts every value in a parameter and quotes every identifier', () => {
      const evil = `x'); DROP TABLE things; --`;
      const { sql, params } = compile({ s: { eq: evil, in: [evil, 'y'] }, 'we"ird': { glob: evil } });
      assert.equal(sql, `"s" = ? AND "s" IN (?, ?) AND "we""ird" GLOB ?`);
      assert.deepEqual(params, [evil, evil, 'y', evil]);
      assert.ok(!sql.includes('DROP'));
    });

    it('compiles each operator', () => {
      const cases: [FilterInput, string, unknown[]][] = [
        [{ s: { ne: 'a' } }, `"s" IS NOT ?`, ['a']],
        [{ s: { nin: ['a'] } }, `("s" IS NULL OR "s" NOT IN (?))`, ['a']],
        [{ s: { regex: '^a' } }, `"s" REGEXP ?`, ['^a']],
        [{ i: { lt: 1, ge: -1 } }, `"i" < ? AND "i" >= ?`, [1, -1]],
        [{ b: { eq: true } }, `"b" = ?`, [1]],
        [
          { u: { eq: 'AAAAAAAA-0000-4000-8000-000000000000' } },
          `"u" = ?`,
          ['aaaaaaaa-0000-4000-8000-000000000000'],
        ],
        [{ d: { after: '2024-01-01T02:00:00+02:00' } }, `"d" > ?`, ['2024-01-01T00:00:00.000Z']],
        [{ s: { in: [] } }, '0', []],
        [{ s: { nin: [] } }, '1', []],
        [{}, '1', []],
      ];
      for (const [input, sql, params] of cases)
        assert.deepEqual(compile(input), { sql, params }, JSON.stringify(input));
    });

    it('follows the operator table of spec §7', () => {
      assert.deepEqual(OPERATORS_BY_SCALAR.string, ['eq', 'ne', 'in', 'nin', 'glob', 'regex']);
      assert.deepEqual(OPERATORS_BY_SCALAR.number, ['eq', 'ne', 'lt', 'gt', 'le', 'ge']);
      assert.deepEqual(OPERATORS_BY_SCALAR['date-time'], ['at', 'after', 'before']);
      assert.deepEqual(OPERATORS_BY_SCALAR.uuid, ['eq', 'ne', 'in']);
    });
  });

  describe('evaluateFilter', () => {
    it('treats an absent value as matching only ne and nin', () => {
      assert.equal(matches({ s: { eq: 'a' } }, {}), false);
      assert.equal(matches({ s: { ne: 'a' } }, {}), true);
      assert.equal(matches({ s: { in: ['a'] } }, { s: null }), false);
      assert.equal(matches({ s: { nin: ['a'] } }, { s: null }), true);
      assert.equal(matches({ s: { glob: '*' } }, {}), false);
      assert.equal(matches({ i: { lt: 5 } }, {}), false);
    });

    it('compares records from other pods in canonical form', () => {
      const u = 'aaaaaaaa-0000-4000-8000-000000000000';
      assert.equal(matches({ u: { eq: u } }, { u: u.toUpperCase() }), true);
      assert.equal(
        matches({ d: { at: '2024-01-01T00:00:00Z' } }, { d: '2024-01-01T01:00:00.000+01:00' }),
        true,
      );
      assert.equal(
        matches({ d: { before: '2024-01-01T00:00:00Z' } }, { d: '2023-12-31T23:59:59.999Z' }),
        true,
      );
      // A value of the wrong type counts as absent.
      assert.equal(matches({ i: { eq: 1 } }, { i: '1' }), false);
      assert.equal(matches({ i: { ne: 1 } }, { i: '1' }), true);
    });

    it('ANDs operators and fields', () => {
      const record = { s: 'abc', i: 3, b: false };
      assert.equal(
        matches({ s: { glob: 'a*', regex: 'c$' }, i: { gt: 2, le: 3 }, b: { ne: true } }, record),
        true,
      );
      assert.equal(matches({ s: { glob: 'a*' }, i: { gt: 3 } }, record), false);
    });
  });
});
