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

/**
 * The real store, with `deleteExpired` counted (one call per sweep) and, while `gate` is set, held
 * until it resolves: a sweep caught in the middle.
 */
function instrumented(store: DataStore): { store: DataStore; sweeps: () => number; hold: () => () => void } {
  let sweeps = 0;
  let gate: Promise<void> | undefined;
  const wrapped = new Proxy(store, {
    get(target, property) {
      if (property === 'deleteExpired') {
        return async (now?: Date): Promise<number> => {
          sweeps++;
          if (gate) await gate;
          return target.deleteExpired(now);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const hold = (): (() => void) => {
    let release = (): void => undefined;
    gate = new Promise((resolve) => (release = resolve));
    return () => {
      gate = undefined;
      release();
    };
  };
  return { store: wrapped, sweeps: () => sweeps, hold };
}

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

  it('sweeps once per expiry, not before it, whether the expiry was there at start or came with a write', async () => {
    // At start: the start-up sweep finds the record unexpired and sleeps until its expiry (+ slack).
    const early = await open();
    await early.append('items', { name: 'brief' }, { expiresAt: inMs(300) });
    const atStart = instrumented(early);
    start(atStart.store, { maxWaitMs: LONG_MAX_WAIT_MS });
    await waitFor('the record to be deleted', () => nothingExpiring(early));
    assert.equal(atStart.sweeps(), 2, 'the start-up sweep and one at the expiry');
    // With a write: the start-up sweep has nothing to wait for; the write's expiry arms the one sweep.
    const later = await open();
    const byWrite = instrumented(later);
    start(byWrite.store, { maxWaitMs: LONG_MAX_WAIT_MS });
    await waitFor('the start-up sweep', async () => byWrite.sweeps() === 1);
    await sleep(50);
    await later.append('items', { name: 'brief' }, { expiresAt: inMs(300) });
    await waitFor('the record to be deleted', () => nothingExpiring(later));
    assert.equal(byWrite.sweeps(), 2, 'the start-up sweep and one at the expiry');
  });

  it('keeps its first wake-up when a later write sets a later expiry', async () => {
    const store = await open();
    start(store, { maxWaitMs: LONG_MAX_WAIT_MS });
    await sleep(50); // past the start-up sweep: the writes alone arm the wake-up
    await store.append('items', { name: 'early' }, { expiresAt: inMs(200) });
    const late = inMs(3_600_000);
    await store.append('items', { name: 'late' }, { expiresAt: late });
    assert.ok(((await store.nextExpiry())?.getTime() ?? 0) < late.getTime());
    await waitFor(
      'the early record to be deleted',
      async () => (await store.nextExpiry())?.getTime() === late.getTime(),
    );
  });

  it('sleeps maxWaitMs, not until the expiry, when that is sooner (real clock)', async () => {
    const store = await open();
    await store.append('items', { name: 'late' }, { expiresAt: inMs(3_600_000) });
    const counted = instrumented(store);
    start(counted.store, { maxWaitMs: 100 });
    await sleep(550);
    // About 6 sweeps (at start, then every 100 ms); never a sweep per tick, never none after start.
    assert.ok(counted.sweeps() >= 2 && counted.sweeps() <= 7, `${counted.sweeps()} sweeps in 550 ms`);
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

  it('does no more work once stopped in the middle of a sweep', async () => {
    const store = await open();
    await store.append('items', { name: 'late' }, { expiresAt: inMs(3_600_000) });
    const counted = instrumented(store);
    let clockReads = 0;
    const release = counted.hold();
    const sweeper = start(counted.store, {
      maxWaitMs: LONG_MAX_WAIT_MS,
      now: () => {
        clockReads++;
        return new Date();
      },
    });
    await waitFor('the start-up sweep to begin', async () => counted.sweeps() === 1);
    sweeper.stop();
    const readsAtStop = clockReads;
    release();
    await sleep(100);
    // The sweep in flight finishes, but arms no timer: the clock is not read again.
    assert.equal(clockReads, readsAtStop);
  });

  it('stops without reporting an error when the store closes in the middle of a sweep', async () => {
    const store = await open();
    const counted = instrumented(store);
    const errors: unknown[] = [];
    const release = counted.hold();
    start(counted.store, { maxWaitMs: 50, onError: (e) => errors.push(e) });
    await waitFor('the start-up sweep to begin', async () => counted.sweeps() === 1);
    await store.close(); // the held sweep now meets a closed store
    release();
    await sleep(300);
    assert.deepEqual(errors, []);
    assert.equal(counted.sweeps(), 1, 'no retry on a closed store');
  });

  it('retries a failed sweep after maxWaitMs, not at once', async () => {
    const store = await open();
    await store.append('items', { name: 'old' }, { expiresAt: new Date(Date.now() - 1000) });
    const calls: number[] = [];
    let failures = 1;
    const flaky = new Proxy(store, {
      get(target, property) {
        if (property === 'deleteExpired') {
          return async (now?: Date): Promise<number> => {
            calls.push(Date.now());
            if (failures-- > 0) throw new Error('database is locked');
            return target.deleteExpired(now);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    start(flaky, { maxWaitMs: 200 });
    await waitFor('the retried sweep', () => nothingExpiring(store));
    assert.equal(calls.length, 2);
    const [first = 0, second = 0] = calls;
    // Timers may fire a millisecond early against Date.now's rounding.
    assert.ok(second - first >= 195, `retried ${second - first} ms after the failure`);
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
    // Both ends are allowed.
    for (const maxWaitMs of [1, 2 ** 31 - 1]) startExpirySweeper(store, { maxWaitMs }).stop();
  });
});
