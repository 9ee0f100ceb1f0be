import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SOA_TIMERS, DEFAULT_TTL, Zone } from '../../../src/dns/index.js';
import type { LookupResult, ZoneRecord } from '../../../src/dns/index.js';
import { isByodaError } from '../../../src/errors/index.js';

const POD = '6a1b3c4d-0000-4000-8000-000000000001.accounts.byoda.test';

function newZone(options: Partial<ConstructorParameters<typeof Zone>[0]> = {}): Zone {
  return new Zone({ domain: 'byoda.test', nameServerAddress: { a: '127.0.0.1' }, ...options });
}

function answers(result: LookupResult): readonly ZoneRecord[] {
  assert.equal(result.status, 'answer');
  return result.status === 'answer' ? result.answers : [];
}

function dataOf(result: LookupResult): unknown[] {
  return answers(result).map((record) => record.data);
}

function isDnsError(err: unknown): boolean {
  return isByodaError(err) && err.code === 'BYODA_ERR_DNS';
}

describe('zone', () => {
  describe('address records', () => {
    it('answers A and AAAA records that were set, with the default TTL', () => {
      const zone = newZone();
      zone.setAddress(POD, { a: '192.0.2.10', aaaa: '2001:db8::10' });
      assert.deepEqual(zone.lookup(POD, 'A'), {
        status: 'answer',
        answers: [{ name: POD, type: 'A', ttl: DEFAULT_TTL, data: '192.0.2.10' }],
        additionals: [],
      });
      assert.deepEqual(dataOf(zone.lookup(POD, 'AAAA')), ['2001:db8::10']);
    });

    it('keeps the TTL given with the addresses', () => {
      const zone = newZone();
      zone.setAddress(POD, { a: '192.0.2.10', ttl: 42 });
      assert.equal(answers(zone.lookup(POD, 'A'))[0]?.ttl, 42);
    });

    it('uses the configured default TTL', () => {
      const zone = newZone({ defaultTtl: 30 });
      zone.setAddress(POD, { a: '192.0.2.10' });
      assert.equal(answers(zone.lookup(POD, 'A'))[0]?.ttl, 30);
    });

    it('holds several addresses of one type, sorted and without duplicates', () => {
      const zone = newZone();
      zone.setAddress(POD, { a: ['192.0.2.2', '192.0.2.1', '192.0.2.2'] });
      assert.deepEqual(dataOf(zone.lookup(POD, 'A')), ['192.0.2.1', '192.0.2.2']);
    });

    it('folds case and tolerates a trailing dot, in setting and in lookups', () => {
      const zone = newZone();
      zone.setAddress(`${POD.toUpperCase()}.`, { a: '192.0.2.10' });
      assert.deepEqual(zone.names(), [POD, 'dir.byoda.test']);
      assert.deepEqual(dataOf(zone.lookup(`${POD}.`, 'a')), ['192.0.2.10']);
      assert.deepEqual(dataOf(zone.lookup(POD.replace('accounts', 'ACCOUNTS'), 'A')), ['192.0.2.10']);
    });

    it('replaces every address on re-registration, dropping a family not given again', () => {
      const zone = newZone();
      zone.setAddress(POD, { a: '192.0.2.10', aaaa: '2001:db8::10' });
      zone.setAddress(POD, { a: '192.0.2.99' });
      assert.deepEqual(dataOf(zone.lookup(POD, 'A')), ['192.0.2.99']);
      assert.equal(zone.lookup(POD, 'AAAA').status, 'nodata');
    });

    it('removes a name, which then does not exist', () => {
      const zone = newZone();
      zone.setAddress(POD, { a: '192.0.2.10' });
      assert.equal(zone.remove(POD), true);
      assert.equal(zone.remove(POD), false);
      assert.equal(zone.lookup(POD, 'A').status, 'nxdomain');
    });
  });

  describe('SOA serial', () => {
    it('grows by one on every change', () => {
      const zone = newZone();
      const start = zone.serial;
      zone.setAddress(POD, { a: '192.0.2.10' });
      assert.equal(zone.serial, start + 1);
      zone.setAddress(POD, { a: '192.0.2.11' });
      assert.equal(zone.serial, start + 2);
      zone.remove(POD);
      assert.equal(zone.serial, start + 3);
    });

    it('does not change when a registration repeats the same addresses', () => {
      const zone = newZone();
      zone.setAddress(POD, { a: '192.0.2.10' });
      const serial = zone.serial;
      assert.equal(zone.setAddress(POD, { a: '192.0.2.10' }), false);
      assert.equal(zone.remove('nobody.accounts.byoda.test'), false);
      assert.equal(zone.serial, serial);
    });

    it('is what the SOA record carries', () => {
      const zone = newZone();
      zone.setAddress(POD, { a: '192.0.2.10' });
      const soa = answers(zone.lookup('byoda.test', 'SOA'))[0];
      assert.equal(soa?.type, 'SOA');
      if (soa?.type === 'SOA') {
        assert.equal(soa.data.serial, zone.serial);
        assert.equal(soa.data.mname, 'dir.byoda.test');
        assert.equal(soa.data.rname, 'hostmaster.byoda.test');
        assert.equal(soa.data.minimum, DEFAULT_SOA_TIMERS.minimum);
      }
    });
  });

  describe('lookups', () => {
    it('gives NXDOMAIN with the SOA, at its negative-caching TTL, for an unknown name', () => {
      const zone = newZone({ soa: { minimum: 15 } });
      const result = zone.lookup('unknown.accounts.byoda.test', 'A');
      assert.equal(result.status, 'nxdomain');
      if (result.status === 'nxdomain') {
        assert.equal(result.authority[0]?.type, 'SOA');
        assert.equal(result.authority[0]?.ttl, 15);
      }
    });

    it('gives NODATA for a known name without records of the type asked', () => {
      const zone = newZone();
      zone.setAddress(POD, { a: '192.0.2.10' });
      assert.equal(zone.lookup(POD, 'AAAA').status, 'nodata');
      assert.equal(zone.lookup(POD, 'TXT').status, 'nodata');
    });

    it('treats a name with names below it as existing (an empty non-terminal)', () => {
      const zone = newZone();
      zone.setAddress(POD, { a: '192.0.2.10' });
      assert.equal(zone.lookup('accounts.byoda.test', 'A').status, 'nodata');
      zone.remove(POD);
      assert.equal(zone.lookup('accounts.byoda.test', 'A').status, 'nxdomain');
    });

    it('answers SOA and NS at the apex, with the name server address as glue', () => {
      const zone = newZone();
      assert.equal(answers(zone.lookup('byoda.test', 'SOA'))[0]?.type, 'SOA');
      const ns = zone.lookup('byoda.test', 'NS');
      assert.deepEqual(dataOf(ns), ['dir.byoda.test']);
      assert.deepEqual(ns.status === 'answer' ? ns.additionals.map((r) => r.data) : [], ['127.0.0.1']);
      assert.deepEqual(dataOf(zone.lookup('dir.byoda.test', 'A')), ['127.0.0.1']);
    });

    it('answers SOA and NS only at the apex', () => {
      const zone = newZone();
      zone.setAddress(POD, { a: '192.0.2.10' });
      assert.equal(zone.lookup(POD, 'SOA').status, 'nodata');
      assert.equal(zone.lookup(POD, 'NS').status, 'nodata');
    });

    it('answers ANY with every record of the name', () => {
      const zone = newZone();
      zone.setAddress(POD, { a: '192.0.2.10', aaaa: '2001:db8::10' });
      assert.deepEqual(
        answers(zone.lookup(POD, 'ANY')).map((r) => r.type),
        ['A', 'AAAA'],
      );
      assert.deepEqual(
        answers(zone.lookup('byoda.test', 'ANY')).map((r) => r.type),
        ['SOA', 'NS'],
      );
    });

    it('says "outside" for names not under the domain', () => {
      const zone = newZone();
      for (const name of ['example.com', 'byoda.test.example.com', 'xbyoda.test', 'test', '.']) {
        assert.equal(zone.lookup(name, 'A').status, 'outside', name);
      }
    });
  });

  describe('refusals', () => {
    it('refuses names outside the zone', () => {
      const zone = newZone();
      assert.throws(() => zone.setAddress('pod.example.com', { a: '192.0.2.10' }), isDnsError);
      assert.throws(() => zone.setAddress('evilbyoda.test', { a: '192.0.2.10' }), isDnsError);
      assert.throws(() => zone.remove('pod.example.com'), isDnsError);
    });

    it('refuses names that are not host names', () => {
      const zone = newZone();
      for (const name of [
        'a..byoda.test',
        'a b.byoda.test',
        `${'x'.repeat(64)}.byoda.test`,
        '-a.byoda.test',
      ]) {
        assert.throws(() => zone.setAddress(name, { a: '192.0.2.10' }), isDnsError, name);
      }
    });

    it('refuses bad addresses, no address at all, and bad TTLs', () => {
      const zone = newZone();
      assert.throws(() => zone.setAddress(POD, { a: '2001:db8::1' }), isDnsError);
      assert.throws(() => zone.setAddress(POD, { aaaa: '192.0.2.1' }), isDnsError);
      assert.throws(() => zone.setAddress(POD, { a: '192.0.2.300' }), isDnsError);
      assert.throws(() => zone.setAddress(POD, {}), isDnsError);
      assert.throws(() => zone.setAddress(POD, { a: [] }), isDnsError);
      assert.throws(() => zone.setAddress(POD, { a: '192.0.2.1', ttl: -1 }), isDnsError);
      assert.throws(() => zone.setAddress(POD, { a: '192.0.2.1', ttl: 1.5 }), isDnsError);
      assert.throws(() => newZone({ defaultTtl: 2 ** 31 }), isDnsError);
    });

    it('keeps the name server name, which the NS record points to', () => {
      const zone = newZone();
      assert.throws(() => zone.remove('dir.byoda.test'), isDnsError);
    });

    it('refuses a domain that is not a name', () => {
      assert.throws(() => new Zone({ domain: 'not a domain' }), isDnsError);
    });
  });
});
