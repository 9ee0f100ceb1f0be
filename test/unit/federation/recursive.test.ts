/**
 * Recursive queries through real pods in one process: each pod is a membership (contract, schema,
 * SQLite store) behind an HTTPS member port with mutual TLS, wired as src/federation/index.ts tells
 * the pod server to: `federation.proxy` in the context, `federation.admit` before running an operation
 * from another member, `replayContext` for a query id seen before.
 *
 *   A ──friend──> B ──friend──> C        links per pod: A: B, D    B: A, C
 *   └───friend──> D ──friend──> C                       C: A, B, D  D: A, C
 *
 * C is two hops from A both ways (a diamond) and links back to A and D (cycles).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TLSSocket } from 'node:tls';
import { execute } from 'graphql';
import type { ExecutionResult, GraphQLSchema } from 'graphql';
import type { Contract } from '../../../src/contract/index.js';
import { isByodaError } from '../../../src/errors/index.js';
import { createMembershipFederation, replayContext } from '../../../src/federation/index.js';
import type { LinkTarget, MembershipFederation } from '../../../src/federation/index.js';
import type { Requester } from '../../../src/firewall/index.js';
import {
  MembershipEvents,
  buildMembershipSchema,
  prepareMembershipOperation,
  withErrorCodes,
} from '../../../src/graphql/index.js';
import type { MembershipContext } from '../../../src/graphql/index.js';
import { peerCertificateChainOf } from '../../../src/http/index.js';
import { verifyChain } from '../../../src/pki/index.js';
import { openSqliteStore } from '../../../src/storage/index.js';
import type { DataStore } from '../../../src/storage/index.js';
import { loadSharedContract } from '../../fixtures/contracts.js';
import { SERVICE_ID, sendJson, startPeerServer, tableResolver, testNetwork } from './pods.js';
import type { PeerServer, TestMember, TestNetwork } from './pods.js';

interface TestPod {
  readonly name: string;
  readonly member: TestMember;
  readonly store: DataStore;
  readonly federation: MembershipFederation;
  /** Forwarded operations this pod ran, with the requester it ran them as. */
  readonly seen: { requester: Requester; replay: boolean }[];
  owner(query: string): Promise<ExecutionResult>;
  close(): Promise<void>;
}

async function linksOf(store: DataStore): Promise<LinkTarget[]> {
  const page = await store.query('network_links', { first: 100 });
  return page.records.map((r) => ({
    memberId: String(r.data['member_id']),
    relation: String(r.data['relation']),
  }));
}

describe('recursive queries between real pods (spec §6, §8)', () => {
  let net: TestNetwork;
  let contract: Contract;
  let schema: GraphQLSchema;
  const resolver = tableResolver();
  const servers: PeerServer[] = [];
  const pods = new Map<string, TestPod>();

  async function startPod(name: string): Promise<TestPod> {
    const member = await net.member();
    const store = await openSqliteStore(':memory:', contract);
    const events = new MembershipEvents();
    const federation = createMembershipFederation({
      tlsCredential: member.tls,
      dataCredential: member.data,
      rootCaPem: net.rootCaPem,
      resolver,
      contract: () => contract,
      links: () => linksOf(store),
      // Generous: this machine may be busy; timing is tested in fan-out.test.ts.
      hopTimeoutMs: 4000,
    });
    const context = (requester: Requester): MembershipContext => ({
      contract,
      store,
      requester,
      memberId: member.memberId,
      events,
      proxy: federation.proxy,
    });
    const seen: TestPod['seen'] = [];

    /** What the pod's member-port code does to know who is asking (src/pod/auth/requester.ts). */
    async function requesterOf(socket: TLSSocket): Promise<Requester> {
      const [leaf, ...intermediates] = peerCertificateChainOf(socket);
      if (leaf === undefined) return { kind: 'anonymous' };
      const identity = await verifyChain(leaf, intermediates, net.rootCaPem);
      if (identity.type !== 'member' || identity.memberId === undefined) return { kind: 'anonymous' };
      if (identity.memberId === member.memberId) return { kind: 'owner' };
      const relations = (await linksOf(store))
        .filter((link) => link.memberId === identity.memberId)
        .map((link) => link.relation);
      return {
        kind: 'member',
        memberId: identity.memberId,
        relations,
        distance: 1,
        originSignatureVerified: false,
      };
    }

    const server = await startPeerServer(member.tls, net.rootCaPem, async (request, body, response) => {
      if (request.url === `/api/v1/pod/data-cert/service-${SERVICE_ID}`) {
        response.writeHead(200, { 'content-type': 'application/x-pem-file' });
        response.end(member.data.chainPem);
        return;
      }
      const requester = await requesterOf(request.socket as TLSSocket);
      const prepared = prepareMembershipOperation(schema, context(requester), JSON.parse(body));
      if (!('document' in prepared)) return sendJson(response, { errors: prepared });
      try {
        const admission = await federation.admit(prepared, requester);
        if (requester.kind === 'member')
          seen.push({ requester: admission.requester, replay: admission.replay });
        const admitted = context(admission.requester);
        const contextValue = admission.replay ? replayContext(admitted) : admitted;
        const result = withErrorCodes(await execute({ ...prepared, contextValue }));
        sendJson(response, JSON.parse(JSON.stringify(result)));
      } catch (err) {
        if (!isByodaError(err)) throw err;
        sendJson(response, {
          errors: [{ message: err.message, extensions: { code: err.code } }],
          data: null,
        });
      }
    });
    servers.push(server);
    resolver.add(member.fqdn, server.port);
    const pod: TestPod = {
      name,
      member,
      store,
      federation,
      seen,
      owner: async (query) => {
        const prepared = prepareMembershipOperation(schema, context({ kind: 'owner' }), { query });
        if (!('document' in prepared)) return { errors: prepared };
        return JSON.parse(JSON.stringify(withErrorCodes(await execute(prepared)))) as ExecutionResult;
      },
      close: async () => {
        await federation.close();
        events.close();
        await store.close();
      },
    };
    pods.set(name, pod);
    return pod;
  }

  const pod = (name: string): TestPod => {
    const found = pods.get(name);
    assert.ok(found, name);
    return found;
  };
  const nameOf = (memberId: string | null | undefined): string =>
    [...pods.values()].find((p) => p.member.memberId === memberId)?.name ?? String(memberId);

  before(async () => {
    net = await testNetwork();
    contract = await loadSharedContract('addressbook');
    schema = buildMembershipSchema(contract);
    for (const name of ['A', 'B', 'C', 'D']) {
      const p = await startPod(name);
      await p.store.append('network_assets', {
        created_timestamp: '2025-01-01T00:00:00.000Z',
        asset_id: p.member.memberId,
        asset_type: 'video',
        title: `holiday video of ${name}`,
      });
      await p.store.putObject('person', { given_name: name, family_name: 'Pod', email: `${name}@pods.test` });
    }
    const link = async (from: string, to: string): Promise<void> => {
      await pod(from).store.append('network_links', {
        created_timestamp: '2025-01-01T00:00:00.000Z',
        member_id: pod(to).member.memberId,
        relation: 'friend',
      });
    };
    for (const [from, to] of [
      ['A', 'B'],
      ['A', 'D'],
      ['B', 'A'],
      ['B', 'C'],
      ['C', 'A'],
      ['C', 'B'],
      ['C', 'D'],
      ['D', 'A'],
      ['D', 'C'],
    ] as const) {
      await link(from, to);
    }
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all([...pods.values()].map((p) => p.close()));
  });

  it('reaches every pod once through the diamond and the cycles, with distances from the origin', async () => {
    const result = await pod('A').owner(
      '{ network_assets_connection(depth: 3) { total_count edges { origin node { title } } ' +
        'remote_errors { origin message } } }',
    );
    assert.deepEqual(result.errors, undefined);
    const connection = (result.data as { network_assets_connection: Connection }).network_assets_connection;
    assert.deepEqual(connection.remote_errors, []);
    assert.deepEqual(connection.edges.map((e) => e.node.title).sort(), [
      'holiday video of A',
      'holiday video of B',
      'holiday video of C',
      'holiday video of D',
    ]);
    assert.equal(connection.total_count, 4);
    // The grant anonymises origins (anonimized_responses): no pod's answer names C, which A has no link to.
    assert.ok(connection.edges.every((e) => ['A', 'B', 'D'].includes(nameOf(e.origin))));
    // B and D were asked by A (distance 1); C first by B or D (distance 2), then once more as a replay.
    for (const name of ['B', 'D']) {
      const visits = pod(name).seen.filter((s) => !s.replay && nameOf(memberOf(s.requester)) === 'A');
      assert.equal(visits.length, 1, name);
      assert.equal(distanceOf(visits[0]?.requester), 1);
    }
    const atC = pod('C').seen;
    assert.deepEqual(
      atC.map((s) => [s.replay, distanceOf(s.requester), verifiedOf(s.requester)]),
      [
        [false, 2, true],
        [true, 2, true],
      ],
    );
  });

  it('applies each pod’s own rules: a distance-1 class is refused two hops away, once', async () => {
    const result = await pod('A').owner(
      '{ person_connection(depth: 2) { edges { origin node { given_name email } } remote_errors { origin message } } }',
    );
    assert.deepEqual(result.errors, undefined);
    const connection = (result.data as { person_connection: Connection }).person_connection;
    assert.deepEqual(
      connection.edges.map((e) => [nameOf(e.origin), e.node.given_name, e.node.email]).sort(),
      [
        ['A', 'A', 'A@pods.test'],
        ['B', 'B', 'B@pods.test'],
        ['D', 'D', 'D@pods.test'],
      ],
    );
    assert.equal(connection.remote_errors.length, 1);
    assert.equal(nameOf(connection.remote_errors[0]?.origin), 'C');
    assert.match(connection.remote_errors[0]?.message ?? '', /not allowed to read person: .*distance 2/);
  });

  it('asks one member for the owner with remote_member_id, signed, and refuses a replayed query id', async () => {
    const query = (id: string) =>
      `{ person_connection(remote_member_id: "${pod('B').member.memberId}", query_id: "${id}") ` +
      '{ edges { origin node { given_name email } } remote_errors { origin message } } }';
    const first = await pod('A').owner(query('5b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b'));
    const connection = (first.data as { person_connection: Connection }).person_connection;
    // person.email needs a verified origin signature (source_signature_required): it is there.
    assert.deepEqual(connection.edges, [
      { origin: pod('B').member.memberId, node: { given_name: 'B', email: 'B@pods.test' } },
    ]);
    const again = await pod('A').owner(query('5b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b'));
    assert.deepEqual((again.data as { person_connection: Connection }).person_connection.edges, []);
  });

  it('refuses a forwarded query whose origin signature does not verify', async () => {
    const b = pod('B');
    const forged = await b.federation.peers.postGraphQL(pod('C').member.memberId, {
      query:
        'query($ts: DateTime) { network_assets_connection(depth: 1, query_id: "6b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b", ' +
        `timestamp: $ts, origin_member_id: "${pod('A').member.memberId}", origin_signature: "${'A'.repeat(86)}==") ` +
        '{ edges { origin } } }',
      variables: { ts: new Date().toISOString() },
    });
    assert.deepEqual(forged.body, {
      errors: [
        {
          message: 'origin signature does not verify (the query was changed, or signed with another key)',
          extensions: { code: 'BYODA_ERR_FORBIDDEN' },
        },
      ],
      data: null,
    });
  });
});

interface Connection {
  readonly total_count: number;
  readonly edges: readonly { origin: string | null; node: Record<string, string> }[];
  readonly remote_errors: readonly { origin: string; message: string }[];
}

const memberOf = (requester: Requester | undefined): string | undefined =>
  requester?.kind === 'member' ? requester.memberId : undefined;
const distanceOf = (requester: Requester | undefined): number | undefined =>
  requester?.kind === 'member' ? requester.distance : undefined;
const verifiedOf = (requester: Requester | undefined): boolean | undefined =>
  requester?.kind === 'member' ? requester.originSignatureVerified : undefined;
