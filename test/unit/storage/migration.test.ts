import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Contract, DataClass } from '../../../src/contract/index.js';
import type { ByodaError, ErrorCode } from '../../../src/errors/index.js';
import { openSqliteStore, readSqliteStoreInfo, type DataStore } from '../../../src/storage/index.js';
import { contract, dataClass, field, scalar, tempDirPerSuite, testContractV1 } from './factory.js';

function rejectsWith(code: ErrorCode | ErrorCode[], pattern?: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    const e = err as ByodaError;
    assert.ok(([] as ErrorCode[]).concat(code).includes(e.code), `unexpected ${e.code}: ${e.message}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

/** v1 plus a class `channels`, a field `profile.nickname` and an indexed field `items.colour`. */
function v2(): Contract {
  const v1 = testContractV1();
  return contract(
    2,
    v1.classes
      .map((cls): DataClass => {
        if (cls.name === 'profile')
          return { ...cls, fields: [...cls.fields, field('nickname', scalar('string'))] };
        return {
          ...cls,
          fields: [...cls.fields, field('colour', scalar('string'), { properties: { index: true } })],
        };
      })
      .concat([dataClass('channels', 'array', [field('title', scalar('string'), { required: true })])]),
  );
}

/** The bytes of the database file and its WAL, and the schema: all a refused migration must not touch. */
function snapshot(path: string): { db: Buffer; wal: Buffer | null } {
  return { db: readFileSync(path), wal: existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`) : null };
}

function schemaOf(path: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
  } finally {
    db.close();
  }
}

async function seeded(path: string): Promise<DataStore> {
  const store = await openSqliteStore(path, testContractV1());
  await store.putObject('profile', { given_name: 'Ada', age: 36 });
  for (let i = 0; i < 50; i++) await store.append('items', { name: `item ${i}`, rank: i, tags: [`t${i}`] });
  return store;
}

describe('storage migration', () => {
  const dir = tempDirPerSuite();

  it('adds a class and fields, keeps every row, and makes the new field usable', async () => {
    const path = join(dir.path, 'ok', 'store.db');
    const store = await seeded(path);
    const before = await store.query('items', { first: 100 });
    const report = await store.migrate(v2());

    assert.equal(report.fromVersion, 1);
    assert.equal(report.toVersion, 2);
    assert.deepEqual(report.addedClasses, ['channels']);
    assert.deepEqual(report.addedFields, ['profile.nickname', 'items.colour']);
    assert.match(report.steps[0] ?? '', /^001 /);
    assert.match(report.steps.at(-1) ?? '', /record contract version 2$/);
    assert.equal(store.contract.version, 2);

    assert.deepEqual((await store.query('items', { first: 100 })).records, before.records);
    assert.deepEqual((await store.getObject('profile'))?.data, { given_name: 'Ada', age: 36 });
    assert.equal(await store.update('items', { rank: { lt: 10 } }, { colour: 'red' }), 10);
    assert.equal(await store.count('items', { colour: { eq: 'red' } }), 10);
    await store.append('channels', { title: 'news' });
    await store.putObject('profile', { given_name: 'Ada', nickname: 'countess' });
    await store.close();

    assert.equal((await readSqliteStoreInfo(path))?.contractVersion, 2);
    await assert.rejects(openSqliteStore(path, testContractV1()), rejectsWith('BYODA_ERR_STORAGE'));
    const reopened = await openSqliteStore(path, v2());
    try {
      assert.equal(await reopened.count('items'), 50);
      assert.equal(await reopened.count('channels'), 1);
      assert.equal((await reopened.getObject('profile'))?.data.nickname, 'countess');
    } finally {
      await reopened.close();
    }
    const indexes = schemaOf(path).map((r) => (r as { name: string }).name);
    assert.ok(indexes.includes('idx:items:colour'));
  });

  const refused: [string, () => Contract, RegExp][] = [
    [
      'a removed field',
      () =>
        contract(
          2,
          testContractV1().classes.map((c) => ({ ...c, fields: c.fields.filter((f) => f.name !== 'score') })),
        ),
      /score/,
    ],
    [
      'a changed field type',
      () =>
        contract(
          2,
          testContractV1().classes.map((c) => ({
            ...c,
            fields: c.fields.map((f) => (f.name === 'rank' ? { ...f, type: scalar('string') } : f)),
          })),
        ),
      /rank/,
    ],
    ['a removed class', () => contract(2, testContractV1().classes.slice(1)), /profile/],
    ['a version that is not greater', () => contract(1, v2().classes), /version/],
    ['another service', () => contract(2, v2().classes, 7), /service/],
  ];
  for (const [what, next, pattern] of refused) {
    it(`refuses ${what}, leaving the file byte for byte and the schema unchanged`, async () => {
      const path = join(dir.path, what.replaceAll(' ', '-'), 'store.db');
      const store = await seeded(path);
      try {
        const bytes = snapshot(path);
        const schema = schemaOf(path);
        const bytesAfterRead = snapshot(path); // reading the schema must not have changed the file either
        assert.deepEqual(bytesAfterRead, bytes);
        await assert.rejects(store.migrate(next()), rejectsWith('BYODA_ERR_CONTRACT_INCOMPATIBLE', pattern));
        assert.deepEqual(snapshot(path), bytes);
        assert.deepEqual(schemaOf(path), schema);
        assert.equal(store.contract.version, 1);
        assert.equal(await store.count('items'), 50);
      } finally {
        await store.close();
      }
      assert.equal((await readSqliteStoreInfo(path))?.contractVersion, 1);
    });
  }

  it('rolls back every step when a late step fails', async () => {
    const path = join(dir.path, 'late-failure', 'store.db');
    const store = await seeded(path);
    // A stray table named like the index v2 wants: create table, add columns succeed, create index fails.
    const raw = new Database(path);
    raw.exec('CREATE TABLE "idx:items:colour" (x)');
    raw.close();
    const schema = schemaOf(path);
    try {
      await assert.rejects(store.migrate(v2()), rejectsWith('BYODA_ERR_STORAGE'));
      assert.deepEqual(schemaOf(path), schema);
      assert.equal(store.contract.version, 1);
      assert.equal(await store.count('items'), 50);
    } finally {
      await store.close();
    }
    assert.equal((await readSqliteStoreInfo(path))?.contractVersion, 1);
  });

  it('refuses a new primary key on data that has duplicates, changing nothing', async () => {
    const path = join(dir.path, 'rollback', 'store.db');
    const store = await seeded(path);
    await store.append('items', { name: 'item 0' }); // a duplicate name
    const schema = schemaOf(path);
    const uniqueNames = contract(
      2,
      v2().classes.map((c) =>
        c.name === 'items'
          ? {
              ...c,
              fields: c.fields.map((f) =>
                f.name === 'name' ? { ...f, properties: { ...f.properties, primaryKey: true } } : f,
              ),
            }
          : c,
      ),
    );
    try {
      // Refused up front (a primary key change) or else by the unique index: either way nothing changes.
      await assert.rejects(
        store.migrate(uniqueNames),
        rejectsWith(['BYODA_ERR_CONTRACT_INCOMPATIBLE', 'BYODA_ERR_CONFLICT']),
      );
      assert.deepEqual(schemaOf(path), schema);
      assert.equal(store.contract.version, 1);
      await assert.rejects(store.count('channels'), rejectsWith('BYODA_ERR_STORAGE_NOT_FOUND'));
      assert.equal(await store.count('items'), 51);
    } finally {
      await store.close();
    }
  });
});
