import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';
import { createResolver, DnsNameNotFoundError, DnsServer, Zone } from '../../../src/dns/index.js';
import { isByodaError } from '../../../src/errors/index.js';
import { NO_DIG, TcpDnsClient, dig, digAvailable, queryPacket, udpExchange } from './dns-clients.js';
import type { DnsReply } from './dns-clients.js';

const ACCOUNT = '0f8e2b6a-3c1d-4e5f-8a9b-0c1d2e3f4a5b.accounts.byoda.test';
const MEMBER = '7d2c9e4f-1a3b-4c5d-9e8f-7a6b5c4d3e2f.members-4294929430.byoda.test';
const SERVICE = 'service.service-4294929430.byoda.test';
const CROWDED = 'crowded.byoda.test';

function nodeResolver(port: number): Resolver {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  return resolver;
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

describe('DNS server', () => {
  const zone = new Zone({ domain: 'byoda.test', nameServerAddress: { a: '127.0.0.1' } });
  const server = new DnsServer({ zone });
  let port = 0;
  let resolver: Resolver;
  let hasDig = false;

  before(async () => {
    zone.setAddress(ACCOUNT, { a: '127.0.0.11', aaaa: '::1', ttl: 120 });
    zone.setAddress(MEMBER, { a: '127.0.0.12' });
    zone.setAddress(SERVICE, { a: '127.0.0.13', ttl: 45 });
    // dns-packet does not compress names, so 20 records of this name exceed 512 bytes.
    zone.setAddress(CROWDED, { a: Array.from({ length: 20 }, (_, i) => `10.0.0.${i + 1}`) });
    ({ port } = await server.start({ host: '127.0.0.1', port: 0 }));
    resolver = nodeResolver(port);
    hasDig = await digAvailable();
  });

  after(async () => {
    await server.stop();
    zone.close();
  });

  describe('over UDP, through Node’s resolver', () => {
    it('answers A and AAAA with the TTLs set', async () => {
      assert.deepEqual(await resolver.resolve4(ACCOUNT, { ttl: true }), [
        { address: '127.0.0.11', ttl: 120 },
      ]);
      assert.deepEqual(await resolver.resolve6(ACCOUNT, { ttl: true }), [{ address: '::1', ttl: 120 }]);
      assert.deepEqual(await resolver.resolve4(MEMBER, { ttl: true }), [{ address: '127.0.0.12', ttl: 300 }]);
      assert.deepEqual(await resolver.resolve4(SERVICE, { ttl: true }), [{ address: '127.0.0.13', ttl: 45 }]);
    });

    it('answers NXDOMAIN for an unknown name under the zone', async () => {
      await assert.rejects(
        resolver.resolve4('nobody.accounts.byoda.test'),
        (err) => errorCode(err) === 'ENOTFOUND',
      );
    });

    it('answers NODATA for a known name without the type asked', async () => {
      await assert.rejects(resolver.resolve6(MEMBER), (err) => errorCode(err) === 'ENODATA');
    });

    it('refuses names outside the zone', async () => {
      await assert.rejects(resolver.resolve4('example.com'), (err) => errorCode(err) === 'EREFUSED');
    });

    it('answers SOA and NS at the apex', async () => {
      const soa = await resolver.resolveSoa('byoda.test');
      assert.equal(soa.nsname, 'dir.byoda.test');
      assert.equal(soa.hostmaster, 'hostmaster.byoda.test');
      assert.equal(soa.serial, zone.serial);
      assert.ok(soa.refresh > 0 && soa.retry > 0 && soa.expire > soa.refresh && soa.minttl > 0);
      assert.deepEqual(await resolver.resolveNs('byoda.test'), ['dir.byoda.test']);
      assert.deepEqual(await resolver.resolve4('dir.byoda.test'), ['127.0.0.1']);
    });

    it('answers a re-registered name with its new address and a higher SOA serial', async () => {
      const name = 'moving.accounts.byoda.test';
      zone.setAddress(name, { a: '127.0.0.21' });
      const before = (await resolver.resolveSoa('byoda.test')).serial;
      assert.deepEqual(await resolver.resolve4(name), ['127.0.0.21']);
      zone.setAddress(name, { a: '127.0.0.22' });
      assert.deepEqual(await resolver.resolve4(name), ['127.0.0.22']);
      assert.equal((await resolver.resolveSoa('byoda.test')).serial, before + 1);
    });

    it('sets the TC bit on a UDP answer over 512 bytes, and the resolver gets it all over TCP', async () => {
      const reply = dnsPacket.decode(
        await udpExchange(port, dnsPacket.encode(queryPacket(CROWDED, 'A'))),
      ) as DnsReply;
      assert.equal(reply.flag_tc, true);
      assert.deepEqual(reply.answers, []);
      // c-ares retries a truncated answer over TCP, to the same port.
      assert.equal((await resolver.resolve4(CROWDED)).length, 20);
    });
  });

  describe('the resolver helper', () => {
    it('resolves A and AAAA, and gives [] for a missing type', async () => {
      const helper = createResolver({ host: '127.0.0.1', port });
      assert.deepEqual(await helper.resolveA(ACCOUNT), ['127.0.0.11']);
      assert.deepEqual(await helper.resolveAaaa(ACCOUNT), ['::1']);
      assert.deepEqual(await helper.resolveAaaa(MEMBER), []);
    });

    it('throws DnsNameNotFoundError for NXDOMAIN and a DNS error for REFUSED', async () => {
      const helper = createResolver({ host: '127.0.0.1', port });
      await assert.rejects(helper.resolveA('nobody.byoda.test'), (err) => {
        assert.ok(err instanceof DnsNameNotFoundError);
        assert.equal(err.hostname, 'nobody.byoda.test');
        return true;
      });
      await assert.rejects(
        helper.resolveA('example.com'),
        (err) => isByodaError(err) && err.code === 'BYODA_ERR_DNS',
      );
    });
  });

  describe('over TCP', () => {
    it('answers two queries sent at once on one connection, then a third', async () => {
      const client = await TcpDnsClient.connect(port);
      try {
        const [a, aaaa] = await Promise.all([
          client.query(queryPacket(ACCOUNT, 'A', 1)),
          client.query(queryPacket(ACCOUNT, 'AAAA', 2)),
        ]);
        assert.deepEqual(
          [a.id, a.flag_aa, a.answers?.map((r) => ('data' in r ? r.data : undefined))],
          [1, true, ['127.0.0.11']],
        );
        assert.deepEqual(
          [aaaa.id, aaaa.answers?.map((r) => ('data' in r ? r.data : undefined))],
          [2, ['::1']],
        );
        const nx = await client.query(queryPacket('nobody.byoda.test', 'A', 3));
        assert.deepEqual([nx.id, nx.rcode], [3, 'NXDOMAIN']);
      } finally {
        client.close();
      }
    });

    it('reassembles a query sent one byte at a time', async () => {
      const client = await TcpDnsClient.connect(port);
      try {
        const bytes = dnsPacket.streamEncode(queryPacket(SERVICE, 'A', 9));
        const reply = client.nextReply();
        for (const byte of bytes) {
          client.socket.write(Buffer.from([byte]));
          await new Promise((resolve) => setImmediate(resolve));
        }
        assert.equal((await reply).answers?.length, 1);
      } finally {
        client.close();
      }
    });

    it('sends large answers whole over TCP', async () => {
      const client = await TcpDnsClient.connect(port);
      try {
        const reply = await client.query(queryPacket(CROWDED, 'A'));
        assert.equal(reply.flag_tc, false);
        assert.equal(reply.answers?.length, 20);
      } finally {
        client.close();
      }
    });
  });

  describe('with dig', () => {
    it('gives the same answers as Node’s resolver (dig +short)', async (t) => {
      if (!hasDig) return t.skip(NO_DIG);
      for (const name of [ACCOUNT, MEMBER, SERVICE, 'dir.byoda.test']) {
        const fromDig = (await dig(port, name, 'A', '+short')).trim().split('\n').filter(Boolean);
        assert.deepEqual(fromDig.sort(), (await resolver.resolve4(name)).sort(), name);
      }
      const fromDig = (await dig(port, ACCOUNT, 'AAAA', '+short')).trim();
      assert.deepEqual([fromDig], await resolver.resolve6(ACCOUNT));
    });

    it('answers over TCP (dig +tcp), authoritatively', async (t) => {
      if (!hasDig) return t.skip(NO_DIG);
      const output = await dig(port, '+tcp', '+norecurse', ACCOUNT.toUpperCase(), 'A');
      assert.match(output, /status: NOERROR/);
      assert.match(output, /flags: qr aa;/);
      assert.match(output, /\(TCP\)/);
      assert.match(output, new RegExp(`${ACCOUNT.toUpperCase()}\\.\\s+120\\s+IN\\s+A\\s+127\\.0\\.0\\.11`));
    });

    it('shows NXDOMAIN with the SOA, REFUSED outside the zone and NOTIMP for other opcodes', async (t) => {
      if (!hasDig) return t.skip(NO_DIG);
      const nx = await dig(port, 'nobody.byoda.test', 'A');
      assert.match(nx, /status: NXDOMAIN/);
      assert.match(
        nx,
        /AUTHORITY SECTION:\nbyoda\.test\.\s+60\s+IN\s+SOA\s+dir\.byoda\.test\. hostmaster\.byoda\.test\./,
      );
      assert.match(await dig(port, 'example.com', 'A'), /status: REFUSED/);
      assert.match(await dig(port, '+opcode=notify', 'byoda.test', 'SOA'), /status: NOTIMP/);
    });

    it('falls back to TCP after a truncated UDP answer', async (t) => {
      if (!hasDig) return t.skip(NO_DIG);
      const output = await dig(port, '+noedns', CROWDED, 'A');
      assert.match(output, /Truncated, retrying in TCP mode/);
      assert.match(output, /ANSWER: 20,/);
    });
  });
});

describe('DNS server lifecycle', () => {
  const zone = new Zone({ domain: 'byoda.test' });
  const servers: DnsServer[] = [];

  function newServer(options: Partial<ConstructorParameters<typeof DnsServer>[0]> = {}): DnsServer {
    const server = new DnsServer({ zone, ...options });
    servers.push(server);
    return server;
  }

  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    zone.close();
  });

  it('listens for UDP and TCP on the same given port, and frees it on stop', async () => {
    const first = newServer();
    const { port } = await first.start();
    await first.stop();
    await first.stop(); // a second stop is harmless
    const again = newServer();
    assert.deepEqual(await again.start({ host: '127.0.0.1', port }), { host: '127.0.0.1', port });
    const client = await TcpDnsClient.connect(port);
    const reply = await client.query(queryPacket('byoda.test', 'SOA'));
    client.close();
    assert.equal(reply.answers?.[0]?.type, 'SOA');
    await assert.rejects(again.start(), (err) => isByodaError(err) && err.code === 'BYODA_ERR_DNS');
  });

  it('fails with a DNS error when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      await assert.rejects(
        newServer().start({ port }),
        (err) => isByodaError(err) && err.code === 'BYODA_ERR_DNS',
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses a second start while the first is still binding', async () => {
    const server = newServer();
    const starting = server.start();
    await assert.rejects(server.start(), (err) => isByodaError(err) && err.status === 409);
    assert.ok((await starting).port > 0);
  });

  it('refuses a host that is not an IP address', async () => {
    await assert.rejects(
      newServer().start({ host: 'localhost' }),
      (err) => isByodaError(err) && err.code === 'BYODA_ERR_CONFIG',
    );
  });

  it('closes idle TCP connections', async () => {
    const { port } = await newServer({ tcpIdleTimeoutMs: 150 }).start();
    const client = await TcpDnsClient.connect(port);
    await client.query(queryPacket('byoda.test', 'SOA'));
    const started = Date.now();
    await client.closed();
    assert.ok(Date.now() - started >= 100, 'closed only after the idle time');
  });

  it('closes TCP connections beyond one address’s share, and accepts again once one ends', async () => {
    const { port } = await newServer({ maxTcpConnections: 4, maxTcpConnectionsPerClient: 2 }).start();
    const first = await TcpDnsClient.connect(port);
    const second = await TcpDnsClient.connect(port);
    await Promise.all([
      first.query(queryPacket('byoda.test', 'SOA')),
      second.query(queryPacket('byoda.test', 'NS')),
    ]);
    const third = await TcpDnsClient.connect(port);
    await third.closed();
    first.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const fourth = await TcpDnsClient.connect(port);
    assert.equal((await fourth.query(queryPacket('byoda.test', 'SOA'))).rcode, 'NOERROR');
    second.close();
    fourth.close();
  });

  it('listens on IPv6 and is reachable through the helper’s bracket form', async (t) => {
    const server = newServer();
    try {
      await server.start({ host: '::1' });
    } catch {
      return t.skip('IPv6 loopback is not available here');
    }
    zone.setAddress('v6.byoda.test', { aaaa: '::1' });
    const address = server.address;
    assert.ok(address);
    const helper = createResolver({ host: '::1', port: address.port });
    assert.equal(helper.server, `[::1]:${address.port}`);
    assert.deepEqual(await helper.resolveAaaa('v6.byoda.test'), ['::1']);
  });
});
