import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import dnsPacket from 'dns-packet';
import { pino } from 'pino';
import { DnsServer, Zone } from '../../../src/dns/index.js';
import type { RecordType } from 'dns-packet';
import { TcpDnsClient, queryPacket, udpExchange, udpSendAll } from './dns-clients.js';
import type { DnsReply } from './dns-clients.js';
import { mulberry32 } from '../../fixtures/seeded-random.js';

const POD = 'pod1.accounts.byoda.test';

function validQueries(): Buffer[] {
  const opt = {
    type: 'OPT' as const,
    name: '.',
    udpPayloadSize: 4096,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [],
  };
  return [
    dnsPacket.encode(queryPacket(POD, 'A')),
    dnsPacket.encode(queryPacket('byoda.test', 'SOA', 2, { additionals: [opt] })),
    dnsPacket.encode(queryPacket('nobody.byoda.test', 'AAAA', 3)),
    dnsPacket.encode(queryPacket('example.com', 'ANY' as RecordType, 4, { additionals: [opt] })),
  ];
}

/** Random bytes, truncated valid queries, and valid queries with a few bytes changed. */
function garbagePackets(count: number, random: () => number): Buffer[] {
  const bases = validQueries();
  const packets: Buffer[] = [];
  for (let i = 0; i < count; i += 1) {
    const base = bases[i % bases.length] ?? Buffer.alloc(0);
    switch (i % 4) {
      case 0:
        packets.push(randomBytes(Math.floor(random() * 600)));
        break;
      case 1:
        packets.push(Buffer.from(base.subarray(0, Math.floor(random() * base.length))));
        break;
      case 2: {
        const mutated = Buffer.from(base);
        for (let k = 0; k < 1 + Math.floor(random() * 6); k += 1) {
          mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
        }
        packets.push(mutated);
        break;
      }
      default: {
        // A plausible header over random bytes: gets past the first checks into the parser.
        const packet = Buffer.concat([base.subarray(0, 12), randomBytes(Math.floor(random() * 300))]);
        packet.writeUInt16BE(Math.floor(random() * 4), 4 + 2 * Math.floor(random() * 4));
        packets.push(packet);
      }
    }
  }
  return packets;
}

/** Sends raw bytes over a fresh TCP connection and closes it (or lets the server do so). */
function sendRawTcp(port: number, bytes: Buffer, endAfterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      socket.write(bytes);
      setTimeout(() => socket.destroy(), endAfterMs);
    });
    socket.on('data', () => undefined);
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
}

describe('DNS server under garbage', () => {
  const zone = new Zone({ domain: 'byoda.test', nameServerAddress: { a: '127.0.0.1' } });
  const levels: number[] = [];
  const outcomes = new Set<string>();
  let queriesLogged = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { level: number; outcome?: string };
        levels.push(entry.level);
        if (entry.outcome) {
          outcomes.add(entry.outcome);
          queriesLogged += 1;
        }
      }
      done();
    },
  });
  const server = new DnsServer({ zone, logger: pino({ level: 'debug' }, sink), tcpIdleTimeoutMs: 300 });
  let port = 0;
  const seed = Number(process.env['BYODA_FUZZ_SEED'] ?? Date.now() % 100000);

  before(async () => {
    zone.setAddress(POD, { a: '127.0.0.11', aaaa: '::1' });
    ({ port } = await server.start());
  });

  after(async () => {
    await server.stop();
    zone.close();
  });

  async function assertStillAnswers(): Promise<void> {
    const resolver = new Resolver({ timeout: 1000, tries: 2 });
    resolver.setServers([`127.0.0.1:${port}`]);
    assert.deepEqual(await resolver.resolve4(POD), ['127.0.0.11']);
    assert.deepEqual(await resolver.resolve6(POD), ['::1']);
    await assert.rejects(resolver.resolve4('nobody.byoda.test'), { code: 'ENOTFOUND' });
    const client = await TcpDnsClient.connect(port);
    const reply = await client.query(queryPacket(POD, 'A', 77));
    client.close();
    assert.equal(reply.answers?.length, 1);
  }

  it(`survives hundreds of random, truncated and mutated UDP packets (seed ${seed})`, async () => {
    const packets = garbagePackets(800, mulberry32(seed));
    await udpSendAll(port, packets);
    // Loopback loses nothing unless a buffer overflows: nearly every packet reached the parser.
    assert.ok(queriesLogged >= packets.length * 0.9, `${queriesLogged} of ${packets.length} packets handled`);
    await assertStillAnswers();
    for (const outcome of ['dropped', 'formerr', 'answer'])
      assert.ok(outcomes.has(outcome), `saw ${outcome}`);
  });

  it('answers every packet with a readable header with a well-formed reply', async () => {
    const random = mulberry32(seed + 1);
    for (const packet of garbagePackets(200, random)) {
      if (packet.length < 12 || (packet[2] ?? 0) & 0x80) continue; // dropped by design: too short, or a response
      const reply = dnsPacket.decode(await udpExchange(port, packet)) as DnsReply;
      assert.equal(reply.id, packet.readUInt16BE(0));
      assert.equal(reply.flag_qr, true);
    }
  });

  it(`survives garbage over TCP (seed ${seed})`, async () => {
    const random = mulberry32(seed + 2);
    const streams: Buffer[] = [
      randomBytes(5000),
      Buffer.from([0xff, 0xff, 1, 2, 3]), // announces 64 KiB, sends 3 bytes
      Buffer.from([0, 0, 0, 0, 0, 1, 0xaa]), // zero-length frames, then a short one
      Buffer.concat(
        garbagePackets(100, random).map((packet) => {
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(packet.length);
          return Buffer.concat([prefix, packet]);
        }),
      ),
    ];
    await Promise.all(streams.map((bytes, i) => sendRawTcp(port, bytes, 50 + i * 20)));
    await assertStillAnswers();
  });

  it('logged no error: nothing in the garbage made answering throw', () => {
    assert.ok(levels.length > 0, 'debug lines were written');
    assert.deepEqual(
      levels.filter((level) => level >= 50),
      [],
    );
  });
});
