import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  MAX_STATE_VALUE_LENGTH,
  openSqliteStore,
  readSqliteStoreInfo,
  type DataStore,
} from '../../../src/storage/index.js';
import { rejectsWith, storePerTest, testContractV1 } from './factory.js';

describe('storage: state values beside the data (getState / setState)', () => {
  let store: DataStore;
  const files = storePerTest(async (file) => {
    store = await openSqliteStore(file, testContractV1());
    return store;
  });

  it('sets, replaces and removes a value', async () => {
    assert.equal(await store.getState('feed:a'), undefined);
    await store.setState('feed:a', '{"cursor":"x"}');
    assert.equal(await store.getState('feed:a'), '{"cursor":"x"}');
    await store.setState('feed:a', '{"cursor":"y"}');
    assert.equal(await store.getState('feed:a'), '{"cursor":"y"}');
    await store.setState('feed:a', undefined);
    assert.equal(await store.getState('feed:a'), undefined);
  });

  it('keeps values across a reopen of the file', async () => {
    const file = join(files.dir, 'kept.db');
    const first = await openSqliteStore(file, testContractV1());
    await first.setState('feed:b', 'kept');
    await first.close();
    const again = files.track(await openSqliteStore(file, testContractV1()));
    assert.equal(await again.getState('feed:b'), 'kept');
  });

  it('cannot touch what the store keeps about itself under the same table', async () => {
    const file = join(files.dir, 'own.db');
    const own = files.track(await openSqliteStore(file, testContractV1()));
    await own.setState('service_id', '1');
    await own.setState('contract_version', '99');
    assert.equal((await readSqliteStoreInfo(file))?.contractVersion, 1);
    assert.equal(await own.getState('service_id'), '1');
  });

  it('refuses an empty or over-long key and an over-long value, naming them', async () => {
    await assert.rejects(store.setState('', 'x'), rejectsWith('BYODA_ERR_VALUE', /state key/));
    await assert.rejects(store.getState('k'.repeat(257)), rejectsWith('BYODA_ERR_VALUE', /state key/));
    await assert.rejects(
      store.setState('feed:c', 'v'.repeat(MAX_STATE_VALUE_LENGTH + 1)),
      rejectsWith('BYODA_ERR_VALUE', /state value of 'feed:c'/),
    );
    assert.equal(await store.getState('feed:c'), undefined);
  });
});
