import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openSqliteStore, type DataStore, type StoreChange } from '../../../src/storage/index.js';
import { rejectsWith, storePerTest, testClock, testContractV1, type TestClock } from './factory.js';

const ID = '00000000-0000-4000-8000-000000000001';

describe('storage: change notifications (onChange)', () => {
  let store: DataStore;
  let clock: TestClock;
  let changes: StoreChange[];
  let unsubscribe: () => void;
  storePerTest(async (file) => {
    clock = testClock('2025-01-01T00:00:00.000Z');
    store = await openSqliteStore(file, testContractV1(), { now: clock.now });
    return store;
  });
  beforeEach(() => {
    changes = [];
    unsubscribe = store.onChange((change) => changes.push(change));
  });

  it('reports each kind of write once it is committed, with its count', async () => {
    await store.putObject('profile', { given_name: 'Ada' });
    await store.append('items', { name: 'a', rank: 1 });
    await store.append('items', { name: 'b', rank: 1 });
    await store.update('items', { rank: { eq: 1 } }, { rank: 2 });
    await store.delete('items', { name: { eq: 'a' } });
    await store.deleteObject('profile');
    assert.deepEqual(changes, [
      { className: 'profile', kind: 'put', count: 1 },
      { className: 'items', kind: 'append', count: 1 },
      { className: 'items', kind: 'append', count: 1 },
      { className: 'items', kind: 'update', count: 2 },
      { className: 'items', kind: 'delete', count: 1 },
      { className: 'profile', kind: 'delete-object', count: 1 },
    ]);
  });

  it('gives the expiry a write set', async () => {
    await store.append('items', { name: 'x' }, { expiresAt: '2025-01-01T01:00:00+01:00' });
    await store.putObject('profile', { given_name: 'A' }, { expiresAt: new Date('2025-01-02T00:00:00Z') });
    assert.deepEqual(changes, [
      { className: 'items', kind: 'append', count: 1, expiresAt: new Date('2025-01-01T00:00:00.000Z') },
      { className: 'profile', kind: 'put', count: 1, expiresAt: new Date('2025-01-02T00:00:00.000Z') },
    ]);
  });

  it('reports one expire change per class that lost records in a sweep', async () => {
    await store.append('items', { name: 'x' }, { expiresAt: '2025-01-01T00:00:01Z' });
    await store.append('items', { name: 'y' }, { expiresAt: '2025-01-01T00:00:02Z' });
    await store.putObject('profile', { given_name: 'A' }, { expiresAt: '2025-01-01T00:00:01Z' });
    changes.length = 0;
    assert.equal(await store.deleteExpired(new Date('2025-01-01T00:00:05Z')), 3);
    assert.deepEqual(changes, [
      { className: 'profile', kind: 'expire', count: 1 },
      { className: 'items', kind: 'expire', count: 2 },
    ]);
    changes.length = 0;
    assert.equal(await store.deleteExpired(new Date('2025-01-01T00:00:05Z')), 0);
    assert.deepEqual(changes, []);
  });

  it('reports the expired records a write purges before it', async () => {
    await store.append('items', { name: 'x', item_id: ID }, { expiresAt: '2025-01-01T00:00:01Z' });
    clock.advance(1000);
    changes.length = 0;
    await store.append('items', { name: 'y', item_id: ID });
    assert.deepEqual(changes, [
      { className: 'items', kind: 'expire', count: 1 },
      { className: 'items', kind: 'append', count: 1 },
    ]);
  });

  it('reports nothing for writes that change nothing or fail', async () => {
    await store.append('items', { name: 'a', item_id: ID });
    changes.length = 0;
    assert.equal(await store.update('items', { name: { eq: 'none' } }, { rank: 1 }), 0);
    assert.equal(await store.delete('items', { name: { eq: 'none' } }), 0);
    assert.equal(await store.deleteObject('profile'), false);
    await assert.rejects(
      store.append('items', { name: 'b', item_id: ID }),
      rejectsWith('BYODA_ERR_CONFLICT'),
    );
    await assert.rejects(store.append('items', { rank: 1 }), rejectsWith('BYODA_ERR_VALUE'));
    assert.deepEqual(changes, []);
  });

  it('stops reporting after unsubscribe, to that listener only', async () => {
    const other: StoreChange[] = [];
    store.onChange((change) => other.push(change));
    unsubscribe();
    unsubscribe(); // twice is harmless
    await store.append('items', { name: 'a' });
    assert.deepEqual(changes, []);
    assert.equal(other.length, 1);
  });

  it('ignores a listener that throws: the write succeeds and later listeners still hear of it', async () => {
    store.onChange(() => {
      throw new Error('listener failure');
    });
    const after: StoreChange[] = [];
    store.onChange((change) => after.push(change));
    const rec = await store.append('items', { name: 'a' });
    assert.equal(rec.data.name, 'a');
    assert.equal(await store.count('items'), 1);
    assert.equal(changes.length, 1);
    assert.equal(after.length, 1);
  });

  it('calls listeners synchronously, before the write resolves', async () => {
    let seenBeforeResolve = false;
    const pending = store.append('items', { name: 'a' });
    seenBeforeResolve = changes.length === 1;
    await pending;
    assert.equal(seenBeforeResolve, true);
  });
});
