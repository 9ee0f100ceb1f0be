/**
 * The service's search index on both stores (issue 16): the SQLite file (`search.db`) and a real
 * PostgreSQL database, one suite for both, so that matching (exact and prefix, folded or as given), the
 * member id order, the replacement of a member's values and its removal behave alike. Then what only
 * PostgreSQL has: services sharing a database, concurrent starts migrating once, and the refusals of a
 * bad `--store`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pg from 'pg';
import { isByodaError } from '../../../src/errors/index.js';
import { openSearchIndex, searchStoreLocation } from '../../../src/service/search-store/open-search-index.js';
import type { SearchIndex, SearchQuery } from '../../../src/service/search-store/search-index.js';
import { SEARCH_MIGRATION_SCOPE } from '../../../src/service/search-store/postgres-search-index.js';
import type { StoreLocation } from '../../../src/storage/index.js';
import { findPostgres } from '../../fixtures/postgres.js';
import { SERVICE_ID, tempDir } from '../../fixtures/pki.js';
import { mulberry32 } from '../../fixtures/seeded-random.js';

const postgres = await findPostgres();
const noPostgres = typeof postgres === 'string' ? postgres : false;

after(async () => {
  if (typeof postgres !== 'string') await postgres.stop();
});

const [m1, m2, m3] = [
  '11111111-1111-4111-8111-111111111111',
  '22222222-2222-4222-8222-222222222222',
  '33333333-3333-4333-8333-333333333333',
];

const q = (
  value: string,
  match: 'exact' | 'prefix',
  caseSensitive: boolean,
  field = 'email',
): SearchQuery => ({
  className: 'person',
  field,
  value,
  match,
  caseSensitive,
  limit: 10,
});

const email = (value: string) => ({ className: 'person', field: 'email', value });

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`the search index on ${backend}`, { skip: backend === 'postgres' ? noPostgres : false }, () =>
    indexSuite(backend),
  );
}

function indexSuite(backend: 'sqlite' | 'postgres'): void {
  let location: StoreLocation;
  let index: SearchIndex;
  let remove: () => Promise<void> = async () => {};

  /** A new, empty index of its own (a file, or a database). */
  const fresh = async (): Promise<StoreLocation> => {
    if (backend === 'postgres' && typeof postgres !== 'string') {
      return searchStoreLocation(await postgres.createDatabase(), 'unused');
    }
    const made = await tempDir('search-store');
    const previous = remove;
    remove = async () => {
      await previous();
      await made.remove();
    };
    return searchStoreLocation(undefined, join(made.dir, 'search.db'));
  };

  before(async () => {
    location = await fresh();
    index = await openSearchIndex(location, SERVICE_ID);
  });
  after(async () => {
    await index?.close();
    await remove();
  });

  it('says which backend it is', () => {
    assert.equal(index.kind, backend);
  });

  it('finds members exactly or by prefix, folded or as given, in member id order', async () => {
    await index.replaceMember(m2, 1, [email('Suzie@Example.org')]);
    await index.replaceMember(m1, 1, [email('suzie@example.org'), { ...email('Suzie'), field: 'name' }]);
    await index.replaceMember(m3, 1, [email('mike@example.org')]);
    assert.deepEqual(await index.find(q('SUZIE@example.org', 'exact', false)), [m1, m2]);
    assert.deepEqual(await index.find(q('Suzie@Example.org', 'exact', true)), [m2]);
    assert.deepEqual(await index.find(q('suzie', 'exact', false)), []);
    assert.deepEqual(await index.find(q('suz', 'prefix', false)), [m1, m2]);
    assert.deepEqual(await index.find(q('Suz', 'prefix', true)), [m2]);
    assert.deepEqual(await index.find(q('%', 'prefix', false)), [], 'no LIKE wildcards');
    assert.deepEqual(await index.find(q('_uzie', 'prefix', false)), [], 'no LIKE wildcards');
    assert.deepEqual(await index.find(q('Suzie', 'exact', true, 'name')), [m1]);
    assert.deepEqual(await index.find({ ...q('suz', 'prefix', false), limit: 1 }), [m1]);
    assert.deepEqual(await index.find({ ...q('Suzie', 'exact', true, 'name'), className: 'other' }), []);
  });

  it('compares code points: NFC folding, and no collation that equates or reorders letters', async () => {
    await index.replaceMember(m1, 1, [email('Zoë@example.org'), email('e\u0301lodie@example.org')]);
    await index.replaceMember(m2, 1, [email('zoe@example.org'), email('Élodie@example.org')]);
    assert.deepEqual(await index.find(q('ZOË@EXAMPLE.ORG', 'exact', false)), [m1]);
    assert.deepEqual(await index.find(q('zoe', 'prefix', false)), [m2], 'ë is not e');
    // A combining accent folds into the precomposed letter, so both members have "élodie".
    assert.deepEqual(await index.find(q('\u00e9lodie', 'prefix', false)), [m1, m2]);
    assert.deepEqual(await index.find(q('Él', 'prefix', true)), [m2]);
    // Case-sensitive prefixes in code point order: "Z" (U+005A) sorts before "a", which a locale would not.
    await index.replaceMember(m3, 1, [email('Zed'), email('abe')]);
    assert.deepEqual(await index.find(q('Z', 'prefix', true)), [m1, m3]);
    assert.deepEqual(await index.find(q('a', 'prefix', true)), [m3]);
  });

  it('indexes a value of 1,024 four-byte characters and finds it exactly and by its first 256', async () => {
    // Code points spread over the supplementary planes, so that PostgreSQL cannot compress the 4 kB
    // into a B-tree key (it can a repeated one): an index on the whole value would refuse the row.
    const next = mulberry32(16);
    const long = Array.from({ length: 1024 }, () =>
      String.fromCodePoint(0x10000 + Math.floor(next() * 0xfffff)),
    ).join('');
    const head = [...long].slice(0, 256).join('');
    await index.replaceMember(m1, 1, [email(long), email(`${head}x`)]);
    assert.deepEqual(await index.find(q(long, 'exact', true)), [m1]);
    assert.deepEqual(await index.find(q(head, 'prefix', true)), [m1]);
    assert.deepEqual(await index.find(q(head, 'exact', true)), []);
    assert.deepEqual(await index.find(q(`${head}x`, 'exact', false)), [m1]);
    assert.deepEqual(await index.find(q(`${head}y`, 'prefix', false)), []);
    assert.equal(await index.valueCount(m1), 2);
  });

  it('replaces a member’s values in one go and forgets a removed member', async () => {
    await index.replaceMember(m1, 1, [email('old@example.org')]);
    await index.replaceMember(m1, 2, [email('new@example.org')]);
    assert.deepEqual(await index.find(q('old@example.org', 'exact', false)), []);
    assert.deepEqual(await index.find(q('new@example.org', 'exact', false)), [m1]);
    assert.equal(await index.valueCount(m1), 1);
    assert.ok(Date.parse((await index.collectedAt(m1)) ?? '') > Date.now() - 60_000);
    assert.equal(await index.removeMember(m1), true);
    assert.equal(await index.removeMember(m1), false);
    assert.equal(await index.collectedAt(m1), undefined);
    assert.equal(await index.valueCount(m1), 0);
    assert.deepEqual(await index.find(q('new@example.org', 'exact', false)), []);
  });

  it('leaves a member with one whole set of values when replacements race', async () => {
    const sets = Array.from({ length: 8 }, (_, i) => [0, 1, 2].map((j) => email(`set${i}-${j}@example.org`)));
    await Promise.all(sets.map((rows, i) => index.replaceMember(m2, i, rows)));
    assert.equal(await index.valueCount(m2), 3);
    // Per set, how many of its values find the member: 3 for the one that won, 0 for every other.
    const counts = await Promise.all(
      sets.map(async (rows) => {
        const hits = await Promise.all(rows.map((row) => index.find(q(row.value, 'exact', true))));
        return hits.filter((hit) => hit.length === 1).length;
      }),
    );
    assert.deepEqual(
      [...counts].sort(),
      [0, 0, 0, 0, 0, 0, 0, 3],
      `values found per set: ${counts.join(' ')}`,
    );
  });

  it('holds a member with more values than one insert carries', async () => {
    const rows = Array.from({ length: 12_001 }, (_, i) => email(`many${i}@example.org`));
    await index.replaceMember(m3, 1, rows);
    assert.equal(await index.valueCount(m3), 12_001);
    assert.deepEqual(await index.find(q('MANY12000@example.org', 'exact', false)), [m3]);
    await index.replaceMember(m3, 1, []);
    assert.equal(await index.valueCount(m3), 0);
    assert.notEqual(await index.collectedAt(m3), undefined, 'a member with no values is still known');
  });

  it('keeps its values across a reopen', async () => {
    await index.replaceMember(m1, 1, [email('a@example.org')]);
    await index.close();
    index = await openSearchIndex(location, SERVICE_ID);
    assert.deepEqual(await index.find(q('A@example.org', 'exact', false)), [m1]);
  });
}

describe('the search index on postgres: shared databases and refusals', { skip: noPostgres }, () => {
  let url = '';
  before(async () => {
    if (typeof postgres !== 'string') url = await postgres.createDatabase();
  });

  it('migrates once when two services start on a new database at the same time', async () => {
    const location = searchStoreLocation(url, 'unused');
    const [a, b] = await Promise.all([openSearchIndex(location, 1001), openSearchIndex(location, 1002)]);
    try {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      const { rows } = await admin.query<{ version: number }>(
        'SELECT version FROM byoda_migrations WHERE scope = $1',
        [SEARCH_MIGRATION_SCOPE],
      );
      await admin.end();
      assert.deepEqual(
        rows.map((row) => row.version),
        [1],
      );
      // Each service sees its own members only, though the tables are shared.
      await a.replaceMember(m1, 1, [email('shared@example.org')]);
      await b.replaceMember(m2, 1, [email('shared@example.org')]);
      assert.deepEqual(await a.find(q('shared@example.org', 'exact', false)), [m1]);
      assert.deepEqual(await b.find(q('shared@example.org', 'exact', false)), [m2]);
      assert.equal(await b.removeMember(m1), false, 'nor can it remove another service’s member');
      assert.deepEqual(await a.find(q('shared@example.org', 'exact', false)), [m1]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('finds nothing for a value with a NUL, which PostgreSQL text cannot hold', async () => {
    const index = await openSearchIndex(searchStoreLocation(url, 'unused'), 1001);
    try {
      assert.deepEqual(await index.find(q('shared\u0000@example.org', 'exact', false)), []);
    } finally {
      await index.close();
    }
  });

  it('answers 503 BYODA_ERR_STORAGE when the database fails, without PostgreSQL’s words', async () => {
    if (typeof postgres === 'string') return;
    const own = await postgres.createDatabase();
    const index = await openSearchIndex(searchStoreLocation(own, 'unused'), 1001);
    try {
      await index.replaceMember(m1, 1, [email('there@example.org')]);
      assert.deepEqual(await index.find(q('there@example.org', 'exact', false)), [m1]);
      const admin = new pg.Client({ connectionString: own });
      await admin.connect();
      await admin.query('DROP TABLE byoda_search_values');
      await admin.end();
      const unavailable = (err: unknown): boolean => {
        assert.ok(isByodaError(err));
        assert.equal(err.code, 'BYODA_ERR_STORAGE');
        assert.equal(err.status, 503);
        assert.equal(err.message, 'the search index database is unavailable');
        return true;
      };
      await assert.rejects(index.find(q('there@example.org', 'exact', false)), unavailable);
      await assert.rejects(index.replaceMember(m1, 2, [email('x@example.org')]), unavailable);
      await assert.rejects(index.valueCount(m1), unavailable);
    } finally {
      await index.close();
    }
  });

  it('refuses a server that does not answer, naming it without the password', async () => {
    const location = searchStoreLocation('postgres://byoda:secret@127.0.0.1:1/byoda', 'unused');
    await assert.rejects(openSearchIndex(location, 1001), (err: unknown) => {
      assert.ok(isByodaError(err));
      assert.equal(err.code, 'BYODA_ERR_CONFIG');
      assert.match(
        err.message,
        /cannot open the search index database at postgres:\/\/byoda:\*\*\*@127\.0\.0\.1:1/,
      );
      assert.doesNotMatch(err.message, /secret/);
      return true;
    });
  });
});

describe('the search index: --store values', () => {
  it('defaults to the SQLite file and takes sqlite: and postgres:// URLs', () => {
    assert.deepEqual(searchStoreLocation(undefined, '/data/search.db'), {
      kind: 'sqlite',
      path: '/data/search.db',
    });
    assert.deepEqual(searchStoreLocation('sqlite:/elsewhere/s.db', 'x'), {
      kind: 'sqlite',
      path: '/elsewhere/s.db',
    });
    assert.deepEqual(searchStoreLocation('postgresql://h/db', 'x'), {
      kind: 'postgres',
      url: 'postgresql://h/db',
    });
  });

  it('refuses anything else with a message naming --store', () => {
    const refusals: [string, RegExp][] = [
      ['mysql://h/db', /--store must start with sqlite: or postgres:\/\//],
      ['sqlite:', /--store sqlite: needs a path/],
      ['postgres://h', /--store a postgres:\/\/ URL must name its database/],
      ['postgres://h:notaport/db', /--store is not a valid postgres:\/\/ URL/],
    ];
    for (const [value, pattern] of refusals) {
      assert.throws(
        () => searchStoreLocation(value, 'x'),
        (err: unknown) => isByodaError(err) && err.code === 'BYODA_ERR_CONFIG' && pattern.test(err.message),
        value,
      );
    }
  });
});
