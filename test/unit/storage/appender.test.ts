/**
 * The authenticated appender of a record (storage format 3, `_appender`): kept as given with an
 * append or a put, left alone by updates, and added with null rows to files of earlier formats.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../../src/storage/index.js';
import { rejectsWith, tempDirPerSuite, testContractV1 } from './factory.js';

const ALICE = '7f0c8a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f';
const BOB = '0b6e2d1c-5a4f-4e3d-8c2b-1a0f9e8d7c6b';

/** A file as storage format 2 made it for testContractV1: `_signature`, no `_appender`. */
function writeFormat2File(path: string): void {
  const contract = testContractV1();
  const db = new Database(path);
  try {
    db.exec(`
      CREATE TABLE IF NOT EXISTS "_byoda_meta" (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      CREATE TABLE "profile" ("_id" INTEGER PRIMARY KEY CHECK ("_id" = 1), "_created_at" TEXT NOT NULL,
        "_updated_at" TEXT NOT NULL, "_origin" TEXT, "_expires_at" TEXT, "_signature" TEXT,
        "given_name" TEXT, "age" INTEGER, "joined" TEXT) STRICT;
      CREATE TABLE "items" ("_id" INTEGER PRIMARY KEY AUTOINCREMENT, "_created_at" TEXT NOT NULL,
        "_updated_at" TEXT NOT NULL, "_origin" TEXT, "_expires_at" TEXT, "_signature" TEXT, "name" TEXT,
        "rank" INTEGER, "score" REAL, "active" INTEGER, "item_id" TEXT, "seen" TEXT, "tags" TEXT,
        "owner" TEXT) STRICT;
      INSERT INTO "items" ("_created_at", "_updated_at", "name") VALUES
        ('2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 'old one');
    `);
    const put = db.prepare(`INSERT INTO "_byoda_meta" (key, value) VALUES (?, ?)`);
    put.run('storage_format', '2');
    put.run('service_id', String(contract.serviceId));
    put.run('contract_version', String(contract.version));
    put.run('contract', JSON.stringify(contract.document));
  } finally {
    db.close();
  }
}

describe('storage: the appender of a record', () => {
  const dir = tempDirPerSuite();

  it('keeps the appender of an append and of a put, canonical, and not the other way round', async () => {
    const store = await openSqliteStore(join(dir.path, 'a.db'), testContractV1());
    try {
      const appended = await store.append('items', { name: 'one' }, { appender: ALICE.toUpperCase() });
      assert.equal(appended.meta.appender, ALICE);
      const unnamed = await store.append('items', { name: 'two' });
      assert.equal(unnamed.meta.appender, undefined);
      const page = await store.query('items');
      assert.deepEqual(
        page.records.map((r) => r.meta.appender),
        [ALICE, undefined],
      );
      await store.putObject('profile', { given_name: 'Ada' }, { appender: BOB });
      assert.equal((await store.getObject('profile'))?.meta.appender, BOB);
      // A put replaces the record, and with it who wrote it.
      await store.putObject('profile', { given_name: 'Ada' });
      assert.equal((await store.getObject('profile'))?.meta.appender, undefined);
    } finally {
      await store.close();
    }
  });

  it('leaves the appender alone on update: a patch does not change who appended', async () => {
    const store = await openSqliteStore(join(dir.path, 'b.db'), testContractV1());
    try {
      await store.append('items', { name: 'one' }, { appender: ALICE });
      assert.equal(await store.update('items', { name: { eq: 'one' } }, { name: 'renamed' }), 1);
      const [record] = (await store.query('items')).records;
      assert.equal(record?.data.name, 'renamed');
      assert.equal(record?.meta.appender, ALICE);
    } finally {
      await store.close();
    }
  });

  it('refuses an appender that is not a member id, writing nothing', async () => {
    const store = await openSqliteStore(join(dir.path, 'c.db'), testContractV1());
    try {
      await assert.rejects(
        store.append('items', { name: 'x' }, { appender: 'someone' }),
        rejectsWith('BYODA_ERR_VALUE', /appender: expected a UUID/),
      );
      assert.equal(await store.count('items'), 0);
    } finally {
      await store.close();
    }
  });

  it('adds the column to a format 2 file: its rows have no appender, new ones do', async () => {
    const path = join(dir.path, 'old.db');
    writeFormat2File(path);
    const store = await openSqliteStore(path, testContractV1());
    try {
      const [old] = (await store.query('items')).records;
      assert.equal(old?.data.name, 'old one');
      assert.equal(old?.meta.appender, undefined);
      const added = await store.append('items', { name: 'new' }, { appender: ALICE });
      assert.equal(added.meta.appender, ALICE);
    } finally {
      await store.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      const format = db.prepare(`SELECT value FROM "_byoda_meta" WHERE key = 'storage_format'`).get() as {
        value: string;
      };
      assert.equal(format.value, '3');
    } finally {
      db.close();
    }
  });
});
