import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRow, rawRowDecoder } from '../../../src/storage/sqlite/rows.js';
import { ITEM_FIELDS, dataClass } from './factory.js';

const items = dataClass('items', 'array', ITEM_FIELDS);

/** A row as SQLite holds it: bookkeeping, booleans as 0/1, nested values as JSON text, NULLs. */
const row: Record<string, unknown> = {
  _id: 7,
  _created_at: '2025-05-01T08:00:00.000Z',
  _updated_at: '2025-05-01T09:00:00.000Z',
  _origin: null,
  _expires_at: '2025-05-02T08:00:00.000Z',
  _signature: null,
  _appender: '1b9f0c2e-3d4a-4b5c-8d6e-7f8091a2b3c4',
  name: 'Ada',
  rank: 3,
  score: null,
  active: 0,
  item_id: '0b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
  seen: '2025-04-30T10:00:00.000Z',
  tags: '["a","b"]',
  owner: '{"id":"0b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5c","note":null}',
};

describe('storage: rows in raw mode decode as rows by name do', () => {
  it('gives the same record for the columns in table order and in the order of an upgraded table', () => {
    const expected = decodeRow(items, row);
    assert.equal(expected.data.active, false);
    assert.deepEqual(expected.data.tags, ['a', 'b']);
    assert.equal('score' in expected.data, false);
    assert.equal('origin' in expected.meta, false);
    const inTableOrder = Object.keys(row);
    // An upgrade adds columns at the end: fields need not follow the class's order, nor come after
    // the bookkeeping.
    const upgraded = [...inTableOrder.slice(7).reverse(), ...inTableOrder.slice(0, 7)];
    for (const columns of [inTableOrder, upgraded]) {
      const decode = rawRowDecoder(items, columns);
      assert.deepEqual(decode(columns.map((name) => row[name])), expected);
    }
  });

  it('refuses a statement without a column the class needs (a bug, never a wrong record)', () => {
    const columns = Object.keys(row).filter((name) => name !== 'seen');
    assert.throws(() => rawRowDecoder(items, columns), /the page statement has no column seen/);
  });
});
