/**
 * The feed listener against real parts in one process: a followed pod's member port stood in for by an
 * HTTPS server with mutual TLS serving the membership's generated schema over graphql-ws (its own
 * SQLite store and event bus), and the follower's own SQLite store whose `network_links` decide whom
 * it follows. Names resolve through a table instead of DNS (test/unit/federation/pods.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Contract } from '../../../src/contract/index.js';
import { createFeedListener, wantedFollows } from '../../../src/feeds/index.js';
import type { FeedListener } from '../../../src/feeds/index.js';
import { dataPath } from '../../../src/federation/index.js';
import type { LinkTarget } from '../../../src/federation/index.js';
import { MembershipEvents, buildMembershipSchema } from '../../../src/graphql/index.js';
import type { MembershipContext } from '../../../src/graphql/index.js';
import { credentialTlsOptions } from '../../../src/pki/index.js';
import { privateKeyPem } from '../../../src/pki/keys.js';
import { openSqliteStore } from '../../../src/storage/index.js';
import type { DataStore } from '../../../src/storage/index.js';
import { forgeCertificate, tempDir } from '../../fixtures/pki.js';
import { SERVICE_ID, tableResolver, testNetwork } from '../federation/pods.js';
import type { TestMember, TestNetwork } from '../federation/pods.js';
import { exampleContract } from './feed-contracts.js';

type LogLine = Record<string, unknown> & { msg: string };

async function waitUntil(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const giveUp = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > giveUp) assert.fail(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A followed pod's member port: graphql-ws over mutual TLS, serving `public_assets_updates`. */
interface FollowedPod {
  readonly port: number;
  readonly store: DataStore;
  /** CNs of the client certificates of upgraded connections. */
  readonly clients: string[];
  readonly wss: WebSocketServer;
  /**
   * While `hang` is true, graphql-ws pings are left unanswered, as by a pod that hangs; while `refuse`
   * is true, new connections are refused, as by a pod that is down.
   */
  readonly control: { hang: boolean; refuse: boolean };
  publish(title: string, action?: 'append' | 'update'): Promise<string>;
  close(): Promise<void>;
}

async function startFollowedPod(
  tls: { readonly cert: string; readonly key: string },
  rootCaPem: string,
  contract: Contract,
  store: DataStore,
): Promise<FollowedPod> {
  const events = new MembershipEvents();
  const server: Server = createServer({
    ...tls,
    ca: rootCaPem,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const wss = new WebSocketServer({ server, path: dataPath(SERVICE_ID) });
  const clients: string[] = [];
  const schema = buildMembershipSchema(contract);
  const control = { hang: false, refuse: false };
  useServer(
    {
      schema,
      // A promise that never settles keeps graphql-ws from sending the pong.
      onPing: () => (control.hang ? new Promise<void>(() => undefined) : undefined),
      onConnect: (ctx) => {
        if (control.refuse) return false;
        const socket = ctx.extra.request.socket as TLSSocket;
        clients.push(String(socket.getPeerCertificate().subject.CN));
      },
      context: (): MembershipContext & Record<string, unknown> => ({
        contract,
        store,
        requester: { kind: 'anonymous' },
        memberId: randomUUID(),
        events,
      }),
    },
    wss,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    control,
    port: (server.address() as AddressInfo).port,
    store,
    clients,
    wss,
    async publish(title, action = 'append') {
      const assetId = randomUUID();
      const item = {
        asset_id: assetId,
        created_timestamp: new Date().toISOString(),
        asset_type: 'note',
        title,
      };
      const record = await store.append('public_assets', item);
      events.publish({ className: 'public_assets', action, node: record.data });
      return assetId;
    },
    close: async () => {
      events.close();
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('the feed listener (listen_relations) over graphql-ws with mutual TLS', () => {
  let dir: { dir: string; remove: () => Promise<void> };
  let network: TestNetwork;
  let contract: Contract;
  let fay: TestMember;
  let pam: TestMember;
  let impostor: TestMember;
  let fayStore: DataStore;
  let pamPod: FollowedPod;
  let fakePod: FollowedPod;
  let forged: TestMember;
  let forgedPod: FollowedPod;
  let listener: FeedListener;
  let resolver: ReturnType<typeof tableResolver>;
  const logs: LogLine[] = [];
  const copiedEvents: string[] = [];

  const openStore = async (): Promise<DataStore> =>
    openSqliteStore(join(dir.dir, `${randomUUID()}.db`), contract);
  const lines = (msg: string, memberId: string): LogLine[] =>
    logs.filter((line) => line.msg === msg && line['member_id'] === memberId);
  const linkTo = async (memberId: string, relation: string): Promise<void> => {
    await fayStore.append('network_links', {
      member_id: memberId,
      relation,
      created_timestamp: new Date().toISOString(),
    });
  };
  const copied = async (className: string, assetId: string): Promise<boolean> =>
    (await fayStore.count(className, { asset_id: { eq: assetId } })) === 1;

  before(async () => {
    dir = await tempDir('byoda-feed-listener-');
    network = await testNetwork();
    contract = await exampleContract();
    [fay, pam, impostor, forged] = await Promise.all([
      network.member(),
      network.member(),
      network.member(),
      network.member(),
    ]);
    fayStore = await openStore();
    pamPod = await startFollowedPod(
      credentialTlsOptions(pam.tls),
      network.rootCaPem,
      contract,
      await openStore(),
    );
    // Answers for the impostor's name but presents Pam's certificate: not the pod it claims to be.
    fakePod = await startFollowedPod(
      credentialTlsOptions(pam.tls),
      network.rootCaPem,
      contract,
      await openStore(),
    );
    // Presents a certificate for the right name that chains to the root, but from the accounts CA,
    // which may not issue member certificates: only the network's issuance rules tell.
    const accountsCa = network.hierarchy.accountsCa.credential;
    const fake = await forgeCertificate(accountsCa, forged.fqdn);
    forgedPod = await startFollowedPod(
      { cert: `${fake.certPem}\n${accountsCa.chainPem}`, key: privateKeyPem(fake.keys.privateKey) },
      network.rootCaPem,
      contract,
      await openStore(),
    );
    resolver = tableResolver();
    resolver.add(pam.fqdn, pamPod.port);
    resolver.add(impostor.fqdn, fakePod.port);
    resolver.add(forged.fqdn, forgedPod.port);
    const record = (level: string) => (fields: object, msg: string) =>
      logs.push({ ...(fields as Record<string, unknown>), level, msg });
    listener = createFeedListener({
      tlsCredential: fay.tls,
      rootCaPem: network.rootCaPem,
      resolver,
      store: fayStore,
      contract: () => contract,
      links: async () =>
        (await fayStore.query('network_links', { first: 100 })).records.map((r): LinkTarget => ({
          memberId: String(r.data['member_id']),
          relation: String(r.data['relation']),
        })),
      logger: { debug: record('debug'), info: record('info'), warn: record('warn') },
      onCopied: (className) => copiedEvents.push(className),
      retryInitialMs: 50,
      retryMaxMs: 200,
      keepAliveMs: 200,
      pongTimeoutMs: 400,
    });
  });

  after(async () => {
    await listener?.close();
    await Promise.all([pamPod?.close(), fakePod?.close(), forgedPod?.close()]);
    const stores = [fayStore, pamPod?.store, fakePod?.store, forgedPod?.store];
    await Promise.all(stores.map((store) => store?.close()));
    await dir?.remove();
  });

  it('follows nobody without links', () => {
    assert.deepEqual(listener.status().following, []);
  });

  it('subscribes to a pod linked `follow` over mutual TLS, as this membership', async () => {
    await linkTo(pam.memberId, 'follow');
    await waitUntil('a subscription to Pam', () => listener.status().subscribed.includes(pam.memberId));
    assert.deepEqual(pamPod.clients, [fay.fqdn]);
    assert.equal(lines('feed subscribed', pam.memberId).length, 1);
  });

  it('copies appended items into both classes with their origin; updates are not copied', async () => {
    const first = await pamPod.publish('first');
    await pamPod.publish('changed', 'update');
    const second = await pamPod.publish('second');
    await waitUntil('both items in both classes', async () => {
      const found = await Promise.all(
        [first, second].flatMap((id) => [copied('incoming_assets', id), copied('feed_assets', id)]),
      );
      return found.every(Boolean);
    });
    assert.equal(await fayStore.count('incoming_assets'), 2);
    const records = (await fayStore.query('feed_assets')).records;
    assert.deepEqual(
      records.map((r) => [r.data['title'], r.meta.origin]),
      [
        ['first', pam.memberId],
        ['second', pam.memberId],
      ],
    );
    const status = listener.status();
    assert.equal(status.copied, 4);
    assert.deepEqual([status.refused, status.invalid, status.duplicates], [0, 0, 0]);
    assert.deepEqual(copiedEvents.sort(), [
      'feed_assets',
      'feed_assets',
      'incoming_assets',
      'incoming_assets',
    ]);
  });

  it('reconnects after the pod drops the connection, and copies what comes next', async () => {
    const failures = listener.status().failures;
    for (const client of pamPod.wss.clients) client.terminate();
    await waitUntil('a second subscription', () => lines('feed subscribed', pam.memberId).length === 2);
    assert.equal(listener.status().failures, failures + 1);
    assert.deepEqual(
      lines('feed connection failed', pam.memberId).map((line) => line['retry_in_ms']),
      [50],
    );
    const third = await pamPod.publish('third');
    await waitUntil('the third item', () => copied('incoming_assets', third));
  });

  it('gives up a pod that leaves a ping unanswered, and follows it again once it answers', async () => {
    const subscriptions = lines('feed subscribed', pam.memberId).length;
    pamPod.control.hang = true;
    await waitUntil(
      'the unanswered ping',
      () => lines('feed pod left a ping unanswered', pam.memberId).length === 1,
    );
    pamPod.control.hang = false;
    await waitUntil(
      'a new subscription',
      () => lines('feed subscribed', pam.memberId).length > subscriptions,
    );
    const item = await pamPod.publish('after the hang');
    await waitUntil('the item after the hang', () => copied('incoming_assets', item));
  });

  it('catches up after a lost connection: what was appended meanwhile is copied, once', async () => {
    const subscriptions = lines('feed subscribed', pam.memberId).length;
    pamPod.control.refuse = true;
    for (const client of pamPod.wss.clients) client.terminate();
    await waitUntil('the follow to be down', () => !listener.status().subscribed.includes(pam.memberId));
    const missed = [await pamPod.publish('missed one'), await pamPod.publish('missed two')];
    pamPod.control.refuse = false;
    await waitUntil(
      'a new subscription',
      () => lines('feed subscribed', pam.memberId).length > subscriptions,
    );
    for (const id of missed) await waitUntil(`the missed item ${id}`, () => copied('incoming_assets', id));
    await waitUntil('the catch-up line', () =>
      lines('feed caught up', pam.memberId).some((line) => line['copied'] === 2),
    );
    const next = await pamPod.publish('after the catch-up');
    await waitUntil('the next item', () => copied('feed_assets', next));
    for (const id of missed) assert.equal(await copied('feed_assets', id), true, 'copied once, not twice');
  });

  it('catches up after this pod restarts: where a follow stands is kept in the store', async () => {
    // Another follower pod (its own store) that follows Pam, stops, and starts again.
    const store = await openStore();
    const follower = (): FeedListener =>
      createFeedListener({
        tlsCredential: fay.tls,
        rootCaPem: network.rootCaPem,
        resolver,
        store,
        contract: () => contract,
        links: async () => [{ memberId: pam.memberId, relation: 'follow' }],
        retryInitialMs: 50,
        retryMaxMs: 200,
      });
    const has = async (id: string): Promise<number> =>
      store.count('incoming_assets', { asset_id: { eq: id } });
    const before = await pamPod.publish('before the first start');
    let first: FeedListener | undefined = follower();
    try {
      const position = `feed:${pam.memberId}:public_assets:incoming_assets`;
      await waitUntil('the position to be kept', async () => (await store.getState(position)) !== undefined);
      const seen = await pamPod.publish('while running');
      await waitUntil('the item while running', async () => (await has(seen)) === 1);
      await first.close();
      first = undefined;
      const missed = await pamPod.publish('while stopped');
      const second = follower();
      try {
        await waitUntil('the item posted while stopped', async () => (await has(missed)) === 1);
        assert.equal(await has(seen), 1, 'not copied again');
        assert.equal(await has(before), 0, 'what was there before the first follow is not copied');
      } finally {
        await second.close();
      }
    } finally {
      await first?.close();
      await store.close();
    }
  });

  it('retries a followed member whose name does not resolve, and the pod keeps running', async () => {
    // graphql-ws asks for the URL from a promise nobody awaits: a failed lookup there once ended the
    // whole pod with an unhandled rejection (which node's test runner fails this test for).
    const nameless = randomUUID();
    await linkTo(nameless, 'follow');
    await waitUntil('two failed lookups', () => lines('feed connection failed', nameless).length >= 2);
    const failed = lines('feed connection failed', nameless);
    assert.match(String(failed[0]?.['reason']), /not found|not registered|NXDOMAIN|DNS/i);
    assert.deepEqual(
      failed.slice(0, 2).map((line) => line['retry_in_ms']),
      [50, 100],
    );
    assert.ok(!listener.status().subscribed.includes(nameless));
    await fayStore.delete('network_links', { member_id: { eq: nameless } });
    await listener.reconcile();
  });

  it('refuses a pod that presents another member’s certificate, and keeps retrying with backoff', async () => {
    await linkTo(impostor.memberId, 'follow');
    await waitUntil(
      'three failed attempts',
      () => lines('feed connection failed', impostor.memberId).length >= 3,
    );
    const failed = lines('feed connection failed', impostor.memberId);
    // TLS checks the name first; the chain check by network rules comes after (src/federation verifyPeer).
    assert.match(String(failed[0]?.['reason']), /does not match certificate's altnames/);
    assert.deepEqual(
      failed.slice(0, 3).map((line) => line['retry_in_ms']),
      [50, 100, 200],
    );
    assert.equal(lines('feed subscribed', impostor.memberId).length, 0);
    assert.ok(!listener.status().subscribed.includes(impostor.memberId));
    // The impostor's server never saw an upgrade: the connection was cut right after the handshake.
    assert.deepEqual(fakePod.clients, []);
  });

  it('refuses a pod whose certificate for the right name is not a member TLS cert', async () => {
    await linkTo(forged.memberId, 'follow');
    await waitUntil('a failed attempt', () => lines('feed connection failed', forged.memberId).length >= 1);
    const [failed] = lines('feed connection failed', forged.memberId);
    assert.match(String(failed?.['reason']), /.+/);
    assert.doesNotMatch(String(failed?.['reason']), /altnames/);
    assert.equal(lines('feed subscribed', forged.memberId).length, 0);
    assert.deepEqual(forgedPod.clients, []);
    await fayStore.delete('network_links', { member_id: { eq: forged.memberId } });
  });

  it('does not follow a pod linked with another relation', async () => {
    const other = await network.member();
    await linkTo(other.memberId, 'friend');
    await listener.reconcile();
    assert.ok(!listener.status().following.includes(other.memberId));
  });

  it('unfollows when the link is removed: the connection closes', async () => {
    const subscriptions = lines('feed subscribed', pam.memberId).length;
    await fayStore.delete('network_links', { member_id: { eq: impostor.memberId } });
    await fayStore.delete('network_links', { member_id: { eq: pam.memberId } });
    await listener.reconcile();
    assert.deepEqual(listener.status().following, []);
    await waitUntil('Pam’s pod to see the connection closed', () => pamPod.wss.clients.size === 0);
    const later = await pamPod.publish('after the unfollow');
    // Following again shows the listener works; the item published meanwhile was not copied.
    await linkTo(pam.memberId, 'follow');
    await waitUntil(
      'a subscription after following again',
      () => lines('feed subscribed', pam.memberId).length === subscriptions + 1,
    );
    const last = await pamPod.publish('after following again');
    await waitUntil('the last item', () => copied('incoming_assets', last));
    assert.equal(await copied('incoming_assets', later), false);
  });

  it('close() ends every connection', async () => {
    await listener.close();
    assert.deepEqual(listener.status().following, []);
    await waitUntil('no connection left at Pam’s pod', () => pamPod.wss.clients.size === 0);
    const ignored = await pamPod.publish('after close');
    await listener.reconcile(); // a no-op once closed
    assert.equal(await copied('incoming_assets', ignored), false);
  });
});

describe('wantedFollows', () => {
  const links = (pairs: [string, string][]): LinkTarget[] =>
    pairs.map(([memberId, relation]) => ({ memberId, relation }));
  const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
  const B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
  const SELF = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';

  it('follows each member linked with a listened relation once, with all its relations', async () => {
    const contract = await exampleContract();
    const wanted = [
      ...wantedFollows(
        contract,
        links([
          [A, 'follow'],
          [A, 'friend'],
          [B, 'friend'],
          [SELF, 'follow'],
        ]),
        SELF,
      ).values(),
    ];
    assert.deepEqual(
      wanted.map((w) => [w.memberId, w.relation.destinationClass, w.relations]),
      [[A, 'incoming_assets', ['follow', 'friend']]],
    );
  });

  it('keys follows by contract version, so that an upgrade subscribes again', async () => {
    const contract = await exampleContract();
    const [key] = wantedFollows(contract, links([[A, 'follow']]), SELF).keys();
    const [upgraded] = wantedFollows(
      { ...contract, version: contract.version + 1 },
      links([[A, 'follow']]),
      SELF,
    ).keys();
    assert.ok(key && upgraded && key !== upgraded);
  });
});
