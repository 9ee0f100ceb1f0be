/**
 * The DNS server's TCP slots under a slow-loris attack, over real sockets: many connections that each
 * send a byte now and then never finish a message, from one loopback address and from many (Linux
 * routes all of 127.0.0.0/8 to the loopback interface, so a client can bind any of them as its
 * source). `dig +tcp` from another address must still be answered while the attack goes on.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import dnsPacket from 'dns-packet';
import { DnsServer, Zone } from '../../../src/dns/index.js';
import { NO_DIG, TcpDnsClient, dig, digAvailable, queryPacket } from './dns-clients.js';

/**
 * Keeps `count` connections from `source` open to the server, each sending one byte of a message that
 * never ends (a length of 65535) every `trickleMs`, and opens a new one `reconnectMs` after one is
 * closed.
 */
class SlowLoris {
  private readonly sockets = new Set<Socket>();
  private stopped = false;
  /** Connections the server closed (refused, timed out or evicted). */
  closedByServer = 0;

  constructor(
    private readonly port: number,
    private readonly source: string,
    count: number,
    private readonly trickleMs: number,
    private readonly reconnectMs = 100,
  ) {
    for (let i = 0; i < count; i++) this.open();
  }

  private open(): void {
    if (this.stopped) return;
    const socket = connect({ host: '127.0.0.1', port: this.port, localAddress: this.source });
    this.sockets.add(socket);
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(Buffer.from([0xff]));
      timer = setInterval(() => socket.write(Buffer.from([0x00])), this.trickleMs);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      this.sockets.delete(socket);
      if (this.stopped) return;
      this.closedByServer++;
      // Back again soon, as an attacker would, without spinning the test's CPU.
      setTimeout(() => this.open(), this.reconnectMs).unref();
    });
  }

  stop(): void {
    this.stopped = true;
    for (const socket of this.sockets) socket.destroy();
  }
}

async function digTcpFrom(port: number, source: string): Promise<string> {
  return dig(port, '-b', source, '+tcp', 'byoda.test', 'SOA');
}

describe('DNS over TCP under a slow-loris attack', () => {
  const zone = new Zone({ domain: 'byoda.test', nameServerAddress: { a: '127.0.0.1' } });
  const servers: DnsServer[] = [];
  const attacks: SlowLoris[] = [];
  let hasDig = false;

  async function newServer(options: Partial<ConstructorParameters<typeof DnsServer>[0]>): Promise<{
    server: DnsServer;
    port: number;
  }> {
    const server = new DnsServer({ zone, ...options });
    servers.push(server);
    const { port } = await server.start();
    return { server, port };
  }

  before(async () => {
    hasDig = await digAvailable();
  });

  after(async () => {
    for (const attack of attacks) attack.stop();
    await Promise.all(servers.map((server) => server.stop()));
    zone.close();
  });

  it('holds one address to its share while dig +tcp from another is answered', async (t) => {
    if (!hasDig) return t.skip(NO_DIG);
    const { server, port } = await newServer({
      maxTcpConnections: 40,
      maxTcpConnectionsPerClient: 5,
      tcpIdleTimeoutMs: 60_000,
      tcpMessageTimeoutMs: 400,
    });
    const attack = new SlowLoris(port, '127.0.0.1', 100, 50);
    attacks.push(attack);
    await sleep(300);
    for (let round = 0; round < 3; round++) {
      assert.ok(server.tcpConnections('127.0.0.1') <= 5, 'one address holds at most its share');
      const output = await digTcpFrom(port, '127.0.0.2');
      assert.match(output, /status: NOERROR/);
      assert.match(output, /\(TCP\)/);
    }
    // The attack went on all along: its connections were closed (refused, or past their message
    // deadline although bytes came every 50 ms) and opened again.
    await sleep(500);
    assert.ok(attack.closedByServer > 100, `only ${attack.closedByServer} attack connections closed`);
    attack.stop();
  });

  it('makes room for a newcomer when clients from many addresses fill every slot', async (t) => {
    if (!hasDig) return t.skip(NO_DIG);
    const { server, port } = await newServer({
      maxTcpConnections: 20,
      maxTcpConnectionsPerClient: 5,
      tcpIdleTimeoutMs: 60_000,
      tcpMessageTimeoutMs: 60_000,
    });
    // 20 addresses × 5 connections: 100 slow lorises for 20 slots, none of them ever timing out here.
    // Each evicted one comes back after a second, so that the slots churn at a pace a shared test
    // machine keeps up with (a faster attacker can evict a newcomer before its query arrives: see
    // docs/protocol.md, "Transport and ports").
    for (let i = 10; i < 30; i++) attacks.push(new SlowLoris(port, `127.0.0.${i}`, 5, 1000, 1000));
    await sleep(500);
    assert.equal(server.tcpConnections(), 20, 'the attack fills every slot');
    for (const source of ['127.0.0.2', '127.0.0.3', '127.0.0.1']) {
      const output = await digTcpFrom(port, source);
      assert.match(output, /status: NOERROR/, `dig +tcp from ${source}`);
    }
    assert.ok(server.tcpConnections() <= 20);
  });

  it('closes the stalest connection of a full server, not one that just sent a query', async () => {
    const { server, port } = await newServer({ maxTcpConnections: 3, maxTcpConnectionsPerClient: 1 });
    const first = await TcpDnsClient.connect(port, '127.0.0.1', '127.0.0.41');
    const second = await TcpDnsClient.connect(port, '127.0.0.1', '127.0.0.42');
    const third = await TcpDnsClient.connect(port, '127.0.0.1', '127.0.0.43');
    await first.query(queryPacket('byoda.test', 'SOA'));
    const fourth = await TcpDnsClient.connect(port, '127.0.0.1', '127.0.0.44');
    await second.closed();
    assert.equal((await fourth.query(queryPacket('byoda.test', 'NS'))).rcode, 'NOERROR');
    assert.equal((await first.query(queryPacket('byoda.test', 'SOA'))).rcode, 'NOERROR');
    assert.equal((await third.query(queryPacket('byoda.test', 'SOA'))).rcode, 'NOERROR');
    assert.equal(server.tcpConnections(), 3);
    for (const client of [first, third, fourth]) client.close();
  });

  it('refuses a connection beyond the share of its address while the server has room', async () => {
    const { server, port } = await newServer({ maxTcpConnections: 10, maxTcpConnectionsPerClient: 2 });
    const held = [await TcpDnsClient.connect(port), await TcpDnsClient.connect(port)];
    const beyond = await TcpDnsClient.connect(port);
    await beyond.closed();
    const other = await TcpDnsClient.connect(port, '127.0.0.1', '127.0.0.45');
    assert.equal((await other.query(queryPacket('byoda.test', 'SOA'))).rcode, 'NOERROR');
    assert.equal(server.tcpConnections('127.0.0.1'), 2);
    for (const client of [...held, other]) client.close();
  });

  it('closes a connection whose message does not arrive whole in time, however often bytes come', async () => {
    const { port } = await newServer({ tcpIdleTimeoutMs: 60_000, tcpMessageTimeoutMs: 300 });
    const client = await TcpDnsClient.connect(port);
    const query = dnsPacket.streamEncode(queryPacket('byoda.test', 'SOA'));
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < query.length - 1) client.socket.write(query.subarray(sent, ++sent));
    }, 20);
    try {
      // Only the message deadline can close it: the idle timeout is a minute, and bytes keep coming.
      await client.closed();
    } finally {
      clearInterval(trickle);
    }
    assert.ok(sent < query.length, 'the message never completed');
  });

  it('keeps a connection whose messages each arrive whole in time, split or not', async () => {
    const { port } = await newServer({ tcpIdleTimeoutMs: 60_000, tcpMessageTimeoutMs: 300 });
    const client = await TcpDnsClient.connect(port);
    for (let i = 0; i < 4; i++) {
      assert.equal((await client.query(queryPacket('byoda.test', 'SOA', i + 1))).rcode, 'NOERROR');
      await sleep(150);
    }
    const query = dnsPacket.streamEncode(queryPacket('byoda.test', 'NS', 9));
    const reply = client.nextReply();
    client.socket.write(query.subarray(0, 5));
    await sleep(100);
    client.socket.write(query.subarray(5));
    assert.equal((await reply).id, 9);
    client.close();
  });
});
