import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryZoneStore, SqliteZoneStore, Zone } from '../../../src/dns/index.js';
import type { StoredRecord, ZoneStore } from '../../../src/dns/index.js';

const POD = 'pod1.accounts.byoda.test';

function record(type: 'A' | 'AAAA', value: string, ttl = 300): StoredRecord {
  return { name: POD, type, value, ttl };
}

function describeStore(kind: string, open: () => ZoneStore): void {
  describe(`${kind} zone store`, () => {
    it('starts empty, without a serial', () => {
      const store = open();
      assert.deepEqual(store.load(), { records: [], serial: undefined });
      store.close();
    });

    it('replaces the records of one name and keeps the serial', () => {
      const store = open();
      store.replace(POD, [record('A', '192.0.2.1'), record('AAAA', '2001:db8::1')], 2);
      store.replace(
        'pod2.accounts.byoda.test',
        [{ ...record('A', '192.0.2.2'), name: 'pod2.accounts.byoda.test' }],
        3,
      );
      store.replace(POD, [record('A', '192.0.2.9', 60)], 4);
      const loaded = store.load();
      assert.equal(loaded.serial, 4);
      assert.deepEqual(
        loaded.records.map((r) => [r.name, r.type, r.value, r.ttl]),
        [
          [POD, 'A', '192.0.2.9', 60],
          ['pod2.accounts.byoda.test', 'A', '192.0.2.2', 300],
        ],
      );
      store.close();
    });

    it('removes a name when given no records', () => {
      const store = open();
      store.replace(POD, [record('A', '192.0.2.1')], 2);
      store.replace(POD, [], 3);
      assert.deepEqual(store.load(), { records: [], serial: 3 });
      store.close();
    });
  });
}

describeStore('in-memory', () => new MemoryZoneStore());
describeStore('SQLite', () => new SqliteZoneStore(':memory:'));

describe('SQLite zone store on disk', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-dns-store-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps records and serial across close and reopen', () => {
    const file = join(dir, 'nested', 'zone.sqlite');
    const first = new SqliteZoneStore(file);
    first.replace(POD, [record('A', '192.0.2.1')], 7);
    first.close();
    const second = new SqliteZoneStore(file);
    assert.deepEqual(second.load(), { records: [record('A', '192.0.2.1')], serial: 7 });
    second.close();
  });

  it('rebuilds a zone with the same answers and a serial that keeps growing', () => {
    const file = join(dir, 'zone.sqlite');
    const zone = new Zone({
      domain: 'byoda.test',
      store: new SqliteZoneStore(file),
      nameServerAddress: { a: '127.0.0.1' },
    });
    zone.setAddress(POD, { a: '192.0.2.1', aaaa: '2001:db8::1', ttl: 120 });
    const serial = zone.serial;
    zone.close();

    const reopened = new Zone({
      domain: 'byoda.test',
      store: new SqliteZoneStore(file),
      nameServerAddress: { a: '127.0.0.1' },
    });
    assert.equal(reopened.serial, serial, 'an unchanged name server address is not a change');
    assert.deepEqual(reopened.lookup(POD, 'AAAA'), {
      status: 'answer',
      answers: [{ name: POD, type: 'AAAA', ttl: 120, data: '2001:db8::1' }],
      additionals: [],
    });
    assert.equal(reopened.lookup('accounts.byoda.test', 'A').status, 'nodata');
    reopened.setAddress(POD, { a: '192.0.2.2' });
    assert.equal(reopened.serial, serial + 1);
    reopened.close();
  });

  it('ignores records of another domain in a reused file', () => {
    const file = join(dir, 'other.sqlite');
    const store = new SqliteZoneStore(file);
    store.replace('pod.other.test', [{ name: 'pod.other.test', type: 'A', value: '192.0.2.1', ttl: 300 }], 5);
    const zone = new Zone({ domain: 'byoda.test', store });
    assert.deepEqual(zone.names(), []);
    assert.equal(zone.lookup('pod.other.test', 'A').status, 'outside');
    zone.close();
  });
});
