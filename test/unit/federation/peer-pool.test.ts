import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TLSSocket } from 'node:tls';
import { createPeerPool } from '../../../src/federation/index.js';
import type { PeerPool, PeerPoolOptions } from '../../../src/federation/index.js';
import {
  NETWORK,
  SERVICE_ID,
  deadPort,
  sendJson,
  sleep,
  startPeerServer,
  tableResolver,
  testNetwork,
} from './pods.js';
import type { PeerServer, TestMember, TestNetwork } from './pods.js';

describe('peer pool: pod-to-pod mutual TLS (spec §3, §4, §8)', () => {
  let net: TestNetwork;
  let self: TestMember;
  const resolver = tableResolver();
  const servers: PeerServer[] = [];
  const pools: PeerPool[] = [];
  const seen: { path?: string; host?: string; clientCn?: string; body?: string }[] = [];

  /** A member whose pod answers with `handler`, registered in the resolver. */
  async function peer(
    handler: Parameters<typeof startPeerServer>[2],
    options: { srv?: boolean; tls?: TestMember['tls'] } = {},
  ): Promise<{ member: TestMember; server: PeerServer }> {
    const member = await net.member();
    const server = await startPeerServer(options.tls ?? member.tls, net.rootCaPem, handler);
    servers.push(server);
    resolver.add(member.fqdn, options.srv === false ? undefined : server.port);
    return { member, server };
  }

  function pool(overrides: Partial<PeerPoolOptions> = {}): PeerPool {
    const created = createPeerPool({
      credential: self.tls,
      rootCaPem: net.rootCaPem,
      network: NETWORK,
      serviceId: SERVICE_ID,
      resolver,
      ...overrides,
    });
    pools.push(created);
    return created;
  }

  const echo: Parameters<typeof startPeerServer>[2] = (request, body, response) => {
    const socket = request.socket as TLSSocket;
    seen.push({
      path: request.url,
      host: request.headers.host,
      clientCn: String(socket.getPeerCertificate().subject?.CN),
      body,
    });
    sendJson(response, { data: { ok: true } });
  };

  before(async () => {
    net = await testNetwork();
    self = await net.member();
  });
  after(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await Promise.all(servers.map((s) => s.close()));
  });

  it('posts GraphQL to the member’s pod as this member, naming the pod by its FQDN', async () => {
    const { member, server } = await peer(echo);
    const answer = await pool().postGraphQL(member.memberId, { query: '{ x }', variables: { a: 1 } });
    assert.deepEqual(answer, { status: 200, body: { data: { ok: true } } });
    const request = seen.at(-1);
    assert.equal(request?.path, `/api/v1/data/service-${SERVICE_ID}`);
    assert.equal(request?.host, `${member.fqdn}:${server.port}`);
    assert.equal(request?.clientCn, self.fqdn, 'our member TLS cert is the client certificate');
    assert.deepEqual(JSON.parse(request?.body ?? ''), { query: '{ x }', variables: { a: 1 } });
    assert.deepEqual(server.servernames, [member.fqdn], 'SNI is the member FQDN');
  });

  it('reuses keep-alive connections: many requests, one or two handshakes', async () => {
    const { member, server } = await peer(echo);
    const peers = pool({ connectionsPerPeer: 2 });
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 4 }, () => peers.postGraphQL(member.memberId, { query: '{ x }' })),
      );
    }
    for (let n = 0; n < 20; n++) await peers.postGraphQL(member.memberId, { query: '{ x }' });
    assert.equal(server.requests, 60);
    assert.ok(server.handshakes >= 1 && server.handshakes <= 2, `${server.handshakes} handshakes`);
  });

  it('uses the default member port when the member has no SRV record', async () => {
    let port = 0;
    const { member } = await peer(
      (_request, _body, response) => sendJson(response, { data: { port: 'default' } }),
      { srv: false },
    );
    port = servers.at(-1)?.port ?? 0;
    const answer = await pool({ defaultPort: port }).postGraphQL(member.memberId, { query: '{ x }' });
    assert.deepEqual(answer.body, { data: { port: 'default' } });
  });

  it('reads a text resource such as the data cert chain', async () => {
    const { member } = await peer((request, _body, response) => {
      response.writeHead(request.url === `/api/v1/pod/data-cert/service-${SERVICE_ID}` ? 200 : 404);
      response.end('PEM');
    });
    const peers = pool();
    assert.equal(await peers.getText(member.memberId, `/api/v1/pod/data-cert/service-${SERVICE_ID}`), 'PEM');
    await assert.rejects(peers.getText(member.memberId, '/nope'), {
      code: 'BYODA_ERR_UNREACHABLE',
      message: /answered 404/,
    });
  });

  it('reports a dead pod (nothing listens) as unreachable', async () => {
    const member = await net.member();
    resolver.add(member.fqdn, await deadPort());
    await assert.rejects(pool().postGraphQL(member.memberId, { query: '{ x }' }), {
      code: 'BYODA_ERR_UNREACHABLE',
      message: /ECONNREFUSED/,
    });
  });

  it('reports a member that is not in DNS', async () => {
    const member = await net.member();
    await assert.rejects(pool().postGraphQL(member.memberId, { query: '{ x }' }), {
      code: 'BYODA_ERR_UNREACHABLE',
      message: /not registered in DNS/,
    });
  });

  it('times out a slow pod', async () => {
    const { member } = await peer(async (_request, _body, response) => {
      await sleep(2000);
      sendJson(response, { data: {} });
    });
    const started = Date.now();
    await assert.rejects(pool().postGraphQL(member.memberId, { query: '{ x }' }, { timeoutMs: 200 }), {
      code: 'BYODA_ERR_UNREACHABLE',
      message: 'timed out after 200 ms',
    });
    assert.ok(Date.now() - started < 1500);
  });

  it('stops reading an oversized answer, announced or streamed, and keeps working', async () => {
    const big = Buffer.alloc(256 * 1024, 'x');
    const { member: announced } = await peer((_request, _body, response) => {
      response.writeHead(200, { 'content-length': big.length });
      response.end(big);
    });
    const { member: streamed } = await peer((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"data":"');
      const timer = setInterval(() => {
        if (!response.write(big.subarray(0, 16 * 1024))) return;
      }, 1);
      response.on('close', () => clearInterval(timer));
    });
    const { member: fine } = await peer(echo);
    const peers = pool({ maxResponseBytes: 64 * 1024 });
    for (const member of [announced, streamed]) {
      await assert.rejects(peers.postGraphQL(member.memberId, { query: '{ x }' }), {
        code: 'BYODA_ERR_TOO_LARGE',
        message: 'the answer is larger than 65536 bytes',
      });
    }
    assert.equal((await peers.postGraphQL(fine.memberId, { query: '{ x }' })).status, 200);
  });

  it('reports an answer that is not JSON', async () => {
    const { member } = await peer((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"data": {garbage');
    });
    await assert.rejects(pool().postGraphQL(member.memberId, { query: '{ x }' }), {
      code: 'BYODA_ERR_UNREACHABLE',
      message: 'the answer is not JSON',
    });
  });

  it('refuses a pod whose certificate does not chain to the network root', async () => {
    const other = await testNetwork();
    const impostor = await other.member();
    const member = await net.member();
    const server = await startPeerServer(impostor.tls, net.rootCaPem, echo);
    servers.push(server);
    resolver.add(member.fqdn, server.port);
    await assert.rejects(pool().postGraphQL(member.memberId, { query: '{ x }' }), {
      code: 'BYODA_ERR_UNREACHABLE',
      message: /cannot reach the pod: .*certificate/i,
    });
    assert.equal(server.requests, 0);
  });

  it('refuses a pod that presents another member’s certificate', async () => {
    const someoneElse = await net.member();
    const { member, server } = await peer(echo, { tls: someoneElse.tls });
    await assert.rejects(pool().postGraphQL(member.memberId, { query: '{ x }' }), {
      code: 'BYODA_ERR_UNREACHABLE',
    });
    assert.equal(server.requests, 0);
  });
});
