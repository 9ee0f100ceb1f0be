import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import {
  evaluateFilter,
  globMatch,
  openSqliteStore,
  parseFilter,
  type DataStore,
  type FilterInput,
  type StoredRecord,
} from '../../../src/storage/index.js';
import { contract, dataClass, field, scalar, tempDir } from './factory.js';

const THINGS = dataClass('things', 'array', [
  field('s', scalar('string')),
  field('i', scalar('integer')),
  field('n', scalar('number')),
  field('b', scalar('boolean')),
  field('u', scalar('uuid')),
  field('d', scalar('date-time')),
]);

// Small domains, so that random filters hit random records often; glob and SQL metacharacters included.
const text = fc.string({
  unit: fc.constantFrom('a', 'b', 'A', '*', '?', '[', ']', '^', '-', "'", '"', '%', ';', '\n', 'é', '😀'),
  maxLength: 5,
});
const integer = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
);
const number = fc.oneof(
  fc.constantFrom(-1.5, -0, 0, 0.1, 1, 2.5, 1e300, -5e-324),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const uuid = fc
  .constantFrom(
    '0b6d5a5e-1f1a-4c6e-9b1e-000000000001',
    '0b6d5a5e-1f1a-4c6e-9b1e-00000000000a',
    'ffffffff-ffff-4fff-bfff-ffffffffffff',
  )
  .chain((u) => fc.constantFrom(u, u.toUpperCase()));
// Several spellings of few instants: zones, fractions beyond milliseconds.
const dateTime = fc.constantFrom(
  '2024-01-01T00:00:00Z',
  '2024-01-01T01:00:00+01:00',
  '2023-12-31T18:30:00.0004-05:30',
  '2024-01-01T00:00:00.001Z',
  '2024-02-29T12:00:00.5+00:00',
  '1999-12-31T23:59:59.999Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
);
const regex = fc
  .tuple(
    fc.boolean(),
    fc.array(
      fc.constantFrom('a', 'b', 'A', '.', '\\*', '\\[', '[ab]', '[^a]', '(a|b)', 'a*', 'b+', '.?', 'é', '😀'),
      {
        maxLength: 4,
      },
    ),
    fc.boolean(),
  )
  .map(([start, atoms, end]) => `${start ? '^' : ''}${atoms.join('')}${end ? '$' : ''}`);

const recordArb = fc.record(
  { s: text, i: integer, n: number, b: fc.boolean(), u: uuid, d: dateTime },
  { requiredKeys: [] },
);

type OperatorArbs = Record<string, fc.Arbitrary<unknown>>;

/** One or two operators of `ops`, with values. */
function fieldFilter(ops: OperatorArbs): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .uniqueArray(fc.constantFrom(...Object.keys(ops)), { minLength: 1, maxLength: 2 })
    .chain((names) =>
      fc.tuple(...names.map((name) => (ops[name] as fc.Arbitrary<unknown>).map((v) => [name, v] as const))),
    )
    .map((pairs) => Object.fromEntries(pairs));
}

const list = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(arb, { maxLength: 3 });

const FIELD_FILTERS: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  s: fieldFilter({ eq: text, ne: text, in: list(text), nin: list(text), glob: text, regex }),
  i: fieldFilter({ eq: integer, ne: integer, lt: integer, gt: integer, le: integer, ge: integer }),
  n: fieldFilter({ eq: number, ne: number, lt: number, gt: number, le: number, ge: number }),
  b: fieldFilter({ eq: fc.boolean(), ne: fc.boolean() }),
  u: fieldFilter({ eq: uuid, ne: uuid, in: list(uuid) }),
  d: fieldFilter({ at: dateTime, after: dateTime, before: dateTime }),
};

/** One or two fields, each with one or two operators (no filter at all is covered elsewhere). */
const filterArb: fc.Arbitrary<FilterInput> = fc
  .uniqueArray(fc.constantFrom(...Object.keys(FIELD_FILTERS)), { minLength: 1, maxLength: 2 })
  .chain((names) =>
    fc.tuple(
      ...names.map((name) =>
        (FIELD_FILTERS[name] as fc.Arbitrary<Record<string, unknown>>).map((f) => [name, f] as const),
      ),
    ),
  )
  .map((pairs) => Object.fromEntries(pairs) as FilterInput);

describe('filters: SQL and evaluateFilter agree', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: DataStore;
  before(async () => {
    dir = await tempDir();
    store = await openSqliteStore(join(dir.path, 'store.db'), contract(1, [THINGS]));
  });
  after(async () => {
    await store.close();
    await dir.remove();
  });

  it('selects the same records for random records and random valid filters', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordArb, { maxLength: 25 }), filterArb, async (inputs, filterInput) => {
        await store.delete('things', {});
        const stored: StoredRecord[] = [];
        for (const input of inputs) stored.push(await store.append('things', input));
        const filter = parseFilter(THINGS, filterInput);

        const inMemory = stored.filter((r) => evaluateFilter(filter, r.data)).map((r) => r.meta.id);
        // The records as given (upper-case uuids, zoned date-times) must evaluate as the stored ones.
        const asGiven = stored
          .filter((_, k) => evaluateFilter(filter, inputs[k] ?? {}))
          .map((r) => r.meta.id);
        const page = await store.query('things', { filter: filterInput, first: 100 });

        assert.deepEqual(
          page.records.map((r) => r.meta.id),
          inMemory,
        );
        assert.deepEqual(asGiven, inMemory);
        assert.equal(page.totalCount, inMemory.length);
        assert.equal(await store.count('things', filterInput), inMemory.length);
      }),
      { numRuns: 400 },
    );
  });

  it('globMatch matches what SQLite GLOB matches', () => {
    const db = new Database(':memory:');
    const glob = db.prepare('SELECT ? GLOB ? AS m');
    const alphabet = fc.constantFrom('a', 'b', 'c', 'z', '-', '^', '[', ']', '*', '?', '\0', 'é', '😀');
    // Random strings rarely form sets and ranges; these pieces do.
    const piece = fc.constantFrom(
      'a',
      'c',
      '*',
      '?',
      '[a-c]',
      '[^a-c]',
      '[]-]',
      '[-a]',
      '[a-]',
      '[c-a]',
      '[^]a]',
      '[a-c-z]',
      '[',
      '😀',
    );
    const pattern = fc.oneof(
      fc.string({ unit: alphabet, maxLength: 8 }),
      fc.array(piece, { maxLength: 4 }).map((p) => p.join('')),
    );
    try {
      fc.assert(
        fc.property(fc.string({ unit: alphabet, maxLength: 8 }), pattern, (value, pattern) => {
          const sqlite = (glob.get(value, pattern) as { m: number }).m === 1;
          assert.equal(
            globMatch(pattern, value),
            sqlite,
            `${JSON.stringify(value)} GLOB ${JSON.stringify(pattern)}`,
          );
        }),
        { numRuns: 5000 },
      );
    } finally {
      db.close();
    }
  });
});
