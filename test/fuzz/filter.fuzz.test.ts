/**
 * Fuzz of filters and cursors against a real SQLite store of the project's addressbook contract: filter
 * inputs shaped like the GraphQL `<class>_filter` types with wrong fields, operators and values mixed
 * in (and anything JSON at all), cursors of any text. Oracle: `query`, `count` and `parseFilter`
 * either answer or throw a ByodaError with a client-side code (never another error, never a 5xx code),
 * a valid filter's SQL selects what `evaluateFilter` selects, and the stored data is unchanged.
 * (Valid filters alone are covered by test/unit/storage/filter.property.test.ts.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadContractFile } from '../../src/contract/index.js';
import type { Contract, DataClass } from '../../src/contract/index.js';
import { isByodaError } from '../../src/errors/index.js';
import { FILTER_OPERATORS, evaluateFilter, openSqliteStore, parseFilter } from '../../src/storage/index.js';
import type { DataStore } from '../../src/storage/index.js';
import { sampleInput } from '../fixtures/contract-samples.js';
import { EXAMPLE_CONTRACT_PATH, FuzzTally, describeInput, fuzzRuns, fuzzSeed } from '../fixtures/fuzz.js';

/** Refusals a client may get for a bad filter or cursor; anything else is a fault. */
const CLIENT_CODES = new Set([
  'BYODA_ERR_FILTER',
  'BYODA_ERR_CURSOR',
  'BYODA_ERR_VALUE',
  'BYODA_ERR_BAD_REQUEST',
]);

const nastyString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    '',
    '*',
    '[',
    '[^',
    '\\',
    '(a+)+$',
    '(?=a)',
    '\\p{L}',
    "'; DROP TABLE x; --",
    '%',
    '\u0000',
    '😀',
    'x'.repeat(5000),
    '2024-01-01T00:00:00Z',
    '2024-13-45T25:61:61Z',
    '0b6d5a5e-1f1a-4c6e-9b1e-000000000001',
    'NOT-A-UUID',
    '__proto__',
  ),
);

const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1e308, -1e308, 2 ** 53, 2 ** 63, Number.NaN, Infinity, -Infinity),
  fc.boolean(),
  fc.constant(null),
  fc.array(nastyString, { maxLength: 5 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant(Array.from({ length: 2000 }, (_, i) => `v${i}`)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A filter on `cls`: its own fields and operators mostly, wrong ones often. */
function filterArbitrary(cls: DataClass): fc.Arbitrary<unknown> {
  const fieldName = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...cls.fields.map((field) => field.name)) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'no_such_field', '', '"', 'rowid') },
  );
  const operator = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...FILTER_OPERATORS) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'toString', 'EQ', 'like', '') },
  );
  const ops = fc.oneof(
    { weight: 5, arbitrary: fc.dictionary(operator, nastyValue, { maxKeys: 3 }) },
    { weight: 1, arbitrary: nastyValue },
  );
  return fc.oneof(
    { weight: 6, arbitrary: fc.dictionary(fieldName, ops, { maxKeys: 3 }) },
    { weight: 1, arbitrary: nastyValue },
    { weight: 1, arbitrary: fc.constant(JSON.parse('{"__proto__": {"eq": "x"}}') as unknown) },
  );
}

interface StoreCase {
  readonly cls: DataClass;
  readonly filter: unknown;
  readonly first: unknown;
  readonly after: unknown;
}

function caseArbitrary(classes: readonly DataClass[]): fc.Arbitrary<StoreCase> {
  return fc.constantFrom(...classes).chain((cls) =>
    fc.record({
      cls: fc.constant(cls),
      filter: filterArbitrary(cls),
      first: fc.oneof(fc.constant(undefined), fc.integer({ min: -5, max: 5000 }), nastyValue),
      after: fc.oneof(
        fc.constant(undefined),
        nastyString,
        fc.base64String({ maxLength: 60 }),
        fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url')),
      ),
    }),
  );
}

function faultOf(err: unknown): string | undefined {
  if (isByodaError(err) && CLIENT_CODES.has(err.code)) return undefined;
  if (isByodaError(err)) return `${err.code}: ${err.message}`;
  return `not a ByodaError: ${String(err)}`;
}

describe('fuzz: filters and cursors on a real SQLite store', () => {
  let dir = '';
  let store: DataStore;
  let contract: Contract;
  let snapshot = '';

  const everything = async (): Promise<string> => {
    const pages = [];
    for (const cls of contract.classes) {
      if (cls.kind === 'array') pages.push(await store.query(cls.name, { first: 100 }));
      else pages.push(await store.getObject(cls.name));
    }
    return JSON.stringify(pages);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-fuzz-filter-'));
    contract = await loadContractFile(EXAMPLE_CONTRACT_PATH);
    store = await openSqliteStore(join(dir, 'store.db'), contract);
    for (const cls of contract.classes) {
      const action = cls.kind === 'array' ? 'append' : 'update';
      for (let i = 0; i < (cls.kind === 'array' ? 3 : 1); i++) {
        const sample = sampleInput(cls, { kind: 'owner' }, action);
        if (!sample.ok) break;
        if (cls.kind === 'array') await store.append(cls.name, sample.input);
        else await store.putObject(cls.name, sample.input);
      }
    }
    snapshot = await everything();
  });

  after(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers every filter and cursor or refuses it with a client error; the data stays', async (t) => {
    const tally = new FuzzTally('filters');
    const arrays = contract.classes.filter((cls) => cls.kind === 'array');
    await fc.assert(
      fc.asyncProperty(caseArbitrary(arrays), async ({ cls, filter, first, after }) => {
        const where = `${cls.name} filter ${describeInput(filter)} first ${describeInput(first)} after ${describeInput(after)}`;
        let valid;
        try {
          valid = parseFilter(cls, filter);
        } catch (err) {
          const fault = faultOf(err);
          tally.record(fault && `parseFilter: ${fault}; ${where}`);
          return;
        }
        try {
          const options = { filter, first, after } as Parameters<DataStore['query']>[1];
          const page = await store.query(cls.name, options);
          const count = await store.count(cls.name, filter as never);
          const all = await store.query(cls.name, { first: 100 });
          const expected = all.records.filter((r) => evaluateFilter(valid, r.data)).length;
          tally.record(
            count === expected && page.totalCount === expected
              ? undefined
              : `SQL counted ${count}/${page.totalCount}, evaluateFilter ${expected}; ${where}`,
          );
        } catch (err) {
          const fault = faultOf(err);
          tally.record(fault && `query: ${fault}; ${where}`);
        }
      }),
      { numRuns: fuzzRuns(1500), seed: fuzzSeed() },
    );
    assert.equal(await everything(), snapshot, 'the stored data changed');
    tally.report(t);
  });
});
