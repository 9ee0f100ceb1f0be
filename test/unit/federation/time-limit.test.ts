import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { abortable, timeLimit } from '../../../src/federation/time-limit.js';

describe('time limits of pod-to-pod work', () => {
  it('aborts with a TimeoutError once its time ran out, and says that it timed out', async () => {
    const limit = timeLimit(5);
    assert.equal(limit.signal.aborted, false);
    assert.equal(limit.timedOut, false);
    await sleep(30);
    assert.equal(limit.signal.aborted, true);
    assert.equal(limit.timedOut, true);
    assert.ok(limit.signal.reason instanceof DOMException);
    assert.equal((limit.signal.reason as DOMException).name, 'TimeoutError');
    assert.match((limit.signal.reason as Error).message, /timed out after 5 ms/);
  });

  it('aborts with the parent’s reason when the parent aborts first, without timing out', () => {
    const parent = new AbortController();
    const limit = timeLimit(60_000, parent.signal);
    const reason = new Error('the query’s deadline passed');
    parent.abort(reason);
    assert.equal(limit.signal.aborted, true);
    assert.equal(limit.signal.reason, reason);
    assert.equal(limit.timedOut, false);
    limit.release();
  });

  it('is aborted at once under a parent that already aborted', () => {
    const parent = new AbortController();
    const reason = new Error('cancelled');
    parent.abort(reason);
    const limit = timeLimit(60_000, parent.signal);
    assert.equal(limit.signal.aborted, true);
    assert.equal(limit.signal.reason, reason);
    assert.equal(limit.timedOut, false);
  });

  it('once released, neither its time nor the parent aborts it', async () => {
    const parent = new AbortController();
    const limit = timeLimit(5, parent.signal);
    limit.release();
    await sleep(30);
    parent.abort(new Error('later'));
    assert.equal(limit.signal.aborted, false);
    assert.equal(limit.timedOut, false);
  });

  it('abortable: gives the work’s value, its failure, or the abort reason, whichever comes first', async () => {
    const controller = new AbortController();
    assert.equal(await abortable(Promise.resolve(7), controller.signal), 7);
    const failure = new Error('refused');
    await assert.rejects(abortable(Promise.reject(failure), controller.signal), (err) => err === failure);
    // A rejection with something other than an Error still rejects with an Error.
    await assert.rejects(abortable(Promise.reject('plain text'), controller.signal), {
      message: 'plain text',
    });
    const never = new Promise<number>(() => undefined);
    const pending = abortable(never, controller.signal);
    const reason = new Error('timed out');
    controller.abort(reason);
    await assert.rejects(pending, (err) => err === reason);
    // Already aborted: refused at once; an abort reason that is no Error reads "aborted".
    await assert.rejects(abortable(never, controller.signal), (err) => err === reason);
    const plain = new AbortController();
    plain.abort('no error');
    await assert.rejects(abortable(never, plain.signal), { message: 'aborted' });
  });
});
