import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import {
  openSqliteStore,
  startExpirySweeper,
  type DataStore,
  type ExpirySweeper,
} from '../../../src/storage/index.js';
import { rejectsWith, tempDir, testContractV1 } from './factory.js';

/** Generous: the machine is shared; what matters is that it happens long before `maxWaitMs`. */
const WAIT_MS = 10_000;
/** Far longer than any wait here: a sweep that happens must have been scheduled by an expiry. */
const LONG_MAX_WAIT_MS = 120_000;

async function waitFor(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const inMs = (ms: number): Date => new Date(Date.now() + ms);

/** Every record still on disk, expired or not: nextExpiry sees expired rows, queries do not. */
const nothingExpiring = async (store: DataStore): Promise<boolean> => (await store.nextExpiry()) === null;

describe('storage: expiry sweeper (real clock)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let n = 0;
  const sweepers: ExpirySweeper[] = [];
  const stores: DataStore[] = [];

  const open = async (): Promise<DataStore> => {
    const store = await openSqliteStore(join(dir.path, `s${++n}.db`), testContractV1());
    stores.push(store);
    return store;
  };
  const start = (...args: Parameters<typeof startExpirySweeper>): ExpirySweeper => {
    const sweeper = startExpirySweeper(...args);
    sweepers.push(sweeper);
    return sweeper;
  };

  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    sweepers.forEach((s) => s.stop());
    for (const store of stores) await store.close();
    await dir.remove();
  });

  it('sweeps at start: records that expired while nothing ran are deleted at once', async () => {
    const store = await open();
    // (in this order: a write purges its class's expired records first)
    await store.append('items', { name: 'lasting' });
    await store.append('items', { name: 'old' }, { expiresAt: new Date(Date.now() - 60_000) });
    assert.notEqual(await store.nextExpiry(), null);
    const swept: number[] = [];
    start(store, { maxWaitMs: LONG_MAX_WAIT_MS, onSwept: (count) => swept.push(count) });
    await waitFor('the start-up sweep', () => nothingExpiring(store));
    assert.deepEqual(swept, [1]);
    assert.equal(await store.count('items'), 1);
  });

  it('deletes a record at its expiry, not at the next maxWaitMs', async (t) => {
    const store = await open();
    const errors: unknown[] = [];
    const sweptAt: number[] = [];
    start(store, {
      maxWaitMs: LONG_MAX_WAIT_MS,
      onError: (e) => errors.push(e),
      onSwept: () => sweptAt.push(Date.now()),
    });
    const expiry = inMs(300);
    await store.append('items', { name: 'brief' }, { expiresAt: expiry });
    await waitFor('the expired record to be deleted', () => nothingExpiring(store));
    assert.equal(sweptAt.length, 1);
    // Not asserted (a loaded machine may be slow); the target is well under a second.
    t.diagnostic(`swept ${(sweptAt[0] ?? 0) - expiry.getTime()} ms after the expiry`);
    assert.deepEqual(errors, []);
  });

  it('wakes earlier when a write sets an earlier expiry than the one it sleeps for', async () => {
    const store = await open();
    await store.append('items', { name: 'late' }, { expiresAt: inMs(3_600_000) });
    start(store, { maxWaitMs: LONG_MAX_WAIT_MS });
    await sleep(50); // let the start-up sweep schedule the wake-up for the late record
    const late = await store.nextExpiry();
    await store.append('items', { name: 'early' }, { expiresAt: inMs(200) });
    assert.notDeepEqual(await store.nextExpiry(), late);
    // Gone from disk: the next expiry is the late record's again.
    await waitFor(
      'the early record to be deleted',
      async () => (await store.nextExpiry())?.getTime() === late?.getTime(),
    );
    assert.equal(await store.count('items'), 1);
  });

  it('stops cleanly: no sweep after stop, and sweepNow then does nothing', async () => {
    const store = await open();
    const swept: number[] = [];
    const sweeper = start(store, { maxWaitMs: 50, onSwept: (count) => swept.push(count) });
    sweeper.stop();
    sweeper.stop(); // idempotent
    await store.append('items', { name: 'brief' }, { expiresAt: inMs(50) });
    await sleep(400);
    assert.equal(await sweeper.sweepNow(), 0);
    assert.notEqual(await store.nextExpiry(), null, 'the expired record is still on disk');
    assert.deepEqual(swept, []);
  });

  it('sweepNow deletes what has expired and says how many', async () => {
    const store = await open();
    const sweeper = start(store, { maxWaitMs: LONG_MAX_WAIT_MS });
    await store.append('items', { name: 'a' }, { expiresAt: new Date(Date.now() - 1) });
    await store.putObject('profile', { given_name: 'b' }, { expiresAt: new Date(Date.now() - 1) });
    assert.equal(await sweeper.sweepNow(), 2);
    assert.equal(await sweeper.sweepNow(), 0);
  });

  it('stops by itself, without errors, when the store is closed under it', async () => {
    const store = await open();
    const errors: unknown[] = [];
    const sweeper = start(store, { maxWaitMs: 20, onError: (e) => errors.push(e) });
    await sleep(100);
    await store.close();
    await sleep(200);
    assert.deepEqual(errors, []);
    assert.equal(await sweeper.sweepNow(), 0);
  });

  it('reports a failed sweep through onError and tries again', async () => {
    const store = await open();
    let failures = 1;
    // The real store, but its first sweep fails as a locked file would.
    const flaky = new Proxy(store, {
      get(target, property) {
        if (property === 'deleteExpired') {
          return async (now?: Date): Promise<number> => {
            if (failures-- > 0) throw new Error('database is locked');
            return target.deleteExpired(now);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await store.append('items', { name: 'old' }, { expiresAt: new Date(Date.now() - 1000) });
    const errors: unknown[] = [];
    start(flaky, { maxWaitMs: 100, onError: (e) => errors.push(e) });
    await waitFor('the retried sweep', () => nothingExpiring(store));
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /database is locked/);
  });

  it('refuses a maxWaitMs that is not a whole number of ms from 1 to 2^31-1', async () => {
    const store = await open();
    for (const maxWaitMs of [0, -5, 1.5, 2 ** 31, Number.NaN]) {
      assert.throws(
        () => startExpirySweeper(store, { maxWaitMs }),
        rejectsWith('BYODA_ERR_CONFIG', /^maxWaitMs must be an integer from 1 to 2147483647$/),
      );
    }
  });
});
