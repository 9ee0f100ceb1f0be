/**
 * DNS messages for the fuzz suites (not a test file): valid queries for names of the zone and outside
 * it, and the same with bytes changed, cut, grown, or their counts rewritten, random bytes, and a
 * plausible header over garbage (which gets past the first checks into the parser).
 */
import dnsPacket from 'dns-packet';
import type { Packet, RecordType } from 'dns-packet';
import fc from 'fast-check';

const TYPES = ['A', 'AAAA', 'SRV', 'NS', 'SOA', 'TXT', 'MX', 'CNAME', 'ANY', 'PTR', 'CAA'] as RecordType[];

/** A label as DNS clients and attackers write them: letters, digits, dashes, odd bytes, long ones. */
const label = fc.oneof(
  fc.stringMatching(/^[a-z0-9-]{1,20}$/),
  fc.string({ minLength: 1, maxLength: 63 }),
  fc.constant('x'.repeat(63)),
  fc.constantFrom('*', '_byoda', '_tcp', 'accounts', 'members-7', 'BYODA', 'xn--bcher-kva'),
);

function queryName(pod: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(pod, pod.toUpperCase(), 'byoda.test', `_byoda._tcp.${pod}`, 'example.com', '.'),
    fc.array(label, { minLength: 1, maxLength: 6 }).map((labels) => `${labels.join('.')}.byoda.test`),
    fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
  );
}

function encodeQuery(name: string, type: RecordType, id: number, edns: number | undefined): Buffer | null {
  const packet: Packet = {
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    ...(edns === undefined
      ? {}
      : {
          additionals: [
            {
              type: 'OPT',
              name: '.',
              udpPayloadSize: edns,
              extendedRcode: 0,
              ednsVersion: edns % 3 === 0 ? 1 : 0,
              flags: 0,
              flag_do: false,
              options: [],
            },
          ],
        }),
  };
  try {
    return dnsPacket.encode(packet);
  } catch {
    return null; // a name dns-packet will not encode (e.g. a label over 63 bytes)
  }
}

/** A valid query, as bytes. */
export function validQueryArbitrary(pod: string): fc.Arbitrary<Buffer> {
  return fc
    .tuple(
      queryName(pod),
      fc.constantFrom(...TYPES),
      fc.integer({ min: 0, max: 0xffff }),
      fc.option(fc.integer({ min: 0, max: 0xffff })),
    )
    .map(([name, type, id, edns]) => encodeQuery(name, type, id, edns ?? undefined))
    .filter((packet): packet is Buffer => packet !== null);
}

function mutate(base: Buffer, edits: readonly [number, number][]): Buffer {
  const out = Buffer.from(base);
  for (const [at, value] of edits) out[at % out.length] = value;
  return out;
}

const byte = fc.integer({ min: 0, max: 255 });

/** Any of the kinds of message above. */
export function dnsPacketArbitrary(pod: string): fc.Arbitrary<Buffer> {
  const valid = validQueryArbitrary(pod);
  return fc.oneof(
    valid,
    fc.uint8Array({ maxLength: 700 }).map((bytes) => Buffer.from(bytes)),
    fc
      .tuple(valid, fc.array(fc.tuple(fc.nat(), byte), { minLength: 1, maxLength: 8 }))
      .map(([base, edits]) => mutate(base, edits)),
    fc.tuple(valid, fc.nat()).map(([base, cut]) => Buffer.from(base.subarray(0, cut % (base.length + 1)))),
    fc
      .tuple(valid, fc.uint8Array({ maxLength: 300 }))
      .map(([base, tail]) => Buffer.concat([base, Buffer.from(tail)])),
    // The header's counts (questions, answers, authorities, additionals) rewritten.
    fc
      .tuple(valid, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffff }))
      .map(([base, which, count]) => {
        const out = Buffer.from(base);
        out.writeUInt16BE(count, 4 + 2 * which);
        return out;
      }),
    // Header flags rewritten: opcodes, the QR bit, truncation, reserved bits.
    fc.tuple(valid, fc.integer({ min: 0, max: 0xffff })).map(([base, flags]) => {
      const out = Buffer.from(base);
      out.writeUInt16BE(flags, 2);
      return out;
    }),
    // A compression pointer that points at itself or forward.
    valid.map((base) => {
      const out = Buffer.from(base);
      if (out.length > 14) out.writeUInt16BE(0xc00c, 12);
      return out;
    }),
  );
}
