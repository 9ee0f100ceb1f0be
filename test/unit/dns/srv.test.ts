import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import type { DecodedPacket, SrvAnswer, StringAnswer } from 'dns-packet';
import {
  MemoryZoneStore,
  SqliteZoneStore,
  Zone,
  byodaSrvName,
  srvOwnerHost,
} from '../../../src/dns/index.js';
import { replyTo } from '../../../src/dns/responder.js';
import { sortSrv } from '../../../src/dns/resolver.js';
import { formatSrv, parseSrv, toSrvData } from '../../../src/dns/srv.js';
import { isByodaError } from '../../../src/errors/index.js';
import type { ZoneStore } from '../../../src/dns/index.js';

const HOST = '0f8e2b6a-3c1d-4e5f-8a9b-0c1d2e3f4a5b.members-7.byoda.test';
const SRV_NAME = `_byoda._tcp.${HOST}`;

function zoneWithMember(store: ZoneStore = new MemoryZoneStore()): Zone {
  const zone = new Zone({ domain: 'byoda.test', store, nameServerAddress: { a: '127.0.0.1' } });
  zone.setAddress(HOST, { a: '127.0.0.5' });
  zone.setService(SRV_NAME, { port: 4444 });
  return zone;
}

describe('SRV names and values', () => {
  it('puts the BYODA prefix before a name, folding case', () => {
    assert.equal(byodaSrvName('Service.Service-1.byoda.test.'), '_byoda._tcp.service.service-1.byoda.test');
  });

  it('finds the host an SRV owner name is about', () => {
    assert.equal(srvOwnerHost(SRV_NAME), HOST);
    assert.equal(srvOwnerHost('_ldap._udp.x.test'), 'x.test');
    assert.equal(srvOwnerHost(HOST), undefined);
    assert.equal(srvOwnerHost('_byoda._sctp.x.test'), undefined);
    assert.equal(srvOwnerHost('_byoda._tcp.'), undefined);
  });

  it('defaults the target to the host and priority/weight to 0', () => {
    assert.deepEqual(toSrvData(SRV_NAME, { port: 1 }), { priority: 0, weight: 0, port: 1, target: HOST });
    assert.deepEqual(toSrvData(SRV_NAME, { port: 9, target: 'Other.test.', priority: 3, weight: 5 }), {
      priority: 3,
      weight: 5,
      port: 9,
      target: 'other.test',
    });
  });

  it('refuses ports 0 and above 65535, bad targets and owner names without _service._tcp', () => {
    for (const input of [
      { port: 0 },
      { port: 65536 },
      { port: 1.5 },
      { port: 1, target: 'a b' },
      { port: 1, weight: -1 },
    ]) {
      assert.throws(
        () => toSrvData(SRV_NAME, input),
        (err) => isByodaError(err) && err.code === 'BYODA_ERR_DNS',
      );
    }
    assert.throws(() => toSrvData(HOST, { port: 1 }), /not an SRV owner name/);
  });

  it('round-trips through its stored text and rejects text it did not write', () => {
    const data = toSrvData(SRV_NAME, { port: 65535, priority: 1, weight: 2 });
    assert.deepEqual(parseSrv(formatSrv(data)), data);
    for (const bad of ['', '1 2 3', '1 2 99999 x.test', 'a b c d', '1 2 3 bad name', '1 2 3 x.test extra']) {
      assert.equal(parseSrv(bad), undefined, bad);
    }
  });

  it('sorts resolver answers by priority, then by weight (heaviest first)', () => {
    const sorted = sortSrv([
      { name: 'c', port: 3, priority: 10, weight: 0 },
      { name: 'a', port: 1, priority: 0, weight: 1 },
      { name: 'b', port: 2, priority: 0, weight: 9 },
    ]);
    assert.deepEqual(
      sorted.map((r) => r.target),
      ['b', 'a', 'c'],
    );
  });
});

describe('zone SRV records', () => {
  it('answers SRV with the target as the host and keeps the host’s addresses apart', () => {
    const zone = zoneWithMember();
    const result = zone.lookup(SRV_NAME, 'SRV');
    assert.equal(result.status, 'answer');
    if (result.status !== 'answer') return;
    assert.deepEqual(result.answers, [
      { name: SRV_NAME, type: 'SRV', ttl: 300, data: { priority: 0, weight: 0, port: 4444, target: HOST } },
    ]);
    // RFC 2782: the target's address rides along in the additional section.
    assert.deepEqual(result.additionals, [{ name: HOST, type: 'A', ttl: 300, data: '127.0.0.5' }]);
    assert.equal(zone.lookup(SRV_NAME, 'A').status, 'nodata');
    assert.equal(zone.lookup(HOST, 'SRV').status, 'nodata');
  });

  it('replaces the port on re-registration, bumping the serial only on a change', () => {
    const zone = zoneWithMember();
    const serial = zone.serial;
    assert.equal(zone.setService(SRV_NAME, { port: 4444 }), false);
    assert.equal(zone.serial, serial);
    assert.equal(zone.setService(SRV_NAME, { port: 5555 }), true);
    assert.equal(zone.serial, serial + 1);
    const result = zone.lookup(SRV_NAME, 'SRV');
    assert.ok(result.status === 'answer' && result.answers[0]?.type === 'SRV');
    assert.equal(result.answers[0].data.port, 5555);
  });

  it('keeps SRV records when the same name’s addresses change, and the reverse', () => {
    const zone = new Zone({ domain: 'byoda.test' });
    zone.setService(SRV_NAME, { port: 1 });
    zone.setAddress(SRV_NAME, { a: '10.0.0.1' });
    assert.equal(zone.lookup(SRV_NAME, 'SRV').status, 'answer');
    zone.setService(SRV_NAME, { port: 2 });
    assert.equal(zone.lookup(SRV_NAME, 'A').status, 'answer');
    assert.equal(zone.lookup(SRV_NAME, 'ANY').status, 'answer');
  });

  it('removes an SRV record, and the name with it when nothing is left', () => {
    const zone = zoneWithMember();
    assert.equal(zone.removeService(SRV_NAME), true);
    assert.equal(zone.removeService(SRV_NAME), false);
    assert.equal(zone.lookup(SRV_NAME, 'SRV').status, 'nxdomain');
    assert.ok(!zone.names().includes(SRV_NAME));
  });

  it('persists SRV records in the SQLite store', () => {
    const store = new SqliteZoneStore(':memory:');
    const zone = zoneWithMember(store);
    const reopened = new Zone({ domain: 'byoda.test', store });
    assert.deepEqual(reopened.lookup(SRV_NAME, 'SRV'), zone.lookup(SRV_NAME, 'SRV'));
    store.close();
  });

  it('encodes SRV answers on the wire', () => {
    const zone = zoneWithMember();
    const packet = dnsPacket.encode({
      type: 'query',
      id: 9,
      questions: [{ name: SRV_NAME, type: 'SRV', class: 'IN' }],
    });
    const reply = replyTo(packet, zone, { transport: 'udp', maxUdpPayloadSize: 1232 });
    assert.equal(reply.outcome, 'answer');
    assert.ok(reply.response);
    const decoded = dnsPacket.decode(reply.response) as DecodedPacket;
    assert.deepEqual((decoded.answers?.[0] as SrvAnswer | undefined)?.data, {
      priority: 0,
      weight: 0,
      port: 4444,
      target: HOST,
    });
    assert.equal((decoded.additionals?.[0] as StringAnswer | undefined)?.data, '127.0.0.5');
  });
});
