import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createQueryMemory } from '../../../src/federation/index.js';

const ID = '0b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('query-id memory (spec §8: one visit per pod)', () => {
  it('answers true on the first visit and false on every repeat', () => {
    const memory = createQueryMemory();
    assert.equal(memory.firstVisit(ID), true);
    assert.equal(memory.firstVisit(ID), false);
    assert.equal(memory.firstVisit(ID.toUpperCase()), false, 'UUIDs compare without case');
    assert.equal(memory.firstVisit(id(1)), true);
    assert.equal(memory.size, 2);
  });

  it('forgets an id after its time (5 minutes by default)', () => {
    let now = 1_000_000;
    const memory = createQueryMemory({ now: () => now });
    memory.firstVisit(ID);
    now += 5 * 60_000 - 1;
    assert.equal(memory.firstVisit(ID), false);
    now += 1;
    assert.equal(memory.has(ID), false);
    assert.equal(memory.firstVisit(ID), true, 'seen again after expiry: a new visit');
  });

  it('expires from the oldest and keeps the younger ids', () => {
    let now = 0;
    const memory = createQueryMemory({ ttlMs: 1000, now: () => now });
    memory.firstVisit(id(1));
    now = 500;
    memory.firstVisit(id(2));
    now = 1000;
    assert.equal(memory.has(id(1)), false);
    assert.equal(memory.has(id(2)), true);
    assert.equal(memory.size, 1);
  });

  it('stays within its bound, forgetting the oldest ids first', () => {
    const memory = createQueryMemory({ maxEntries: 100 });
    for (let n = 0; n < 250; n++) assert.equal(memory.firstVisit(id(n)), true);
    assert.equal(memory.size, 100);
    assert.equal(memory.has(id(149)), false);
    assert.equal(memory.has(id(150)), true);
    assert.equal(memory.firstVisit(id(249)), false);
  });
});
