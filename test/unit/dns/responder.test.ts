import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import type { DecodedPacket, OptAnswer, Packet, Question, RecordClass, RecordType } from 'dns-packet';
import fc from 'fast-check';
import { Zone } from '../../../src/dns/index.js';
import { replyTo } from '../../../src/dns/responder.js';
import type { ReplyContext } from '../../../src/dns/responder.js';

const POD = 'pod1.accounts.byoda.test';
const UDP: ReplyContext = { transport: 'udp', maxUdpPayloadSize: 1232 };
const TCP: ReplyContext = { transport: 'tcp', maxUdpPayloadSize: 1232 };
/** dns-packet encodes ANY (255); its typings leave it out. */
const ANY = 'ANY' as RecordType;

function testZone(): Zone {
  const zone = new Zone({ domain: 'byoda.test', nameServerAddress: { a: '127.0.0.1' } });
  zone.setAddress(POD, { a: '192.0.2.10', aaaa: '2001:db8::10', ttl: 120 });
  return zone;
}

function opt(udpPayloadSize = 4096, ednsVersion = 0): OptAnswer {
  return {
    type: 'OPT',
    name: '.',
    udpPayloadSize,
    extendedRcode: 0,
    ednsVersion,
    flags: 0,
    flag_do: false,
    options: [],
  };
}

function query(
  name: string,
  type: RecordType,
  extra: Partial<Packet> & { class?: RecordClass } = {},
): Buffer {
  const question: Question = { name, type, class: extra.class ?? 'IN' };
  return dnsPacket.encode({
    type: 'query',
    id: 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [question],
    ...extra,
  });
}

type Reply = DecodedPacket & { rcode?: string; opcode?: string };

function ask(zone: Zone, packet: Buffer, context = UDP): Reply {
  const { response } = replyTo(packet, zone, context);
  assert.ok(response, 'expected a reply');
  return dnsPacket.decode(response) as Reply;
}

describe('DNS responder', () => {
  describe('answers for the zone', () => {
    it('answers A authoritatively, echoing the ID, the question and the RD bit', () => {
      const reply = ask(testZone(), query(POD, 'A'));
      assert.equal(reply.id, 4242);
      assert.equal(reply.rcode, 'NOERROR');
      assert.equal(reply.flag_qr, true);
      assert.equal(reply.flag_aa, true);
      assert.equal(reply.flag_rd, true);
      assert.equal(reply.flag_ra, false);
      assert.deepEqual(reply.questions, [{ name: POD, type: 'A', class: 'IN' }]);
      assert.deepEqual(
        reply.answers?.map((a) => [
          a.name,
          a.type,
          'ttl' in a ? a.ttl : undefined,
          'data' in a ? a.data : undefined,
        ]),
        [[POD, 'A', 120, '192.0.2.10']],
      );
    });

    it('answers AAAA', () => {
      const reply = ask(testZone(), query(POD, 'AAAA'));
      assert.deepEqual(
        reply.answers?.map((a) => ('data' in a ? a.data : undefined)),
        ['2001:db8::10'],
      );
    });

    it('matches names case-insensitively and echoes them as asked', () => {
      const asked = 'PoD1.Accounts.BYODA.test';
      const reply = ask(testZone(), query(asked, 'A'));
      assert.equal(reply.questions?.[0]?.name, asked);
      assert.equal(reply.answers?.[0]?.name, asked);
    });

    it('gives NODATA (NOERROR, no answer, SOA in authority) for a type the name lacks', () => {
      const zone = testZone();
      zone.setAddress(POD, { a: '192.0.2.10' });
      const reply = ask(zone, query(POD, 'AAAA'));
      assert.equal(reply.rcode, 'NOERROR');
      assert.equal(reply.flag_aa, true);
      assert.deepEqual(reply.answers, []);
      assert.deepEqual(
        reply.authorities?.map((a) => a.type),
        ['SOA'],
      );
    });

    it('gives NODATA for types the zone never holds (MX, TXT, unknown numbers)', () => {
      for (const type of ['MX', 'TXT', 'UNKNOWN_65280'] as const) {
        const reply = ask(testZone(), query(POD, type as RecordType));
        assert.equal(reply.rcode, 'NOERROR', type);
        assert.deepEqual(reply.answers, [], type);
      }
    });

    it('gives NXDOMAIN with the SOA in authority for an unknown name under the zone', () => {
      const reply = ask(testZone(), query('nobody.accounts.byoda.test', 'A'));
      assert.equal(reply.rcode, 'NXDOMAIN');
      assert.equal(reply.flag_aa, true);
      assert.deepEqual(
        reply.authorities?.map((a) => [a.name, a.type]),
        [['byoda.test', 'SOA']],
      );
    });

    it('answers SOA and NS at the apex, with glue for the name server', () => {
      const zone = testZone();
      const soa = ask(zone, query('byoda.test', 'SOA'));
      assert.equal(soa.answers?.[0]?.type, 'SOA');
      const ns = ask(zone, query('byoda.test', 'NS'));
      assert.deepEqual(
        ns.answers?.map((a) => ('data' in a ? a.data : undefined)),
        ['dir.byoda.test'],
      );
      assert.deepEqual(
        ns.additionals?.map((a) => [a.name, a.type]),
        [['dir.byoda.test', 'A']],
      );
    });

    it('answers ANY with everything the name has', () => {
      const reply = ask(testZone(), query(POD, ANY));
      assert.deepEqual(
        reply.answers?.map((a) => a.type),
        ['A', 'AAAA'],
      );
    });

    it('treats a label that contains a dot as one label, not two', () => {
      // "pod1.accounts" as a single label: the same text as a real name, but another name.
      const packet = Buffer.concat([
        query('x.byoda.test', 'A').subarray(0, 12),
        Buffer.from([13]),
        Buffer.from('pod1.accounts'),
        Buffer.from([5]),
        Buffer.from('byoda'),
        Buffer.from([4]),
        Buffer.from('test'),
        Buffer.from([0, 0, 1, 0, 1]),
      ]);
      const reply = replyTo(packet, testZone(), UDP);
      assert.equal(reply.outcome, 'nxdomain');
      assert.ok(
        reply.response?.subarray(12, packet.length).equals(packet.subarray(12)),
        'question echoed byte for byte',
      );
    });
  });

  describe('refusals and errors', () => {
    it('refuses names outside the zone, without the AA bit', () => {
      for (const name of ['example.com', 'byoda.test.example.com', 'xbyoda.test', '.']) {
        const reply = ask(testZone(), query(name, 'A'));
        assert.equal(reply.rcode, 'REFUSED', name);
        assert.equal(reply.flag_aa, false, name);
      }
    });

    it('refuses zone transfers and classes other than IN', () => {
      assert.equal(ask(testZone(), query('byoda.test', 'AXFR'), TCP).rcode, 'REFUSED');
      assert.equal(ask(testZone(), query('byoda.test', 'IXFR')).rcode, 'REFUSED');
      assert.equal(ask(testZone(), query(POD, 'A', { class: 'CH' })).rcode, 'REFUSED');
    });

    it('answers class ANY like class IN', () => {
      assert.equal(ask(testZone(), query(POD, 'A', { class: 'ANY' })).answers?.length, 1);
    });

    it('gives NOTIMP for opcodes other than QUERY', () => {
      for (const opcode of [1, 2, 4, 5, 15]) {
        const packet = query(POD, 'A');
        packet.writeUInt16BE(packet.readUInt16BE(2) | (opcode << 11), 2);
        const reply = ask(testZone(), packet);
        assert.equal(reply.rcode, 'NOTIMP', `opcode ${opcode}`);
        assert.equal(reply.opcode, (dnsPacket.decode(packet) as Reply).opcode);
        assert.deepEqual(reply.answers, []);
      }
    });

    it('gives FORMERR, with the ID, when the header is readable but the rest is not', () => {
      const whole = query(POD, 'A');
      const cases = [
        whole.subarray(0, 12), // no question although the header counts one
        whole.subarray(0, 20), // question cut short
        Buffer.concat([whole.subarray(0, 12), Buffer.from([0xc0, 0x00, 0, 1, 0, 1])]), // pointer in question
        dnsPacket.encode({ type: 'query', id: 4242, questions: [] }), // no question
        dnsPacket.encode({
          type: 'query',
          id: 4242,
          questions: [
            { name: POD, type: 'A' },
            { name: POD, type: 'AAAA' },
          ],
        }),
        query(POD, 'A', { additionals: [opt(), opt()] }), // two OPT records
        query(POD, 'OPT'), // OPT is not a question type
      ];
      for (const [index, packet] of cases.entries()) {
        const reply = ask(testZone(), packet);
        assert.equal(reply.rcode, 'FORMERR', `case ${index}`);
        assert.equal(reply.id, 4242, `case ${index}`);
      }
    });

    it('drops packets too short for a header, and responses', () => {
      for (const packet of [Buffer.alloc(0), Buffer.alloc(11), Buffer.from('hello')]) {
        assert.equal(replyTo(packet, testZone(), UDP).response, undefined);
      }
      const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: POD, type: 'A' }] });
      assert.deepEqual(replyTo(response, testZone(), UDP), {
        response: undefined,
        outcome: 'dropped',
        detail: 'a response',
      });
    });
  });

  describe('EDNS and size limits', () => {
    it('echoes an OPT record, advertising the server limit', () => {
      const reply = ask(testZone(), query(POD, 'A', { additionals: [opt(4096)] }));
      const echoed = reply.additionals?.find((a) => a.type === 'OPT') as OptAnswer | undefined;
      assert.equal(echoed?.udpPayloadSize, 1232);
      assert.equal(echoed?.ednsVersion, 0);
    });

    it('sends no OPT record to a client that sent none', () => {
      assert.deepEqual(ask(testZone(), query(POD, 'A')).additionals, []);
    });

    it('answers BADVERS to EDNS versions above 0', () => {
      const reply = ask(testZone(), query(POD, 'A', { additionals: [opt(4096, 1)] }));
      const echoed = reply.additionals?.find((a) => a.type === 'OPT') as OptAnswer | undefined;
      assert.equal(echoed?.extendedRcode, 1, 'BADVERS is extended RCODE 16');
      assert.deepEqual(reply.answers, []);
    });

    it('truncates a UDP answer over 512 bytes without EDNS, and not over TCP or with EDNS', () => {
      const zone = testZone();
      // dns-packet does not compress names: each of these records takes 40 bytes, about 850 in all.
      const many = Array.from({ length: 20 }, (_, i) => `192.0.2.${i + 1}`);
      zone.setAddress(POD, { a: many });

      const plain = ask(zone, query(POD, 'A'));
      assert.equal(plain.flag_tc, true);
      assert.deepEqual(plain.answers, []);
      assert.equal(plain.questions?.[0]?.name, POD);

      assert.equal(ask(zone, query(POD, 'A'), TCP).answers?.length, 20);
      const withEdns = ask(zone, query(POD, 'A', { additionals: [opt(1232)] }));
      assert.equal(withEdns.flag_tc, false);
      assert.equal(withEdns.answers?.length, 20);
    });

    it('truncates over the EDNS size the client gives, and never above the server limit', () => {
      const zone = testZone();
      zone.setAddress(POD, { a: Array.from({ length: 20 }, (_, i) => `192.0.2.${i + 1}`) });
      assert.equal(ask(zone, query(POD, 'A', { additionals: [opt(800)] })).flag_tc, true);
      assert.equal(ask(zone, query(POD, 'A', { additionals: [opt(4096)] })).flag_tc, false);
      const small: ReplyContext = { transport: 'udp', maxUdpPayloadSize: 600 };
      assert.equal(ask(zone, query(POD, 'A', { additionals: [opt(4096)] }), small).flag_tc, true);
    });
  });

  describe('robustness', () => {
    it('never throws, whatever the bytes', () => {
      const zone = testZone();
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (bytes) => {
          replyTo(Buffer.from(bytes), zone, UDP);
        }),
        { numRuns: 2000 },
      );
    });

    it('never throws on a valid query with bytes changed', () => {
      const zone = testZone();
      const base = query(POD, 'A', { additionals: [opt()] });
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
          fc.nat(base.length),
          (edits, cut) => {
            const packet = Buffer.from(base.subarray(0, Math.max(12, cut)));
            for (const [offset, value] of edits) if (offset < packet.length) packet[offset] = value;
            const reply = replyTo(packet, zone, UDP);
            if (reply.response) dnsPacket.decode(reply.response);
          },
        ),
        { numRuns: 2000 },
      );
    });
  });
});
