/**
 * Fuzz of the DNS server's wire handling in process (src/dns/responder.ts): random bytes, valid queries
 * with bytes changed, cut or grown, and plausible headers over garbage, over UDP and TCP limits. Oracle:
 * `replyTo` never throws; a reply is a DNS response to the same ID (QR set) that dns-packet decodes, is
 * within the transport's size limit, never answers NOERROR with records outside the zone; and the zone
 * is unchanged. The same packets over real sockets are in test/fuzz/network.test.ts.
 */
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import type { RecordType } from 'dns-packet';
import fc from 'fast-check';
import { Zone } from '../../src/dns/index.js';
import { CLASSIC_UDP_LIMIT, replyTo } from '../../src/dns/responder.js';
import type { ReplyContext } from '../../src/dns/responder.js';
import { FrameReader, frame } from '../../src/dns/tcp-framing.js';
import { FuzzTally, fuzzRuns, fuzzSeed } from '../fixtures/fuzz.js';
import { dnsPacketArbitrary } from './dns-packets.js';

const DOMAIN = 'byoda.test';
const POD = 'pod1.accounts.byoda.test';
const MAX_UDP = 1232;

function testZone(): Zone {
  const zone = new Zone({ domain: DOMAIN, nameServerAddress: { a: '127.0.0.1' } });
  zone.setAddress(POD, { a: '192.0.2.10', aaaa: '2001:db8::10', ttl: 120 });
  zone.setService(`_byoda._tcp.${POD}`, { target: POD, port: 8443 });
  for (let i = 0; i < 40; i++) zone.setAddress(`m${i}.members-7.${DOMAIN}`, { a: `192.0.2.${i + 20}` });
  return zone;
}

/** Everything the zone answers, as text: compared before and after. */
function zoneState(zone: Zone): string {
  const types: RecordType[] = ['A', 'AAAA', 'SRV', 'NS', 'SOA'];
  return JSON.stringify([
    zone.serial,
    zone.names().map((name) => types.map((type) => zone.lookup(name, type))),
  ]);
}

function inZone(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === DOMAIN || lower.endsWith(`.${DOMAIN}`);
}

/** What is wrong with the reply to `packet`, or undefined. */
function checkReply(packet: Buffer, zone: Zone, context: ReplyContext): string | undefined {
  let reply;
  try {
    reply = replyTo(packet, zone, context);
  } catch (err) {
    return `replyTo threw ${String(err)}`;
  }
  if (!reply.response) return undefined;
  const limit = context.transport === 'udp' ? context.maxUdpPayloadSize : 65535;
  if (reply.response.length > limit) return `a ${reply.response.length}-byte reply over ${context.transport}`;
  if (reply.response.readUInt16BE(0) !== packet.readUInt16BE(0)) return 'a reply with another ID';
  if ((reply.response[2]! & 0x80) === 0) return 'a reply without the QR bit';
  let decoded;
  try {
    decoded = dnsPacket.decode(reply.response);
  } catch (err) {
    return `a reply dns-packet cannot decode (${String(err)}), outcome ${reply.outcome}`;
  }
  const outside = (decoded.answers ?? []).find((answer) => !inZone(answer.name));
  if (outside) return `an answer outside the zone: ${outside.name}`;
  return undefined;
}

describe('fuzz: DNS wire handling (in process)', () => {
  it('answers or drops every packet, never throws, never changes the zone', (t) => {
    const zone = testZone();
    const before = zoneState(zone);
    const tally = new FuzzTally('dns-wire');
    const contexts: ReplyContext[] = [
      { transport: 'udp', maxUdpPayloadSize: MAX_UDP },
      { transport: 'udp', maxUdpPayloadSize: CLASSIC_UDP_LIMIT },
      { transport: 'tcp', maxUdpPayloadSize: MAX_UDP },
    ];
    fc.assert(
      fc.property(dnsPacketArbitrary(POD), fc.constantFrom(...contexts), (packet, context) => {
        const failure = checkReply(packet, zone, context);
        tally.record(failure && `${failure}; packet ${packet.toString('hex').slice(0, 200)}`);
      }),
      { numRuns: fuzzRuns(3000), seed: fuzzSeed() },
    );
    tally.record(zoneState(zone) === before ? undefined : 'the zone changed');
    tally.report(t);
  });

  it('reassembles TCP frames from any chunking, whatever the bytes', (t) => {
    const tally = new FuzzTally('dns-tcp-framing');
    fc.assert(
      fc.property(
        fc.array(dnsPacketArbitrary(POD), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 80 }), { minLength: 1, maxLength: 10 }),
        (packets, cuts) => {
          const stream = Buffer.concat(packets.map((packet) => frame(packet)));
          const reader = new FrameReader();
          const seen: Buffer[] = [];
          let offset = 0;
          for (let i = 0; offset < stream.length; i++) {
            const size = cuts[i % cuts.length]!;
            seen.push(...reader.push(stream.subarray(offset, offset + size)));
            offset += size;
          }
          const same =
            seen.length === packets.length &&
            seen.every((message, i) => message.equals(packets[i]!)) &&
            reader.pendingLength === 0;
          tally.record(same ? undefined : `frames of ${packets.length} packets came out as ${seen.length}`);
        },
      ),
      { numRuns: fuzzRuns(500), seed: fuzzSeed() },
    );
    tally.report(t);
  });
});
