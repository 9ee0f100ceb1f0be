import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedMap } from '../../../src/bounded/index.js';
import { ByodaError } from '../../../src/errors/index.js';

describe('BoundedMap', () => {
  it('keeps exactly its limit, forgetting the oldest first', () => {
    const map = new BoundedMap<string, number>(3);
    for (const [i, key] of ['a', 'b', 'c'].entries()) map.set(key, i);
    assert.deepEqual([...map.keys()], ['a', 'b', 'c'], 'at the limit nothing is forgotten');
    map.set('d', 3);
    assert.deepEqual(
      [...map.entries()],
      [
        ['b', 1],
        ['c', 2],
        ['d', 3],
      ],
    );
    map.set('e', 4).set('f', 5);
    assert.deepEqual([...map.keys()], ['d', 'e', 'f']);
    assert.equal(map.size, 3);
  });

  it('makes a key set again the newest, with its new value, without growing', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('a', 3);
    assert.deepEqual(
      [...map.entries()],
      [
        ['b', 2],
        ['a', 3],
      ],
    );
    map.set('c', 4);
    assert.deepEqual([...map.keys()], ['a', 'c'], 'b was the oldest once a was set again');
  });

  it('makes an entry read with use the newest, and a plain get does not', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2);
    assert.equal(map.get('a'), 1);
    assert.deepEqual([...map.keys()], ['a', 'b']);
    assert.equal(map.use('a'), 1);
    assert.deepEqual([...map.keys()], ['b', 'a']);
    map.set('c', 3);
    assert.deepEqual([...map.keys()], ['a', 'c']);
  });

  it('answers use of a missing key with undefined and adds nothing', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    assert.equal(map.use('z'), undefined);
    assert.deepEqual([...map.keys()], ['a']);
  });

  it('keeps a value that is undefined, and use returns it', () => {
    const map = new BoundedMap<string, number | undefined>(2);
    map.set('a', undefined).set('b', 2);
    assert.equal(map.has('a'), true);
    assert.equal(map.use('a'), undefined);
    assert.deepEqual([...map.keys()], ['b', 'a'], 'a key with an undefined value is still used');
  });

  it('keeps nothing with a limit of 0, and one with a limit of 1', () => {
    const none = new BoundedMap<string, number>(0);
    none.set('a', 1);
    assert.equal(none.size, 0);
    assert.equal(none.has('a'), false);
    const one = new BoundedMap<string, number>(1);
    one.set('a', 1).set('b', 2);
    assert.deepEqual([...one.entries()], [['b', 2]]);
  });

  it('refuses a limit that is not a whole number of entries', () => {
    for (const limit of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      assert.throws(
        () => new BoundedMap(limit),
        (err: unknown) =>
          err instanceof ByodaError &&
          err.code === 'BYODA_ERR_CONFIG' &&
          err.message === `a cache's limit is a whole number of entries, 0 or more, not ${limit}`,
        String(limit),
      );
    }
    assert.equal(new BoundedMap(2 ** 53 - 1).limit, 2 ** 53 - 1);
  });

  it('is a Map: delete, clear and iteration behave as a Map does', () => {
    const map = new BoundedMap<string, number>(2);
    assert.ok(map instanceof Map);
    map.set('a', 1).set('b', 2);
    assert.equal(map.delete('a'), true);
    map.set('c', 3);
    assert.deepEqual([...map.keys()], ['b', 'c'], 'a deleted entry leaves room');
    map.clear();
    assert.equal(map.size, 0);
  });
});
