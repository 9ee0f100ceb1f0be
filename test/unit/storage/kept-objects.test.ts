/**
 * Object records are kept in memory between writes (src/storage/sqlite/kept-objects.ts): reads must
 * give exactly what SQLite would, after every kind of write, a rolled-back one, an expiry, a clock
 * moved back and a contract upgrade.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { openSqliteStore, type DataStore } from '../../../src/storage/index.js';
import type { Contract } from '../../../src/contract/index.js';
import {
  contract,
  field,
  rejectsWith,
  scalar,
  storePerTest,
  testClock,
  testContractV1,
  type TestClock,
} from './factory.js';

const START = '2025-03-01T10:00:00.000Z';

/** v1 with one more field in `profile`: an upgrade the store takes. */
function withNickname(): Contract {
  const v1 = testContractV1();
  return contract(
    2,
    v1.classes.map((cls) =>
      cls.name === 'profile' ? { ...cls, fields: [...cls.fields, field('nickname', scalar('string'))] } : cls,
    ),
  );
}
const EXPIRY = '2025-03-01T11:00:00.000Z';

describe('storage: object records kept between writes', () => {
  let store: DataStore;
  let clock: TestClock;
  let path: string;
  storePerTest(async (file) => {
    clock = testClock(START);
    path = file;
    store = await openSqliteStore(file, testContractV1(), { now: clock.now });
    return store;
  });

  const givenName = async (): Promise<unknown> => (await store.getObject('profile'))?.data.given_name;
  /**
   * The profile changed through another connection (none exists in a pod: one process per folder),
   * which shows what the store kept and when it reads the file again.
   */
  const renameBehindTheStore = (name: string): void => {
    const other = new Database(path);
    other.prepare(`UPDATE "profile" SET "given_name" = ?`).run(name);
    other.close();
  };

  it('reads the newest record after every write: put, put again, delete', async () => {
    assert.equal(await store.getObject('profile'), null);
    await store.putObject('profile', { given_name: 'Ada' });
    assert.equal(await givenName(), 'Ada');
    assert.equal(await givenName(), 'Ada');
    await store.putObject('profile', { given_name: 'Grace' });
    assert.equal(await givenName(), 'Grace');
    assert.equal(await store.deleteObject('profile'), true);
    assert.equal(await store.getObject('profile'), null);
    await store.putObject('profile', { given_name: 'Hedy' });
    assert.equal(await givenName(), 'Hedy');
  });

  it('gives the same record as a fresh read of the file', async () => {
    await store.putObject('profile', { given_name: 'Ada' }, { expiresAt: EXPIRY });
    const kept = await store.getObject('profile');
    assert.deepEqual(await store.getObject('profile'), kept);
    await store.close();
    store = await openSqliteStore(path, testContractV1(), { now: clock.now });
    assert.deepEqual(await store.getObject('profile'), kept);
  });

  it('keeps what a failed write left: the record as it was before', async () => {
    await store.putObject('profile', { given_name: 'Ada' });
    assert.equal(await givenName(), 'Ada');
    await assert.rejects(
      store.putObject('profile', { given_name: 42 } as never),
      rejectsWith('BYODA_ERR_VALUE', /given_name/),
    );
    assert.equal(await givenName(), 'Ada');
    // One that fails inside its transaction (rolled back) too.
    const item = { name: 'one', item_id: '00000000-0000-4000-8000-000000000001' };
    await store.append('items', item);
    await assert.rejects(store.append('items', item), rejectsWith('BYODA_ERR_CONFLICT'));
    assert.equal(await givenName(), 'Ada');
  });

  it('hides a kept record from its expiry on, and shows it again if the clock moves back, as SQLite does', async () => {
    await store.putObject('profile', { given_name: 'Ada' }, { expiresAt: EXPIRY });
    clock.set('2025-03-01T10:59:59.999Z');
    assert.equal(await givenName(), 'Ada');
    clock.set(EXPIRY);
    assert.equal(await store.getObject('profile'), null);
    clock.set('2025-03-01T10:30:00.000Z');
    assert.equal(await givenName(), 'Ada');
  });

  it('forgets kept records when any write, of any class, runs', async () => {
    await store.putObject('profile', { given_name: 'Ada' });
    assert.equal(await givenName(), 'Ada');
    renameBehindTheStore('changed behind the store');
    assert.equal(await givenName(), 'Ada', 'kept until this store writes');
    await store.append('items', { name: 'one', item_id: '00000000-0000-4000-8000-000000000001' });
    assert.equal(await givenName(), 'changed behind the store', 'read again after a write of another class');
  });

  it('forgets kept records at a contract upgrade', async () => {
    await store.putObject('profile', { given_name: 'Ada' });
    assert.equal(await givenName(), 'Ada');
    renameBehindTheStore('Grace');
    await store.migrate(withNickname());
    assert.equal(await givenName(), 'Grace');
  });

  it('hands out frozen records, so no caller can change the next caller’s answer', async () => {
    await store.putObject('profile', { given_name: 'Ada' });
    const record = await store.getObject('profile');
    assert.ok(record);
    assert.throws(() => {
      (record.data as Record<string, unknown>)['given_name'] = 'Eve';
    }, TypeError);
    assert.throws(() => {
      (record.meta as unknown as Record<string, unknown>)['id'] = 2;
    }, TypeError);
    assert.equal(await givenName(), 'Ada');
  });
});
