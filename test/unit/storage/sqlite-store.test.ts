import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  openSqliteStore,
  readSqliteStoreInfo,
  type DataStore,
  type FilterInput,
} from '../../../src/storage/index.js';
import { contract, dataClass, field, rejectsWith, scalar, storePerTest, testContractV1 } from './factory.js';

const UUIDS = [
  '00000000-0000-4000-8000-000000000001',
  '00000000-0000-4000-8000-000000000002',
  '00000000-0000-4000-8000-000000000003',
];

describe('sqlite store', () => {
  let store: DataStore;
  const files = storePerTest(async (file) => (store = await openSqliteStore(file, testContractV1())));

  describe('object classes', () => {
    it('returns null before anything is stored', async () => {
      assert.equal(await store.getObject('profile'), null);
    });

    it('creates, reads, replaces and deletes the one record', async () => {
      const created = await store.putObject('profile', { given_name: 'Ada', age: 36 });
      assert.deepEqual(created.data, { given_name: 'Ada', age: 36 });
      assert.equal(created.meta.id, 1);
      assert.deepEqual(await store.getObject('profile'), created);

      const replaced = await store.putObject('profile', {
        given_name: 'Grace',
        joined: '2024-05-01T10:00:00+02:00',
      });
      // Replace, not merge: `age` is gone; the date-time comes back canonical.
      assert.deepEqual(replaced.data, { given_name: 'Grace', joined: '2024-05-01T08:00:00.000Z' });
      assert.equal(replaced.meta.createdAt, created.meta.createdAt);
      assert.equal(await store.count('profile'), 1);

      assert.equal(await store.deleteObject('profile'), true);
      assert.equal(await store.deleteObject('profile'), false);
      assert.equal(await store.getObject('profile'), null);
    });

    it('answers a connection query with at most one record', async () => {
      await store.putObject('profile', { given_name: 'Ada' });
      const page = await store.query('profile', { filter: { given_name: { eq: 'Ada' } } });
      assert.equal(page.records.length, 1);
      assert.equal(page.totalCount, 1);
      assert.equal(page.hasNextPage, false);
    });

    it('refuses array operations on an object class and the reverse', async () => {
      await assert.rejects(
        store.append('profile', { given_name: 'x' }),
        rejectsWith('BYODA_ERR_BAD_REQUEST'),
      );
      await assert.rejects(store.update('profile', {}, { age: 1 }), rejectsWith('BYODA_ERR_BAD_REQUEST'));
      await assert.rejects(store.putObject('items', { name: 'x' }), rejectsWith('BYODA_ERR_BAD_REQUEST'));
      await assert.rejects(store.getObject('items'), rejectsWith('BYODA_ERR_BAD_REQUEST'));
    });
  });

  describe('values', () => {
    it('stores every field type and returns it unchanged', async () => {
      const value = {
        name: 'widget',
        rank: -7,
        score: 2.5,
        active: false,
        item_id: UUIDS[0],
        seen: '2024-02-29T23:59:59.999Z',
        tags: ['a', 'b', ''],
        owner: { id: UUIDS[1], note: null },
      };
      const stored = await store.append('items', value);
      assert.deepEqual(stored.data, value);
      const page = await store.query('items');
      assert.deepEqual(page.records[0]?.data, value);
    });

    it('canonicalises uuids and date-times of top-level fields', async () => {
      const stored = await store.append('items', {
        name: 'x',
        item_id: UUIDS[0]?.toUpperCase(),
        seen: '2024-01-01T00:00:00.1239-05:30',
      });
      assert.equal(stored.data.item_id, UUIDS[0]);
      assert.equal(stored.data.seen, '2024-01-01T05:30:00.123Z');
    });

    for (const [what, value, pattern] of [
      ['an unknown field', { name: 'x', colour: 'red' }, /items\.colour: no such field/],
      ['a missing required field', { rank: 1 }, /items\.name: required/],
      ['a string for an integer', { name: 'x', rank: '1' }, /items\.rank: expected an integer/],
      ['a fraction for an integer', { name: 'x', rank: 1.5 }, /items\.rank/],
      ['NaN for a number', { name: 'x', score: Number.NaN }, /items\.score/],
      ['1 for a boolean', { name: 'x', active: 1 }, /items\.active/],
      ['a malformed uuid', { name: 'x', item_id: 'not-a-uuid' }, /items\.item_id: expected a UUID/],
      ['an impossible date', { name: 'x', seen: '2023-02-29T00:00:00Z' }, /items\.seen/],
      ['a date without zone', { name: 'x', seen: '2024-01-01T00:00:00' }, /items\.seen/],
      ['a number in a string array', { name: 'x', tags: ['a', 1] }, /items\.tags\[1\]/],
      ['a nested unknown field', { name: 'x', owner: { id: UUIDS[0], age: 3 } }, /items\.owner\.age/],
      ['a nested missing required field', { name: 'x', owner: { note: 'n' } }, /items\.owner\.id: required/],
      ['a lone surrogate', { name: 'x\uD800' }, /items\.name/],
    ] as const) {
      it(`refuses ${what} with BYODA_ERR_VALUE naming the field`, async () => {
        await assert.rejects(store.append('items', value), rejectsWith('BYODA_ERR_VALUE', pattern));
        assert.equal(await store.count('items'), 0);
      });
    }

    it('refuses an unknown class', async () => {
      await assert.rejects(
        store.append('nope', { name: 'x' }),
        rejectsWith('BYODA_ERR_STORAGE_NOT_FOUND', /nope/),
      );
      await assert.rejects(store.query('nope'), rejectsWith('BYODA_ERR_STORAGE_NOT_FOUND'));
    });

    it('stores SQL-looking text verbatim and matches it only literally', async () => {
      const nasty = [
        `'; DROP TABLE items; --`,
        `" OR 1=1 --`,
        `x' OR '1'='1`,
        `%_*?[`,
        `\\'\\"`,
        `); DELETE FROM "items`,
      ];
      for (const name of nasty) await store.append('items', { name });
      for (const name of nasty) {
        const page = await store.query('items', { filter: { name: { eq: name } } });
        assert.deepEqual(
          page.records.map((r) => r.data.name),
          [name],
        );
      }
      assert.equal(await store.count('items', { name: { in: nasty.slice(0, 2) } }), 2);
      assert.equal(await store.count('items'), nasty.length);
    });

    it('refuses a second record with the same primary key', async () => {
      await store.append('items', { name: 'a', item_id: UUIDS[0] });
      await assert.rejects(
        store.append('items', { name: 'b', item_id: UUIDS[0] }),
        rejectsWith('BYODA_ERR_CONFLICT', /items\.item_id/),
      );
    });

    it('records origin and a default expiry for cache_only classes', async () => {
      const now = new Date('2024-06-01T12:00:00.000Z');
      const cached = contract(1, [
        dataClass('feed', 'array', [field('title', scalar('string'))], { cacheOnlySeconds: 3600 }),
      ]);
      const s = await openSqliteStore(join(files.dir, 'cache', 'store.db'), cached, { now: () => now });
      try {
        const rec = await s.append('feed', { title: 't' }, { origin: UUIDS[2]?.toUpperCase() });
        assert.deepEqual(rec.meta, {
          id: 1,
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
          origin: UUIDS[2],
          expiresAt: '2024-06-01T13:00:00.000Z',
        });
        await s.append('feed', { title: 'kept' }, { expiresAt: '2030-01-01T00:00:00Z' });
        assert.equal(await s.deleteExpired(new Date('2024-06-01T12:59:59.999Z')), 0);
        assert.equal(await s.deleteExpired(new Date('2024-06-01T13:00:00.000Z')), 1);
        assert.deepEqual(
          (await s.query('feed')).records.map((r) => r.data.title),
          ['kept'],
        );
        await assert.rejects(
          s.append('feed', { title: 't' }, { origin: 'me' }),
          rejectsWith('BYODA_ERR_VALUE'),
        );
      } finally {
        await s.close();
      }
    });
  });

  describe('filters on append/query/update/delete', () => {
    beforeEach(async () => {
      const rows = [
        { name: 'alpha', rank: 1, score: 0.5, active: true, item_id: UUIDS[0], seen: '2024-01-01T00:00:00Z' },
        { name: 'beta', rank: 2, score: 1.5, active: false, item_id: UUIDS[1], seen: '2024-01-02T00:00:00Z' },
        { name: 'gamma', rank: 3, score: 2.5, active: true, item_id: UUIDS[2], seen: '2024-01-03T00:00:00Z' },
        { name: 'Alpha2' },
      ];
      for (const row of rows) await store.append('items', row);
    });

    const names = async (filter: FilterInput): Promise<string[]> =>
      (await store.query('items', { filter })).records.map((r) => String(r.data.name));

    const cases: [string, FilterInput, string[]][] = [
      ['string eq', { name: { eq: 'beta' } }, ['beta']],
      ['string ne', { name: { ne: 'beta' } }, ['alpha', 'gamma', 'Alpha2']],
      ['string in', { name: { in: ['alpha', 'gamma', 'zeta'] } }, ['alpha', 'gamma']],
      ['string nin', { name: { nin: ['alpha', 'gamma'] } }, ['beta', 'Alpha2']],
      ['string glob (case-sensitive)', { name: { glob: 'a*' } }, ['alpha']],
      ['string glob with a set', { name: { glob: '[A-Za-b]*' } }, ['alpha', 'beta', 'Alpha2']],
      ['string regex', { name: { regex: '^[ab].*a$' } }, ['alpha', 'beta']],
      ['integer eq', { rank: { eq: 2 } }, ['beta']],
      ['integer ne (absent values match)', { rank: { ne: 2 } }, ['alpha', 'gamma', 'Alpha2']],
      ['integer lt', { rank: { lt: 2 } }, ['alpha']],
      ['integer le', { rank: { le: 2 } }, ['alpha', 'beta']],
      ['integer gt', { rank: { gt: 2 } }, ['gamma']],
      ['integer ge', { rank: { ge: 2 } }, ['beta', 'gamma']],
      ['number range', { score: { gt: 0.5, le: 2.5 } }, ['beta', 'gamma']],
      ['boolean eq', { active: { eq: true } }, ['alpha', 'gamma']],
      ['boolean ne', { active: { ne: true } }, ['beta', 'Alpha2']],
      ['uuid eq (any case)', { item_id: { eq: UUIDS[1]?.toUpperCase() } }, ['beta']],
      ['uuid ne', { item_id: { ne: UUIDS[1] } }, ['alpha', 'gamma', 'Alpha2']],
      ['uuid in', { item_id: { in: [UUIDS[0], UUIDS[2]] } }, ['alpha', 'gamma']],
      ['date-time at (other zone)', { seen: { at: '2024-01-02T01:00:00+01:00' } }, ['beta']],
      ['date-time after', { seen: { after: '2024-01-01T00:00:00Z' } }, ['beta', 'gamma']],
      ['date-time before', { seen: { before: '2024-01-03T00:00:00Z' } }, ['alpha', 'beta']],
      ['several fields (AND)', { active: { eq: true }, rank: { gt: 1 } }, ['gamma']],
      ['empty in', { name: { in: [] } }, []],
      ['empty filter', {}, ['alpha', 'beta', 'gamma', 'Alpha2']],
      ['null operator values are ignored', { name: { eq: null } }, ['alpha', 'beta', 'gamma', 'Alpha2']],
    ];
    for (const [what, filter, expected] of cases) {
      it(`query: ${what}`, async () => {
        assert.deepEqual(await names(filter), expected);
        assert.equal(await store.count('items', filter), expected.length);
      });
    }

    // A liveness bound, not a timing: a backtracking engine would not finish this within hours.
    it(
      'matches regexes in linear time: a pattern that makes backtracking explode',
      { timeout: 30_000 },
      async () => {
        await store.append('items', { name: `${'a'.repeat(5000)}!` });
        assert.deepEqual(await names({ name: { regex: '^(a+)+$' } }), []);
        assert.deepEqual(await names({ name: { regex: '^(a|aa)+!$' } }), [`${'a'.repeat(5000)}!`]);
      },
    );

    it('update sets the patch on matching records only and returns the count', async () => {
      assert.equal(await store.update('items', { rank: { ge: 2 } }, { score: 9, tags: ['x'] }), 2);
      const updated = await store.query('items', { filter: { score: { eq: 9 } } });
      assert.deepEqual(
        updated.records.map((r) => [r.data.name, r.data.tags]),
        [
          ['beta', ['x']],
          ['gamma', ['x']],
        ],
      );
      assert.equal(await store.update('items', { name: { eq: 'nobody' } }, { score: 1 }), 0);
    });

    it('update with null clears an optional field, not a required one', async () => {
      assert.equal(await store.update('items', { name: { eq: 'alpha' } }, { rank: null }), 1);
      assert.deepEqual(await names({ rank: { lt: 100 } }), ['beta', 'gamma']);
      await assert.rejects(
        store.update('items', {}, { name: null }),
        rejectsWith('BYODA_ERR_VALUE', /items\.name/),
      );
      await assert.rejects(store.update('items', {}, {}), rejectsWith('BYODA_ERR_VALUE'));
      await assert.rejects(
        store.update('items', {}, { rank: 'x' }),
        rejectsWith('BYODA_ERR_VALUE', /items\.rank/),
      );
    });

    it('update keeps primary keys unique', async () => {
      await assert.rejects(
        store.update('items', {}, { item_id: UUIDS[0] }),
        rejectsWith('BYODA_ERR_CONFLICT'),
      );
      assert.equal(await store.count('items', { item_id: { eq: UUIDS[0] } }), 1);
    });

    it('delete removes matching records and returns the count', async () => {
      assert.equal(await store.delete('items', { active: { eq: true } }), 2);
      assert.deepEqual(await names({}), ['beta', 'Alpha2']);
      assert.equal(await store.delete('items', {}), 2);
      assert.equal(await store.count('items'), 0);
    });

    const bad: [string, unknown, RegExp][] = [
      ['an unknown field', { colour: { eq: 'red' } }, /unknown field 'colour'/],
      ['a nested field', { owner: { eq: 'x' } }, /'owner'.*cannot be filtered/],
      ['an operator not for strings', { name: { gt: 'a' } }, /'name'.*'gt'/],
      ['an operator not for uuids', { item_id: { nin: [] } }, /'item_id'.*'nin'/],
      ['an operator not for date-times', { seen: { eq: '2024-01-01T00:00:00Z' } }, /'seen'.*'eq'/],
      ['an operator not for booleans', { active: { lt: true } }, /'active'.*'lt'/],
      ['an unknown operator', { name: { like: 'a%' } }, /'name'.*'like'/],
      ['a string for an integer', { rank: { eq: '1' } }, /'rank', operator 'eq'/],
      ['a fraction for an integer', { rank: { lt: 1.5 } }, /'rank', operator 'lt'/],
      ['a bad date-time', { seen: { after: 'yesterday' } }, /'seen', operator 'after'/],
      ['a bad uuid in a list', { item_id: { in: ['x'] } }, /'item_id', operator 'in'/],
      ['a scalar for in', { name: { in: 'alpha' } }, /'name', operator 'in'.*list/],
      ['an invalid regex', { name: { regex: '(' } }, /'name', operator 'regex'/],
      ['a backreference (not RE2)', { name: { regex: '(a)\\1' } }, /'name', operator 'regex'.*RE2/],
      ['a lookahead (not RE2)', { name: { regex: 'a(?=b)' } }, /'name', operator 'regex'.*RE2/],
      ['an over-long regex', { name: { regex: 'a'.repeat(257) } }, /'name', operator 'regex'.*longer/],
      ['a non-object filter', [], /must be an object/],
    ];
    for (const [what, filter, pattern] of bad) {
      it(`refuses ${what} with BYODA_ERR_FILTER`, async () => {
        await assert.rejects(
          store.query('items', { filter: filter as FilterInput }),
          rejectsWith('BYODA_ERR_FILTER', pattern),
        );
        await assert.rejects(store.count('items', filter as FilterInput), rejectsWith('BYODA_ERR_FILTER'));
      });
    }

    it('matches SQL-looking filter values literally', async () => {
      assert.deepEqual(await names({ name: { eq: `alpha' OR '1'='1` } }), []);
      assert.deepEqual(await names({ name: { glob: `*' OR 1=1 --` } }), []);
      assert.deepEqual(await names({ name: { regex: `alpha|1=1` } }), ['alpha']);
    });
  });

  describe('paging', () => {
    const TOTAL = 250;
    // One store for the suite (filled once); the one test that deletes runs last.
    let paged: DataStore;
    before(async () => {
      paged = await openSqliteStore(join(files.dir, 'paging', 'paged.db'), testContractV1());
      for (let i = 0; i < TOTAL; i++) await paged.append('items', { name: `n${i}`, rank: i });
    });
    after(async () => {
      await paged.close();
    });

    it('walks every record once, in order, with hasNextPage right', async () => {
      const seen: number[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const page = await paged.query('items', { first: 30, after });
        pages++;
        assert.equal(page.totalCount, TOTAL);
        seen.push(...page.records.map((r) => Number(r.data.rank)));
        assert.equal(page.hasNextPage, seen.length < TOTAL);
        if (!page.hasNextPage) break;
        after = page.endCursor;
      }
      assert.equal(pages, Math.ceil(TOTAL / 30));
      assert.deepEqual(
        seen,
        Array.from({ length: TOTAL }, (_, i) => i),
      );
    });

    it('pages a filtered class, with totalCount of the filter', async () => {
      const filter = { rank: { ge: 100 } };
      const first = await paged.query('items', { filter, first: 100 });
      assert.equal(first.totalCount, 150);
      assert.equal(first.records.length, 100);
      assert.equal(first.hasNextPage, true);
      const second = await paged.query('items', { filter, first: 100, after: first.endCursor });
      assert.equal(second.records.length, 50);
      assert.equal(second.hasNextPage, false);
      assert.equal(second.records[0]?.data.rank, 200);
    });

    it('gives an empty page a null endCursor', async () => {
      const none = await paged.query('items', { first: 0 });
      assert.deepEqual(
        [none.records.length, none.endCursor, none.hasNextPage, none.totalCount],
        [0, null, true, TOTAL],
      );
      const nothing = await paged.query('items', { filter: { rank: { gt: 1000 } }, first: MAX_PAGE_SIZE });
      assert.deepEqual(
        [nothing.records.length, nothing.endCursor, nothing.hasNextPage, nothing.totalCount],
        [0, null, false, 0],
      );
    });

    for (const cursor of [
      '',
      'not a cursor',
      'MA',
      '!!!!',
      Buffer.from('-5').toString('base64url'),
      'MTIz=',
      'x'.repeat(40),
    ]) {
      it(`refuses the bad cursor ${JSON.stringify(cursor)}`, async () => {
        await assert.rejects(paged.query('items', { after: cursor }), rejectsWith('BYODA_ERR_CURSOR'));
      });
    }

    for (const first of [-1, 1.5, MAX_PAGE_SIZE + 1]) {
      it(`refuses first = ${first}`, async () => {
        await assert.rejects(paged.query('items', { first }), rejectsWith('BYODA_ERR_BAD_REQUEST'));
      });
    }

    it('uses the default page size and keeps a cursor valid after its record is deleted', async () => {
      const page = await paged.query('items');
      assert.equal(page.records.length, DEFAULT_PAGE_SIZE);
      await paged.delete('items', { rank: { le: DEFAULT_PAGE_SIZE } });
      const next = await paged.query('items', { after: page.endCursor, first: 1 });
      assert.equal(next.records[0]?.data.rank, DEFAULT_PAGE_SIZE + 1);
    });
  });

  describe('the file', () => {
    it('is in WAL mode with foreign keys on, and holds the contract', async () => {
      const path = join(files.dir, 'file', 'store.db');
      const s = await openSqliteStore(path, testContractV1());
      await s.close();
      const db = new Database(path, { readonly: true });
      try {
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
        const indexes = db
          .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items'`)
          .all();
        assert.deepEqual((indexes as { name: string }[]).map((r) => r.name).sort(), [
          'exp:items',
          'idx:items:rank',
          'uq:items:item_id',
        ]);
      } finally {
        db.close();
      }
      const info = await readSqliteStoreInfo(path);
      assert.deepEqual(info, {
        serviceId: 4242,
        contractVersion: 1,
        contractDocument: testContractV1().document,
      });
      assert.equal(await readSqliteStoreInfo(join(files.dir, 'missing.db')), null);
    });

    it('keeps data and version when reopened', async () => {
      const path = join(files.dir, 'reopen', 'store.db');
      const first = await openSqliteStore(path, testContractV1());
      await first.putObject('profile', { given_name: 'Ada' });
      const appended = await first.append('items', { name: 'kept', tags: ['t'] });
      await first.close();
      await assert.rejects(first.count('items'), rejectsWith('BYODA_ERR_STORAGE', /closed/));

      const again = await openSqliteStore(path, testContractV1());
      try {
        assert.equal(again.contract.version, 1);
        assert.deepEqual((await again.getObject('profile'))?.data, { given_name: 'Ada' });
        assert.deepEqual((await again.query('items')).records, [appended]);
        // Ids are never reused, so old cursors stay meaningful.
        assert.equal((await again.append('items', { name: 'next' })).meta.id, 2);
      } finally {
        await again.close();
      }
    });

    it('refuses to open a store with another service or contract version', async () => {
      const path = join(files.dir, 'versions', 'store.db');
      await (await openSqliteStore(path, testContractV1())).close();
      const v2 = { ...testContractV1(), version: 2 };
      await assert.rejects(openSqliteStore(path, v2), rejectsWith('BYODA_ERR_STORAGE', /version 1/));
      const other = { ...testContractV1(), serviceId: 7 };
      await assert.rejects(openSqliteStore(path, other), rejectsWith('BYODA_ERR_STORAGE', /service 4242/));
    });

    it('refuses class or field names SQLite cannot keep apart', async () => {
      const clash = contract(1, [
        dataClass('c', 'array', [field('Name', scalar('string')), field('name', scalar('string'))]),
      ]);
      await assert.rejects(
        openSqliteStore(':memory:', clash),
        rejectsWith('BYODA_ERR_STORAGE', /case-insensitively/),
      );
      const reserved = contract(1, [dataClass('c', 'array', [field('_id', scalar('string'))])]);
      await assert.rejects(openSqliteStore(':memory:', reserved), rejectsWith('BYODA_ERR_STORAGE', /'_id'/));
    });
  });
});
