import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  MAX_SIGNATURE_LENGTH,
  openSqliteStore,
  readSqliteStoreInfo,
  type DataStore,
  type WriteMeta,
} from '../../../src/storage/index.js';
import { planSchema } from '../../../src/storage/sqlite/plan.js';
import { schemaOf } from '../../../src/storage/sqlite/schema.js';
import { rejectsWith, tempDir, tempDirPerSuite, testContractV1 } from './factory.js';

const JWS_A = 'eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.c2lnbmF0dXJlLWE';
const JWS_B = 'eyJhbGciOiJFUzI1NiJ9.eyJiIjoyfQ.c2lnbmF0dXJlLWI';
const DETACHED = 'eyJhbGciOiJFUzI1NiJ9..c2lnbmF0dXJlLWM';

/**
 * A store file exactly as storage format 1 made it for testContractV1 (before `_signature`): the DDL
 * the old createTableSql / createIndexSql wrote, and the meta rows of the old writeMeta.
 */
function writeFormat1File(path: string): void {
  const contract = testContractV1();
  const db = new Database(path);
  try {
    db.exec(`
      CREATE TABLE IF NOT EXISTS "_byoda_meta" (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      CREATE TABLE "profile" ("_id" INTEGER PRIMARY KEY CHECK ("_id" = 1), "_created_at" TEXT NOT NULL,
        "_updated_at" TEXT NOT NULL, "_origin" TEXT, "_expires_at" TEXT, "given_name" TEXT, "age" INTEGER,
        "joined" TEXT) STRICT;
      CREATE TABLE "items" ("_id" INTEGER PRIMARY KEY AUTOINCREMENT, "_created_at" TEXT NOT NULL,
        "_updated_at" TEXT NOT NULL, "_origin" TEXT, "_expires_at" TEXT, "name" TEXT, "rank" INTEGER,
        "score" REAL, "active" INTEGER, "item_id" TEXT, "seen" TEXT, "tags" TEXT, "owner" TEXT) STRICT;
      CREATE INDEX "idx:items:rank" ON "items" ("rank");
      CREATE UNIQUE INDEX "uq:items:item_id" ON "items" ("item_id");
      CREATE INDEX "exp:profile" ON "profile" ("_expires_at") WHERE "_expires_at" IS NOT NULL;
      CREATE INDEX "exp:items" ON "items" ("_expires_at") WHERE "_expires_at" IS NOT NULL;
      INSERT INTO "profile" VALUES (1, '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', NULL, NULL,
        'Ada', 36, NULL);
      INSERT INTO "items" ("_created_at", "_updated_at", "name", "rank", "tags") VALUES
        ('2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 'old one', 1, '["a"]'),
        ('2024-01-01T00:00:01.000Z', '2024-01-01T00:00:01.000Z', 'old two', 2, NULL);
    `);
    const put = db.prepare(`INSERT INTO "_byoda_meta" (key, value) VALUES (?, ?)`);
    put.run('storage_format', '1');
    put.run('service_id', String(contract.serviceId));
    put.run('contract_version', String(contract.version));
    put.run('contract', JSON.stringify(contract.document));
  } finally {
    db.close();
  }
}

function columnsOf(path: string, table: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[]).map(
      (r) => r.name,
    );
  } finally {
    db.close();
  }
}

function storageFormatOf(path: string): string | undefined {
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare(`SELECT value FROM "_byoda_meta" WHERE key = 'storage_format'`).get() as
      { value: string } | undefined;
    return row?.value;
  } finally {
    db.close();
  }
}

describe('storage: record signatures', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: DataStore;

  before(async () => {
    dir = await tempDir();
    store = await openSqliteStore(join(dir.path, 'sig', 'store.db'), testContractV1());
  });
  after(async () => {
    await store.close();
    await dir.remove();
  });

  it('returns the signature given with an append, on the write and on reads', async () => {
    const rec = await store.append('items', { name: 'signed' }, { signature: JWS_A });
    assert.equal(rec.meta.signature, JWS_A);
    const [read] = (await store.query('items', { filter: { name: { eq: 'signed' } } })).records;
    assert.equal(read?.meta.signature, JWS_A);
    const plain = await store.append('items', { name: 'unsigned' });
    assert.equal('signature' in plain.meta, false);
    assert.equal(
      (await store.append('items', { name: 'detached' }, { signature: DETACHED })).meta.signature,
      DETACHED,
    );
  });

  it('keeps the old signature when a signed record is updated', async () => {
    await store.append('items', { name: 'to change', rank: 1 }, { signature: JWS_A });
    assert.equal(await store.update('items', { name: { eq: 'to change' } }, { rank: 2 }), 1);
    const [read] = (await store.query('items', { filter: { name: { eq: 'to change' } } })).records;
    assert.equal(read?.data.rank, 2);
    assert.equal(read?.meta.signature, JWS_A);
  });

  it('replaces the signature on putObject, and drops it when the new write has none', async () => {
    assert.equal(
      (await store.putObject('profile', { given_name: 'A' }, { signature: JWS_A })).meta.signature,
      JWS_A,
    );
    assert.equal(
      (await store.putObject('profile', { given_name: 'B' }, { signature: JWS_B })).meta.signature,
      JWS_B,
    );
    assert.equal((await store.getObject('profile'))?.meta.signature, JWS_B);
    const unsigned = await store.putObject('profile', { given_name: 'C' });
    assert.equal(unsigned.meta.signature, undefined);
    assert.equal((await store.getObject('profile'))?.meta.signature, undefined);
  });

  it(`accepts a signature of ${MAX_SIGNATURE_LENGTH} characters and refuses a longer one`, async () => {
    const longest = `${'a'.repeat(20)}.${'b'.repeat(MAX_SIGNATURE_LENGTH - 42)}.${'c'.repeat(20)}`;
    assert.equal(longest.length, MAX_SIGNATURE_LENGTH);
    assert.equal(
      (await store.append('items', { name: 'long' }, { signature: longest })).meta.signature,
      longest,
    );
    await assert.rejects(
      store.append('items', { name: 'too long' }, { signature: `${longest}c` }),
      rejectsWith('BYODA_ERR_VALUE', /^signature: .*at most 8192 characters/),
    );
    assert.equal(await store.count('items', { name: { eq: 'too long' } }), 0);
  });

  it('refuses a signature that is not a compact JWS, naming the field', async () => {
    const bad: unknown[] = ['', 'not a jws', 'a.b', 'a.b.c.d', 'a.b.c=', 42, null];
    for (const signature of bad) {
      await assert.rejects(
        store.putObject('profile', { given_name: 'X' }, { signature } as unknown as WriteMeta),
        rejectsWith('BYODA_ERR_VALUE', /^signature: expected a compact JWS/),
        JSON.stringify(signature),
      );
    }
    assert.notEqual((await store.getObject('profile'))?.data.given_name, 'X');
  });
});

describe('storage: a format 1 file gets the signature column', () => {
  const dir = tempDirPerSuite();

  it('opens, adds `_signature` to every table and keeps the rows', async () => {
    const path = join(dir.path, 'old.db');
    writeFormat1File(path);
    assert.equal(columnsOf(path, 'items').includes('_signature'), false);

    const store = await openSqliteStore(path, testContractV1());
    try {
      assert.ok(columnsOf(path, 'items').includes('_signature'));
      assert.ok(columnsOf(path, 'profile').includes('_signature'));
      assert.equal(storageFormatOf(path), '3');
      assert.deepEqual((await readSqliteStoreInfo(path))?.contractVersion, 1);

      const profile = await store.getObject('profile');
      assert.deepEqual(profile?.data, { given_name: 'Ada', age: 36 });
      assert.equal(profile?.meta.signature, undefined);
      const page = await store.query('items');
      assert.deepEqual(
        page.records.map((r) => r.data),
        [
          { name: 'old one', rank: 1, tags: ['a'] },
          { name: 'old two', rank: 2 },
        ],
      );
      assert.deepEqual(
        page.records.map((r) => r.meta.id),
        [1, 2],
      );

      const signed = await store.append('items', { name: 'new' }, { signature: JWS_A });
      assert.equal(signed.meta.id, 3);
      assert.equal(signed.meta.signature, JWS_A);
    } finally {
      await store.close();
    }
    // A second open has nothing left to add.
    const again = await openSqliteStore(path, testContractV1());
    try {
      assert.equal(await again.count('items'), 3);
    } finally {
      await again.close();
    }
  });

  it('plans the column as a storage step, not as an added contract field', () => {
    const path = join(dir.path, 'old-plan.db');
    writeFormat1File(path);
    const db = new Database(path, { readonly: true });
    try {
      const plan = planSchema(db, schemaOf(testContractV1()));
      assert.deepEqual(
        plan.steps.map((s) => s.name),
        [
          '001 add column "profile"."_signature"',
          '002 add column "profile"."_appender"',
          '003 add column "items"."_signature"',
          '004 add column "items"."_appender"',
        ],
      );
      assert.deepEqual(plan.addedFields, []);
    } finally {
      db.close();
    }
  });
});
