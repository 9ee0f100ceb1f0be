import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openSqliteStore, type DataStore } from '../../../src/storage/index.js';
import { rejectsWith, storePerTest, testClock, testContractV1, type TestClock } from './factory.js';

const UUIDS = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'] as const;
const UUID_3 = '00000000-0000-4000-8000-000000000003';
const START = '2025-03-01T10:00:00.000Z';
const EXPIRY = '2025-03-01T11:00:00.000Z';

describe('storage: expired records are never served', () => {
  let store: DataStore;
  let clock: TestClock;
  let path: string;
  const files = storePerTest(async (file) => {
    clock = testClock(START);
    path = file;
    store = await openSqliteStore(file, testContractV1(), { now: clock.now });
    return store;
  });
  /** Two items, one of which expires at EXPIRY, and a profile expiring at EXPIRY. */
  beforeEach(async () => {
    await store.append('items', { name: 'lasting', rank: 1, item_id: UUIDS[0] });
    await store.append('items', { name: 'fleeting', rank: 2, item_id: UUIDS[1] }, { expiresAt: EXPIRY });
    await store.putObject('profile', { given_name: 'Ada' }, { expiresAt: EXPIRY });
  });

  const names = async (s: DataStore): Promise<unknown[]> =>
    (await s.query('items')).records.map((r) => r.data.name);

  it('serves records until just before their expiry', async () => {
    clock.set('2025-03-01T10:59:59.999Z');
    assert.deepEqual(await names(store), ['lasting', 'fleeting']);
    assert.equal((await store.query('items')).totalCount, 2);
    assert.equal(await store.count('items'), 2);
    assert.equal((await store.getObject('profile'))?.data.given_name, 'Ada');
  });

  it('hides them from getObject, query (records and totalCount) and count at the expiry', async () => {
    clock.set(EXPIRY);
    assert.equal(await store.getObject('profile'), null);
    const page = await store.query('items');
    assert.deepEqual(
      page.records.map((r) => r.data.name),
      ['lasting'],
    );
    assert.equal(page.totalCount, 1);
    assert.equal(page.hasNextPage, false);
    assert.equal(await store.count('items'), 1);
    assert.equal(await store.count('items', { name: { eq: 'fleeting' } }), 0);
    // Paging does not see them either: a page of one has no next page.
    const first = await store.query('items', { first: 1 });
    assert.equal(first.hasNextPage, false);
  });

  it('does not update, delete or deleteObject them', async () => {
    clock.set(EXPIRY);
    assert.equal(await store.delete('items', { name: { eq: 'fleeting' } }), 0);
    assert.equal(await store.delete('items', { rank: { gt: 1 } }), 0);
    assert.equal(await store.deleteObject('profile'), false);
    assert.equal(await store.nextExpiry().then((d) => d?.toISOString()), EXPIRY); // still on disk
    assert.equal(await store.update('items', { name: { eq: 'fleeting' } }, { rank: 9 }), 0);
    assert.equal(await store.update('items', {}, { rank: 7 }), 1);
    // The update purged the expired item (writes clear their class of expired records first); the
    // expired profile is left for the sweep.
    assert.equal(await store.deleteExpired(), 1);
    clock.set('2025-03-01T10:30:00.000Z'); // back before the expiry: nothing of them is left to see
    assert.deepEqual(await names(store), ['lasting']);
    assert.equal(await store.getObject('profile'), null);
  });

  it('lets a new record take the primary key of an expired one', async () => {
    await assert.rejects(
      store.append('items', { name: 'again', item_id: UUIDS[1] }),
      rejectsWith('BYODA_ERR_CONFLICT', /items\.item_id/),
    );
    clock.set(EXPIRY);
    const again = await store.append('items', { name: 'again', item_id: UUIDS[1].toUpperCase() });
    assert.equal(again.data.item_id, UUIDS[1]);
    assert.deepEqual(await names(store), ['lasting', 'again']);
    // An update may move a live record onto the key of an expired one too.
    await store.append('items', { name: 'brief', item_id: UUID_3 }, { expiresAt: START });
    assert.equal(await store.update('items', { name: { eq: 'lasting' } }, { item_id: UUID_3 }), 1);
  });

  it('gives a put over an expired object record a fresh record', async () => {
    clock.set('2025-03-01T12:00:00.000Z');
    const fresh = await store.putObject('profile', { given_name: 'Grace' });
    assert.equal(fresh.meta.createdAt, '2025-03-01T12:00:00.000Z');
    assert.equal(fresh.meta.expiresAt, undefined);
    assert.deepEqual(await store.getObject('profile'), fresh);
  });

  it('keeps them hidden after the file is reopened', async () => {
    await store.close();
    clock.set(EXPIRY);
    store = files.track(await openSqliteStore(path, testContractV1(), { now: clock.now }));
    assert.deepEqual(await names(store), ['lasting']);
    assert.equal(await store.count('items'), 1);
    assert.equal(await store.getObject('profile'), null);
    assert.equal(await store.deleteExpired(), 2);
  });

  describe('nextExpiry', () => {
    it('is the earliest expiry over all classes, expired or not', async () => {
      assert.deepEqual(await store.nextExpiry(), new Date(EXPIRY));
      await store.append('items', { name: 'sooner' }, { expiresAt: '2025-03-01T10:30:00+00:00' });
      assert.deepEqual(await store.nextExpiry(), new Date('2025-03-01T10:30:00.000Z'));
      clock.set('2025-03-02T00:00:00.000Z'); // all expired, none swept: still reported
      assert.deepEqual(await store.nextExpiry(), new Date('2025-03-01T10:30:00.000Z'));
    });

    it('is null when nothing expires, and after a sweep of everything that did', async () => {
      clock.set('2025-03-02T00:00:00.000Z');
      assert.equal(await store.deleteExpired(), 2);
      assert.equal(await store.nextExpiry(), null);
      await store.append('items', { name: 'forever' });
      assert.equal(await store.nextExpiry(), null);
    });

    it('fails on a closed store', async () => {
      await store.close();
      assert.equal(store.closed, true);
      await assert.rejects(store.nextExpiry(), rejectsWith('BYODA_ERR_STORAGE', /closed/));
    });
  });
});
