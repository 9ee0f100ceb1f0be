import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseContract } from '../../../src/contract/index.js';
import type { Contract } from '../../../src/contract/index.js';
import {
  REMOTE_RESULT_ALIAS,
  createPeerPool,
  createProxyHook,
  createQueryMemory,
  verifyOriginSignature,
} from '../../../src/federation/index.js';
import type { LinkTarget, PeerPool, ProxyHookDeps, QueryMemory } from '../../../src/federation/index.js';
import type { Requester } from '../../../src/firewall/index.js';
import { jsonBytes } from '../../../src/graphql/index.js';
import type { ProxyHook, ProxyRequest } from '../../../src/graphql/index.js';
import { loadSharedContract } from '../../fixtures/contracts.js';
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
import type { PeerHandler, PeerServer, TestMember, TestNetwork } from './pods.js';

const NOW = () => Date.now();
const OWNER: Requester = { kind: 'owner' };
const QUERY_ID = '0b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';

interface Received {
  readonly memberId: string;
  readonly variables: Record<string, unknown>;
}

function linkRecord(n: number, relation = 'friend') {
  return {
    created_timestamp: '2024-01-01T00:00:00.000Z',
    member_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    relation,
  };
}

function request(overrides: Partial<ProxyRequest> = {}): ProxyRequest {
  return {
    className: 'network_links',
    filter: undefined,
    first: undefined,
    after: undefined,
    depth: 1,
    relations: undefined,
    remoteMemberId: undefined,
    queryId: QUERY_ID,
    timestamp: undefined,
    originMemberId: undefined,
    originSignature: undefined,
    requester: OWNER,
    ...overrides,
  };
}

describe('fan-out: the proxy hook (spec §8)', () => {
  let net: TestNetwork;
  let contract: Contract;
  let self: TestMember;
  let peers: PeerPool;
  const resolver = tableResolver();
  const servers: PeerServer[] = [];
  const received: Received[] = [];

  /** Requests in progress at a group of pods, and the most seen at once. */
  interface Meter {
    active: number;
    max: number;
  }

  /** A pod that answers the forwarded query with `answer(memberId, variables)` after `delayMs`. */
  async function pod(
    answer: (member: TestMember, variables: Record<string, unknown>) => unknown = (member) => ({
      data: {
        [REMOTE_RESULT_ALIAS]: {
          edges: [{ cursor: 'c1', origin: member.memberId, node: linkRecord(1) }],
          remote_errors: [],
        },
      },
    }),
    delayMs = 0,
    meter: Meter = { active: 0, max: 0 },
  ): Promise<TestMember> {
    const member = await net.member();
    const handler: PeerHandler = async (_request, body, response) => {
      meter.active++;
      meter.max = Math.max(meter.max, meter.active);
      try {
        const { variables } = JSON.parse(body) as { variables: Record<string, unknown> };
        received.push({ memberId: member.memberId, variables });
        if (delayMs > 0) await sleep(delayMs);
        if (!response.destroyed) sendJson(response, answer(member, variables));
      } finally {
        meter.active--;
      }
    };
    return serve(member, handler);
  }

  async function serve(member: TestMember, handler: PeerHandler, tls = member.tls): Promise<TestMember> {
    const server = await startPeerServer(tls, net.rootCaPem, handler);
    servers.push(server);
    resolver.add(member.fqdn, server.port);
    return member;
  }

  function hook(links: readonly LinkTarget[], overrides: Partial<ProxyHookDeps> = {}): ProxyHook {
    return createProxyHook({
      dataCredential: self.data,
      contract: () => contract,
      peers,
      links: async () => links,
      // Generous: new connections verify chains, and test files run side by side on few cores.
      hopTimeoutMs: 4000,
      deadlineMs: 8000,
      ...overrides,
    });
  }

  const linked = (members: readonly TestMember[], relation = 'friend'): LinkTarget[] =>
    members.map((m) => ({ memberId: m.memberId, relation }));

  before(async () => {
    net = await testNetwork();
    contract = await loadSharedContract('addressbook');
    self = await net.member();
    peers = createPeerPool({
      credential: self.tls,
      rootCaPem: net.rootCaPem,
      network: NETWORK,
      serviceId: SERVICE_ID,
      resolver,
      maxResponseBytes: 64 * 1024,
    });
  });
  after(async () => {
    await peers.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  it('signs the owner’s query and sends depth - 1 to each linked pod of the asked relations, once', async () => {
    const [friend, relative, colleague] = [await pod(), await pod(), await pod()];
    const memory = createQueryMemory();
    const links = [
      ...linked([friend]),
      { memberId: relative.memberId, relation: 'Family' },
      ...linked([colleague], 'colleague'),
      { memberId: friend.memberId.toUpperCase(), relation: 'family' },
      { memberId: self.memberId, relation: 'friend' },
    ];
    received.length = 0;
    const result = await hook(links, { queryMemory: memory })(
      request({
        depth: 2,
        relations: ['friend', 'family'],
        filter: { relation: { eq: 'friend' } },
        first: 5,
      }),
    );
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      result.edges.map((e) => e.origin),
      [friend.memberId, relative.memberId],
    );
    assert.deepEqual(received.map((r) => r.memberId).sort(), [friend.memberId, relative.memberId].sort());
    const [first] = received;
    assert.ok(first);
    assert.equal(first.variables['depth'], 1);
    assert.equal(first.variables['query_id'], QUERY_ID);
    assert.equal(first.variables['origin_member_id'], self.memberId);
    assert.deepEqual(first.variables['filter'], { relation: { eq: 'friend' } });
    assert.equal(first.variables['first'], 5);
    assert.equal(memory.has(QUERY_ID), true, 'a cycle back here is answered empty');
    // What the receiving pod checks (spec §8): the signature verifies, at distance 1.
    const verified = await verifyOriginSignature(
      {
        query_id: QUERY_ID,
        timestamp: String(first.variables['timestamp']),
        service_id: SERVICE_ID,
        class: 'network_links',
        filter: { relation: { eq: 'friend' } },
        depth: 1,
        relations: ['family', 'friend'],
        origin_member_id: String(first.variables['origin_member_id']),
        origin_signature: String(first.variables['origin_signature']),
      },
      {
        fetchDataCertChain: async () => self.data.chainPem,
        rootCaPem: net.rootCaPem,
        network: NETWORK,
        serviceId: SERVICE_ID,
        maxSignedDepth: 5,
      },
    );
    assert.equal(verified.distance, 1);
  });

  it('asks one member with depth 0 for remote_member_id, and credits it with withheld origins', async () => {
    const deeper = '33333333-3333-4333-8333-333333333333';
    const target = await pod((member) => ({
      data: {
        [REMOTE_RESULT_ALIAS]: {
          edges: [
            { cursor: 'a', origin: null, node: linkRecord(1) },
            { cursor: 'b', origin: deeper, node: linkRecord(2) },
            { cursor: 'c', origin: member.memberId, node: linkRecord(3) },
          ],
          remote_errors: [],
        },
      },
    }));
    received.length = 0;
    const result = await hook([])(request({ depth: 0, remoteMemberId: target.memberId, queryId: undefined }));
    assert.deepEqual(
      result.edges.map((e) => [e.cursor, e.origin]),
      [
        ['a', target.memberId],
        ['b', deeper],
        ['c', target.memberId],
      ],
    );
    assert.equal(received.length, 1);
    assert.equal(received[0]?.variables['depth'], 0);
    assert.match(String(received[0]?.variables['query_id']), /^[0-9a-f-]{36}$/, 'a query id is made up');
    assert.equal(typeof received[0]?.variables['origin_signature'], 'string');
  });

  it('answers partially, naming each failed pod, when pods are dead, slow, oversized, garbled or impostors', async () => {
    const good = await pod();
    const dead = await net.member();
    resolver.add(dead.fqdn, await deadPort());
    const slow = await pod(undefined, 20_000);
    const big = await serve(await net.member(), (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`{"data":"${'x'.repeat(100 * 1024)}"}`);
    });
    const garbled = await serve(await net.member(), (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"data": {"result": ');
    });
    const impostor = await serve(
      await net.member(),
      () => undefined,
      (await (await testNetwork()).member()).tls,
    );
    const refusing = await pod(() => ({
      errors: [
        {
          message: 'not allowed to read network_links: no rule',
          extensions: { code: 'BYODA_ERR_FORBIDDEN' },
        },
      ],
      data: { [REMOTE_RESULT_ALIAS]: null },
    }));
    const breaking = await pod((member) => ({
      data: {
        [REMOTE_RESULT_ALIAS]: {
          edges: [
            { cursor: 'ok', origin: member.memberId, node: linkRecord(9) },
            { cursor: 'bad', origin: member.memberId, node: { ...linkRecord(8), secret: 'x' } },
          ],
          remote_errors: [],
        },
      },
    }));
    // Connections to the pods that answer are made first, as a pool that has talked to them before
    // holds them: a new connection costs a chain verification, and this machine may be busy.
    for (const member of [good, garbled, refusing, breaking]) {
      await peers.postGraphQL(member.memberId, { query: '{ warm }' }).catch(() => undefined);
    }
    received.length = 0;
    const started = Date.now();
    const targets = linked([good, dead, slow, big, garbled, impostor, refusing, breaking]);
    const result = await hook(targets, { hopTimeoutMs: 2500 })(request());
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 6000, `answered after the hop timeout, not the slow pod's 20 s (${elapsed} ms)`);
    assert.deepEqual(
      result.edges.map((e) => e.origin),
      [good.memberId, breaking.memberId],
    );
    const errors = new Map(result.errors.map((e) => [e.origin, e.message]));
    assert.match(errors.get(dead.memberId) ?? '', /ECONNREFUSED/);
    assert.match(errors.get(slow.memberId) ?? '', /timed out after 2500 ms/);
    assert.match(errors.get(big.memberId) ?? '', /larger than 65536 bytes/);
    assert.match(errors.get(garbled.memberId) ?? '', /not JSON/);
    assert.match(errors.get(impostor.memberId) ?? '', /certificate/i);
    assert.equal(errors.get(refusing.memberId), 'not allowed to read network_links: no rule');
    assert.match(
      errors.get(breaking.memberId) ?? '',
      /^dropped 1 record that breaks the contract \(network_link\.secret: no such field/,
    );
    assert.equal(result.errors.length, 7);
    // Each with the code of its failure: the refusing pod's own, this pod's for the rest.
    const codes = new Map(result.errors.map((e) => [e.origin, e.code]));
    assert.deepEqual(
      [dead, slow, big, garbled, impostor, refusing, breaking].map((m) => codes.get(m.memberId)),
      [
        'BYODA_ERR_UNREACHABLE',
        'BYODA_ERR_UNREACHABLE',
        'BYODA_ERR_TOO_LARGE',
        'BYODA_ERR_UNREACHABLE',
        'BYODA_ERR_UNREACHABLE',
        'BYODA_ERR_FORBIDDEN',
        'BYODA_ERR_VALUE',
      ],
    );
  });

  it('asks at most `concurrency` pods at once', async () => {
    const meter: Meter = { active: 0, max: 0 };
    const many = await Promise.all(Array.from({ length: 12 }, () => pod(undefined, 150, meter)));
    const result = await hook(linked(many), { concurrency: 3, hopTimeoutMs: 8000, deadlineMs: 15_000 })(
      request(),
    );
    assert.equal(result.edges.length, 12);
    assert.deepEqual(result.errors, []);
    assert.ok(meter.max <= 3 && meter.max >= 2, `at most 3 at once (saw ${meter.max})`);
  });

  it('keeps the overall deadline: pods not asked in time are reported, never waited for', async () => {
    const slowOnes = await Promise.all(Array.from({ length: 6 }, () => pod(undefined, 2000)));
    const started = Date.now();
    const result = await hook(linked(slowOnes), { concurrency: 2, hopTimeoutMs: 1000, deadlineMs: 600 })(
      request(),
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2000, `within the deadline, give or take a busy machine (${elapsed} ms)`);
    assert.equal(result.edges.length, 0);
    assert.deepEqual(
      result.errors.map((e) => e.origin),
      slowOnes.map((m) => m.memberId),
    );
    // The first pods' hop timeout is cut to what is left of the deadline: either may fire first.
    assert.match(result.errors[0]?.message ?? '', /deadline of 600 ms|timed out after 5\d\d ms/);
    assert.match(result.errors[5]?.message ?? '', /not asked: the query’s deadline had passed/);
    assert.deepEqual(new Set(result.errors.map((e) => e.code)), new Set(['BYODA_ERR_UNREACHABLE']));
  });

  it('passes a member’s verified query on unchanged but for depth, skipping the sender and the origin', async () => {
    const [sender, origin, next] = [await pod(), await pod(), await pod()];
    received.length = 0;
    const forwarded = request({
      depth: 2,
      relations: ['friend'],
      timestamp: '2025-03-01T12:00:00.000Z',
      originMemberId: origin.memberId,
      originSignature: 'c2lnbmVkIGJ5IHRoZSBvcmlnaW4=',
      requester: {
        kind: 'member',
        memberId: sender.memberId,
        relations: ['friend'],
        distance: 2,
        originSignatureVerified: true,
      },
    });
    const result = await hook(linked([sender, origin, next]))(forwarded);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      received.map((r) => r.memberId),
      [next.memberId],
    );
    assert.deepEqual(received[0]?.variables, {
      depth: 1,
      relations: ['friend'],
      query_id: QUERY_ID,
      timestamp: '2025-03-01T12:00:00.000Z',
      origin_member_id: origin.memberId,
      origin_signature: 'c2lnbmVkIGJ5IHRoZSBvcmlnaW4=',
    });
  });

  it('shows a withheld origin as this pod when forwarding for another member', async () => {
    const anonymous = await pod(() => ({
      data: {
        [REMOTE_RESULT_ALIAS]: {
          edges: [{ cursor: 'a', origin: null, node: linkRecord(1) }],
          remote_errors: [],
        },
      },
    }));
    const senderId = '44444444-4444-4444-8444-444444444444';
    const result = await hook(linked([anonymous]))(
      request({
        timestamp: '2025-03-01T12:00:00.000Z',
        originMemberId: senderId,
        originSignature: 'c2ln',
        requester: {
          kind: 'member',
          memberId: senderId,
          relations: ['friend'],
          distance: 1,
          originSignatureVerified: true,
        },
      }),
    );
    assert.deepEqual(
      result.edges.map((e) => e.origin),
      [self.memberId],
    );
  });

  describe('for another member, only along the links it may learn of (issue 11)', () => {
    const asker = (relations: readonly string[]) => ({
      kind: 'member' as const,
      memberId: '55555555-5555-4555-8555-555555555555',
      relations,
      distance: 1,
      originSignatureVerified: true,
    });
    const signed = (relations: readonly string[], asked?: readonly string[]) =>
      request({
        relations: asked,
        timestamp: '2025-03-01T12:00:00.000Z',
        originMemberId: '55555555-5555-4555-8555-555555555555',
        originSignature: 'c2ln',
        requester: asker(relations),
      });
    let friend: TestMember;
    let family: TestMember;
    let links: LinkTarget[];

    before(async () => {
      [friend, family] = [await pod(), await pod()];
      links = [...linked([friend]), ...linked([family], 'family')];
    });

    it('forwards nothing for a member without a link, whatever relations it names', async () => {
      for (const asked of [undefined, ['friend'], ['family'], []]) {
        received.length = 0;
        const result = await hook(links, { linksClassName: 'network_links' })(signed([], asked));
        assert.deepEqual(received, [], `relations ${JSON.stringify(asked)}`);
        assert.deepEqual(result.edges, []);
        assert.deepEqual(
          result.errors.map((e) => e.origin),
          [self.memberId],
        );
        assert.match(result.errors[0]?.message ?? '', /only for members in its network/);
        assert.equal(result.errors[0]?.code, 'BYODA_ERR_FORBIDDEN');
      }
    });

    it('follows for a linked member only the links of its own relations', async () => {
      received.length = 0;
      const all = await hook(links, { linksClassName: 'network_links' })(signed(['friend']));
      assert.deepEqual(
        received.map((r) => r.memberId),
        [friend.memberId],
      );
      assert.deepEqual(all.errors, []);

      received.length = 0;
      const asked = await hook(links)(signed(['friend'], ['family', 'friend']));
      assert.deepEqual(
        received.map((r) => r.memberId),
        [friend.memberId],
      );
      assert.deepEqual(
        asked.errors.map((e) => e.origin),
        [self.memberId],
      );
      assert.match(asked.errors[0]?.message ?? '', /not forwarded along links of relation family/);
      assert.equal(asked.errors[0]?.code, 'BYODA_ERR_FORBIDDEN');
    });

    it('follows every link as asked for a member the contract lets read the links', async () => {
      // The same contract, but network_links readable by every linked member.
      const document = structuredClone(contract.document) as {
        jsonschema: { properties: Record<string, { '#accesscontrol': Record<string, unknown> }> };
      };
      const rules = document.jsonschema.properties['network_links']?.['#accesscontrol'];
      assert.ok(rules);
      rules['network'] = { permissions: ['read'] };
      const open = parseContract(document);
      received.length = 0;
      const result = await hook(links, { linksClassName: 'network_links', contract: () => open })(
        signed(['friend'], ['family']),
      );
      assert.deepEqual(
        received.map((r) => r.memberId),
        [family.memberId],
      );
      assert.deepEqual(result.errors, []);
    });
  });

  it('refuses to forward for a member without a verified origin signature, or for anyone else', async () => {
    const member = {
      kind: 'member' as const,
      memberId: '44444444-4444-4444-8444-444444444444',
      relations: ['friend'],
      distance: 1,
      originSignatureVerified: false,
    };
    const forward = hook([]);
    await assert.rejects(forward(request({ requester: member })), { code: 'BYODA_ERR_FORBIDDEN' });
    await assert.rejects(forward(request({ requester: { kind: 'anonymous' } })), {
      code: 'BYODA_ERR_FORBIDDEN',
    });
    await assert.rejects(forward(request({ requester: { kind: 'service', serviceId: SERVICE_ID } })), {
      code: 'BYODA_ERR_FORBIDDEN',
    });
    await assert.rejects(forward(request({ depth: 0, remoteMemberId: member.memberId, requester: member })), {
      code: 'BYODA_ERR_FORBIDDEN',
    });
  });

  it('bounds the bytes merged from all pods together, naming the pods left out', async () => {
    const four = await Promise.all(Array.from({ length: 4 }, () => pod()));
    const oneAnswer = jsonBytes(linkRecord(1)) + 'c1'.length;
    const result = await hook(linked(four), { concurrency: 1, maxMergedBytes: Math.floor(oneAnswer * 2.5) })(
      request(),
    );
    assert.deepEqual(
      result.edges.map((e) => e.origin),
      four.slice(0, 2).map((m) => m.memberId),
    );
    assert.deepEqual(
      result.errors.map((e) => e.origin),
      four.slice(2).map((m) => m.memberId),
    );
    assert.match(result.errors[0]?.message ?? '', /left out: .* would exceed \d+ bytes/);
    assert.deepEqual(
      result.errors.map((e) => e.code),
      ['BYODA_ERR_TOO_LARGE', 'BYODA_ERR_TOO_LARGE'],
    );
  });

  it('keeps an (origin, cursor) pair that arrives twice once', async () => {
    const deeper = '33333333-3333-4333-8333-333333333333';
    const same = () => ({
      data: {
        [REMOTE_RESULT_ALIAS]: {
          edges: [{ cursor: 'x', origin: deeper, node: linkRecord(1) }],
          remote_errors: [],
        },
      },
    });
    const [one, two] = [await pod(same), await pod(same)];
    const result = await hook(linked([one, two]))(request());
    assert.equal(result.edges.length, 1);
  });

  it('reports unreadable or hanging links as an error, not a failure or a hang', async () => {
    const failing = createProxyHook({
      dataCredential: self.data,
      contract: () => contract,
      peers,
      links: async () => {
        throw new Error('database is locked');
      },
    });
    assert.deepEqual(await failing(request()), {
      edges: [],
      errors: [
        {
          origin: self.memberId,
          message: 'the query was not forwarded: this pod’s network links could not be read',
          code: 'BYODA_ERR_STORAGE',
        },
      ],
    });
    const hanging = hook([], { links: () => new Promise<never>(() => undefined), deadlineMs: 200 });
    const started = Date.now();
    assert.equal((await hanging(request())).errors.length, 1);
    assert.ok(Date.now() - started < 1000);
  });

  it('forwards nothing when no link has an asked relation', async () => {
    const memory: QueryMemory = createQueryMemory();
    const [colleague] = [await pod()];
    received.length = 0;
    const result = await hook(linked([colleague], 'colleague'), { queryMemory: memory, now: NOW })(
      request({ relations: [] }),
    );
    assert.deepEqual(result, { edges: [], errors: [] });
    assert.equal(received.length, 0);
  });
});
