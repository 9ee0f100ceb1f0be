/**
 * A recursive query through a network of twelve pods with cycles and diamonds (spec §8). The directory
 * (with its DNS server) and the example addressbook service are real processes; the twelve pods are
 * `PodServer` instances in this test process (twelve more processes are too heavy for a two-core
 * machine), each with its own data folder and TLS ports, found through the directory's DNS and asked
 * over mutual TLS like any pod. Visits are counted from each pod's own log lines.
 *
 * Links (each pod's `network_links`, all `friend`); p0 asks with depth 3:
 *
 *   p0 → p1 p2 p3        distance 1
 *   p1 → p2 p4           p1 ⇄ p2: a cycle between two pods at distance 1
 *   p2 → p1 p4 p5 p0     p1, p2 → p4: a diamond; p2 → p0: back to the origin
 *   p3 → p6 p7
 *   p4 → p1 p8           p4 → p1: a cycle
 *   p5 → p8              p4, p5 → p8: a diamond
 *   p6 → p9              p6, p7 → p9: a diamond
 *   p7 → p9 p10
 *   p8 → p11 p0          p11 is four hops away: the query must not reach it
 *   p9 → p3              (pods at distance 3 forward nothing)
 *   p11 → p10
 *
 * A pod forwards for another member only along links of a relation it links that member with
 * (docs/protocol.md, "Who a pod forwards for"), so each pod within two hops also links the pods that
 * send it the query (SENDER_LINKS, also `friend`). None of these is a shorter way to any pod: they
 * point back to pods nearer p0, so the hops stay as drawn.
 *
 * A pod that breaks the contract is played by a TLS server with a real member certificate of the
 * service (made with the service's own CA), registered in the directory's DNS.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DirectoryClient } from '../../../src/network/index.js';
import { memberDataCn, memberFqdn, openServicePki } from '../../../src/pki/index.js';
import { NETWORK, NetworkHarness } from '../../fixtures/network-harness.js';
import { sendJson, startPeerServer } from '../../unit/federation/pods.js';
import type { PeerServer } from '../../unit/federation/pods.js';
import { inBatches, startInProcessPod, stopInProcessPod } from './in-process-pods.js';
import type { InProcessPod } from './in-process-pods.js';
import { EXAMPLE_CONTRACT, connectionOf, visitLines } from './owner-session.js';

const LINKS: readonly (readonly number[])[] = [
  [1, 2, 3],
  [2, 4],
  [1, 4, 5, 0],
  [6, 7],
  [1, 8],
  [8],
  [9],
  [9, 10],
  [11, 0],
  [3],
  [],
  [10],
];
/** Links back to the senders that LINKS lacks (p1 → p0, p3 → p0, p4 → p2, p5 → p2, p6 → p3, p7 → p3). */
const SENDER_LINKS: readonly (readonly number[])[] = [[], [0], [], [0], [2], [2], [3], [3], [], [], [], []];
const WITHIN_THREE_HOPS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const DIAMOND_TIPS = [4, 8, 9];
/**
 * Generous waits (spec §8 timings): twelve pods share this process's one event loop, and a busy
 * machine must not turn a healthy pod into a per-origin error. Nothing here tests timing.
 */
const TIMINGS = { hopTimeoutMs: 15_000, deadlineMs: 60_000 };

const ASSETS_QUERY = (args: string): string =>
  `{ public_assets_connection(${args}) { total_count edges { origin node { title } } ` +
  'remote_errors { origin message } } }';

describe('a depth-3 query through twelve pods with cycles and diamonds (spec §8)', () => {
  let net: NetworkHarness;
  const pods: InProcessPod[] = [];
  let liar: PeerServer | undefined;
  const pod = (index: number): InProcessPod => {
    const found = pods.find((p) => p.name === `p${index}`);
    assert.ok(found, `p${index}`);
    return found;
  };

  before(async () => {
    net = await NetworkHarness.start({ pods: 0, contract: EXAMPLE_CONTRACT });
    await inBatches(
      LINKS.map((_, index) => index),
      4,
      async (index) => {
        pods.push(await startInProcessPod(net, `p${index}`, TIMINGS));
      },
    );
    await Promise.all(
      LINKS.map(async (targets, index) => {
        const owner = pod(index).owner;
        for (const target of [...targets, ...(SENDER_LINKS[index] ?? [])]) {
          await owner.link(pod(target).owner.memberId, 'friend');
        }
        await owner.publish(`first asset of p${index}`);
        await owner.publish(`second asset of p${index}`);
      }),
    );
  });

  after(async () => {
    await liar?.close();
    await Promise.all(pods.map(stopInProcessPod));
    await net?.stop();
  });

  it('visits every pod within three hops exactly once and returns each of their records once', async () => {
    const queryId = randomUUID();
    const data = await pod(0).owner.data(ASSETS_QUERY(`depth: 3, query_id: "${queryId}"`));
    const connection = connectionOf(data, 'public_assets_connection');
    assert.deepEqual(connection.remote_errors, []);

    const nameOf = new Map(pods.map((p) => [p.owner.memberId, p.name]));
    const got = connection.edges.map((e) => `${nameOf.get(e.origin ?? '')}: ${String(e.node['title'])}`);
    const expected = [0, ...WITHIN_THREE_HOPS].flatMap((i) => [
      `p${i}: first asset of p${i}`,
      `p${i}: second asset of p${i}`,
    ]);
    assert.deepEqual([...got].sort(), [...expected].sort());
    assert.equal(connection.total_count, expected.length);

    const visits = (index: number) => visitLines(pod(index).logLines, queryId);
    const admitted = (index: number) => visits(index).filter((v) => v.msg === 'federated query admitted');
    for (const index of WITHIN_THREE_HOPS) {
      assert.equal(admitted(index).length, 1, `p${index} admitted the query once`);
      assert.equal(admitted(index)[0]?.origin, pod(0).owner.memberId);
    }
    // The origin never receives its own query (nobody forwards to it), p11 is four hops away.
    assert.deepEqual(visits(0), []);
    assert.deepEqual(visits(11), []);
    // The tips of the diamonds were asked twice, and answered the second time with nothing.
    for (const index of DIAMOND_TIPS) {
      assert.ok(visits(index).length >= 2, `p${index} was asked by both sides of its diamond`);
    }
  });

  it('drops the records of a pod that answers what the contract does not allow, naming it', async () => {
    const serviceId = net.service.serviceId;
    const memberId = randomUUID();
    const servicePki = await openServicePki(
      join(net.service.dataDir, 'pki'),
      (await readFile(join(net.service.dataDir, 'passphrase'), 'utf8')).trim(),
    );
    const [tls, dataCert] = await Promise.all([
      servicePki.membersCa.issueCredential(memberFqdn(NETWORK, serviceId, memberId)),
      servicePki.membersCa.issueCredential(memberDataCn(NETWORK, serviceId, memberId)),
    ]);
    const edge = (cursor: string, node: Record<string, unknown>) => ({ cursor, origin: memberId, node });
    const asset = { asset_id: randomUUID(), created_timestamp: new Date().toISOString(), asset_type: 'note' };
    liar = await startPeerServer(tls, net.directory.rootCaPem, (request, _body, response) => {
      if (request.method === 'GET') {
        response.writeHead(200, { 'content-type': 'application/x-pem-file' });
        response.end(dataCert.chainPem);
        return;
      }
      sendJson(response, {
        data: {
          result: {
            edges: [
              edge('c1', { ...asset, title: 'an asset that fits the contract' }),
              edge('c2', { ...asset, asset_id: 'not a uuid', title: 'a malformed asset' }),
              edge('c3', { ...asset, title: 'an asset with more', secret: 'a field the contract lacks' }),
            ],
            remote_errors: [],
          },
        },
      });
    });
    // The directory takes a member's address from the member's own certificate, as for a real pod.
    const directory = new DirectoryClient({
      url: net.directory.url,
      network: NETWORK,
      rootCaPem: net.directory.rootCaPem,
      credential: tls,
    });
    try {
      await directory.registerMember({ memberId, serviceId, address: '127.0.0.1', port: liar.port });
    } finally {
      await directory.close();
    }
    await pod(0).owner.link(memberId, 'acquaintance');

    const data = await pod(0).owner.data(ASSETS_QUERY('depth: 1, relations: ["acquaintance"]'));
    const connection = connectionOf(data, 'public_assets_connection');
    assert.deepEqual(
      connection.edges.filter((e) => e.origin === memberId).map((e) => e.node['title']),
      ['an asset that fits the contract'],
    );
    assert.equal(connection.remote_errors.length, 1);
    assert.equal(connection.remote_errors[0]?.origin, memberId);
    assert.match(connection.remote_errors[0]?.message ?? '', /dropped 2 records that break the contract/);
  });
});
