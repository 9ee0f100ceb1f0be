import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { mapBounded } from '../../../src/bounded/index.js';

/** A call per item that records how many run at once and finishes when `release` is called. */
function gated() {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const waiting: Array<() => void> = [];
  return {
    started,
    get most() {
      return most;
    },
    release: () => waiting.shift()?.(),
    work: async (item: number, index: number): Promise<string> => {
      assert.equal(item, index * 10, 'called with the item and its index');
      started.push(item);
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => waiting.push(resolve));
      running--;
      return `done ${item}`;
    },
  };
}

describe('mapBounded', () => {
  it('runs at most limit calls at once and gives the results in the items’ order', async () => {
    const gate = gated();
    const items = [0, 10, 20, 30, 40];
    const all = mapBounded(items, 2, gate.work);
    await turn();
    assert.deepEqual(gate.started, [0, 10], 'two at once');
    gate.release();
    await turn();
    assert.deepEqual(gate.started, [0, 10, 20], 'the next starts when one ends');
    for (let i = 0; i < 4; i++) {
      gate.release();
      await turn();
    }
    assert.deepEqual(await all, ['done 0', 'done 10', 'done 20', 'done 30', 'done 40']);
    assert.equal(gate.most, 2);
  });

  it('runs every item at once when the limit is larger, and one at a time for a limit below 1', async () => {
    const wide = gated();
    const all = mapBounded([0, 10, 20], 8, wide.work);
    await turn();
    assert.deepEqual(wide.started, [0, 10, 20]);
    for (let i = 0; i < 3; i++) wide.release();
    assert.deepEqual(await all, ['done 0', 'done 10', 'done 20']);

    const narrow = gated();
    const one = mapBounded([0, 10], 0, narrow.work);
    await turn();
    assert.deepEqual(narrow.started, [0]);
    narrow.release();
    await turn();
    narrow.release();
    assert.deepEqual(await one, ['done 0', 'done 10']);
    assert.equal(narrow.most, 1);
  });

  it('answers no items with no results, calling nothing', async () => {
    assert.deepEqual(await mapBounded([], 4, () => Promise.reject(new Error('called'))), []);
  });

  it('after a failure starts no further item, waits for those started, then rejects with the first failure', async () => {
    const started: number[] = [];
    let slowEnded = false;
    const all = mapBounded([0, 1, 2, 3, 4], 2, async (item) => {
      started.push(item);
      if (item === 0) {
        await turn();
        await turn();
        slowEnded = true;
        return item;
      }
      if (item === 1) throw new Error('first');
      throw new Error('later');
    });
    await assert.rejects(all, { message: 'first' });
    assert.equal(slowEnded, true, 'the call already started had ended before the rejection');
    assert.deepEqual(started, [0, 1], 'nothing started after the failure');
  });

  it('keeps the first failure when calls started together fail one after the other', async () => {
    const all = mapBounded([0, 1], 2, async (item) => {
      if (item === 1) await turn();
      throw new Error(`failure ${item}`);
    });
    await assert.rejects(all, { message: 'failure 0' });
  });
});
