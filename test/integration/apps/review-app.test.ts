/**
 * Apps and claims between real processes (spec §9, §12): a directory with its DNS server, the service
 * (the real addressbook contract, whose assets carry `claims` and whose members keep an `apps` list),
 * two pods and a review app, each a `byoda` process.
 *
 *   The service's operator makes the app (`byoda app init`, certs from the service's apps CA); the app
 *   registers its name at the directory. B asks the app to review two of its public assets, and keeps
 *   each claim in the asset's `claims`. A's pod reads B's assets, verifies the claims against the app's
 *   data cert (fetched from the app), and with `trusted_claim` keeps only those approved by an app A's
 *   owner trusts. An identity app beside it confirms B's invites (identity-suite.ts).
 *
 *   The shared addressbook grants `app` nothing, so the service runs a copy of it that does (written to
 *   a temporary folder): `incoming_assets` may be read by every app (as in contracts/addressbook.json),
 *   `feed_assets` only by the review app, named in `app_ids` (its id is chosen before `byoda app init
 *   --app-id`, so that the contract can name it).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Agent } from 'undici';
import { appFqdn, memberFqdn, readCredential } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { CREDENTIALS } from '../../../src/pod/index.js';
import { writeDerivedContract } from '../../fixtures/contracts.js';
import type { ContractDocument } from '../../fixtures/contracts.js';
import { ByodaProcess, NetworkHarness, runByodaJson } from '../../fixtures/network-harness.js';
import { joinEachPod, podOfSession } from '../federation/owner-session.js';
import type { OwnerSession } from '../federation/owner-session.js';
import { codes, graphql, podCredential, postJson, send, tlsAgent } from '../pod/pod-clients.js';
import { countersSuite } from './counters-suite.js';
import { datalogSuite } from './datalog-suite.js';
import { identitySuite } from './identity-suite.js';
import { scopedTokensSuite } from './scoped-tokens-suite.js';

interface CheckView {
  readonly issuer_id: string | null;
  readonly claims: string[];
  readonly verified: boolean;
  readonly trusted: boolean;
  readonly reason: string | null;
}

/** The copy of the shared addressbook this network's service runs: rules for apps (see above). */
function grantApps(doc: ContractDocument, reviewAppId: string): void {
  const classes = (doc['jsonschema'] as { properties: Record<string, Record<string, unknown>> }).properties;
  const grant = (name: string, rule: unknown): void => {
    const cls = classes[name];
    assert.ok(cls, name);
    cls['#accesscontrol'] = { ...(cls['#accesscontrol'] as object), app: { permissions: [rule] } };
  };
  grant('incoming_assets', 'read');
  grant('feed_assets', { permission: 'read', app_ids: [reviewAppId] });
}

interface StartedApp {
  readonly process: ByodaProcess;
  readonly appId: string;
  readonly url: string;
  readonly fqdn: string;
  readonly tls: Credential;
}

/** `byoda app init` (by the service's operator) and `byoda app start`, in `<net>/<kind>-app`. */
async function startApp(net: NetworkHarness, kind: 'review' | 'identity', id?: string): Promise<StartedApp> {
  const dir = join(net.root, `${kind}-app`);
  const init = await runByodaJson([
    'app',
    'init',
    '--data',
    dir,
    '--service-data',
    net.service.dataDir,
    '--directory',
    net.directory.url,
    '--kind',
    kind,
    ...(id !== undefined ? ['--app-id', id] : []),
    '--local-secrets',
  ]);
  const appId = String(init['app_id']);
  const { process, ready } = await ByodaProcess.start(['app', 'start', '--data', dir]);
  const passphrase = (await readFile(join(dir, 'passphrase'), 'utf8')).trim();
  return {
    process,
    appId,
    url: String(ready['url']),
    fqdn: appFqdn('byoda.test', net.service.serviceId, appId),
    tls: await readCredential(dir, 'app', passphrase),
  };
}

const READ_REVIEWED =
  'query($remote: UUID, $trusted: String) { public_assets_connection(remote_member_id: $remote, ' +
  'trusted_claim: $trusted) { edges { node { asset_id title } claims { issuer_id claims verified trusted reason } } } }';

describe('a review app and its claims (spec §12)', () => {
  let net: NetworkHarness;
  let contractDir: string;
  let a: OwnerSession;
  let b: OwnerSession;
  let app: StartedApp;
  let identity: StartedApp;
  let appId: string;
  let appUrl: string;
  let appTls: Credential;
  let bMember: Credential;
  let aMember: Credential;
  const agents: Agent[] = [];
  const approvedId = randomUUID();
  const rejectedId = randomUUID();
  const reviewAppId = randomUUID();

  const agentFor = (servername: string, credential?: Credential): Agent => {
    const agent = tlsAgent(net.directory.rootCaPem, servername, credential);
    agents.push(agent);
    return agent;
  };

  before(async () => {
    contractDir = await mkdtemp(join(tmpdir(), 'byoda-apps-contract-'));
    const contract = await writeDerivedContract('addressbook', contractDir, (doc) =>
      grantApps(doc, reviewAppId),
    );
    net = await NetworkHarness.start({ pods: 2, contract });
    [[a, b], app, identity] = await Promise.all([
      joinEachPod(net, ['a', 'b']),
      startApp(net, 'review', reviewAppId),
      startApp(net, 'identity'),
    ]);
    appId = app.appId;
    appUrl = app.url;
    appTls = app.tls;
    bMember = await podCredential(podOfSession(net, b), CREDENTIALS.memberTls(net.service.serviceId));
    aMember = await podCredential(podOfSession(net, a), CREDENTIALS.memberTls(net.service.serviceId));
  });

  after(async () => {
    await Promise.all([...agents, a, b].map((closable) => closable?.close()));
    await Promise.all([app?.process.stop(), identity?.process.stop()]);
    await net?.stop();
    if (contractDir) await rm(contractDir, { recursive: true, force: true });
  });

  const fqdn = (): string => appFqdn('byoda.test', net.service.serviceId, appId);

  it('is named <app_id>.apps-<service_id>.<network> in the network’s DNS, with a cert of the apps CA', async () => {
    const resolver = new Resolver();
    resolver.setServers([`${net.directory.dns.host}:${net.directory.dns.port}`]);
    assert.deepEqual(await resolver.resolve4(fqdn()), ['127.0.0.1']);
    const [srv] = await resolver.resolveSrv(`_byoda._tcp.${fqdn()}`);
    assert.equal(srv?.port, new URL(appUrl).port === '' ? 443 : Number(new URL(appUrl).port));
    assert.match(appTls.chainPem, /BEGIN CERTIFICATE/);
    assert.equal(appTls.identity.type, 'app');
    assert.equal(appId, reviewAppId, 'byoda app init --app-id');
    const status = await send(agentFor(fqdn()), `${appUrl}/api/v1/status`);
    assert.equal(status.status, 200, status.text);
  });

  /** B's record, reviewed by the app over mTLS with B's member cert; the claim B keeps with it. */
  async function reviewAndKeep(assetId: string, title: string): Promise<Record<string, unknown>> {
    const record = {
      asset_id: assetId,
      created_timestamp: new Date().toISOString(),
      asset_type: 'note',
      title,
    };
    await b.data('mutation($input: asset_input!) { append_public_assets(input: $input) { title } }', {
      input: record,
    });
    const answer = await postJson(agentFor(fqdn(), bMember), `${appUrl}/api/v1/app/claims`, {
      object_type: 'public_assets',
      keyfield: 'asset_id',
      record,
      object_fields: ['asset_id', 'asset_type', 'title'],
    });
    assert.equal(answer.status, 200, answer.text);
    const { claim } = answer.json as { claim: Record<string, unknown> };
    await b.data(
      'mutation($id: UUID!, $input: asset_update_input!) { update_public_assets(filter: {asset_id: {eq: $id}}, input: $input) }',
      { id: assetId, input: { claims: [claim] } },
    );
    return claim;
  }

  it('signs a claim for a member, and refuses anyone else and bad input', async () => {
    const body = {
      object_type: 'public_assets',
      keyfield: 'asset_id',
      record: { asset_id: randomUUID(), title: 'x' },
    };
    const anonymous = await postJson(agentFor(fqdn()), `${appUrl}/api/v1/app/claims`, body);
    assert.equal(anonymous.status, 401, anonymous.text);
    const asApp = await postJson(agentFor(fqdn(), appTls), `${appUrl}/api/v1/app/claims`, body);
    assert.equal(asApp.status, 403, asApp.text);
    const noKey = await postJson(agentFor(fqdn(), bMember), `${appUrl}/api/v1/app/claims`, {
      ...body,
      record: { title: 'no id' },
    });
    assert.equal(noKey.status, 400, noKey.text);
    assert.match(noKey.text, /body\/record\/asset_id/);
    const coversClaims = await postJson(agentFor(fqdn(), bMember), `${appUrl}/api/v1/app/claims`, {
      ...body,
      object_fields: ['claims'],
    });
    assert.equal(coversClaims.status, 400, coversClaims.text);

    const approved = await reviewAndKeep(approvedId, 'a fine note');
    assert.deepEqual(approved['claims'], ['verdict:approved', 'audience:everyone']);
    assert.equal(approved['issuer_id'], appId);
    assert.equal(approved['requester_id'], b.memberId);
    const rejected = await reviewAndKeep(rejectedId, 'buy spam now');
    assert.deepEqual(rejected['claims'], ['verdict:rejected', 'audience:everyone']);
    const confirmed = await send(
      agentFor(fqdn()),
      String(approved['confirmation_url']).replace(`https://${fqdn()}:${new URL(appUrl).port}`, appUrl),
    );
    assert.equal(confirmed.status, 200, confirmed.text);
  });

  it('is verified by another member’s pod, which filters on the apps its owner trusts', async () => {
    const edges = async (
      trusted?: string,
    ): Promise<{ node: { asset_id: string }; claims: CheckView[] }[]> => {
      const data = await a.data(READ_REVIEWED, { remote: b.memberId, ...(trusted ? { trusted } : {}) });
      return (
        data['public_assets_connection'] as { edges: { node: { asset_id: string }; claims: CheckView[] }[] }
      ).edges;
    };
    const all = await edges();
    const approved = all.find((edge) => edge.node.asset_id === approvedId);
    assert.deepEqual(approved?.claims, [
      {
        issuer_id: appId,
        claims: ['verdict:approved', 'audience:everyone'],
        verified: true,
        trusted: false,
        reason: null,
      },
    ]);
    // Nothing is trusted yet: the filter keeps nothing.
    assert.deepEqual(await edges('verdict:approved'), []);
    await a.data('mutation($input: app_input!) { append_apps(input: $input) { app_id } }', {
      input: { app_id: appId, app_type: 'moderation', status: 'active' },
    });
    const kept = await edges('verdict:approved');
    assert.deepEqual(
      kept.map((edge) => edge.node.asset_id),
      [approvedId],
    );
    assert.equal(kept[0]?.claims[0]?.trusted, true);
    assert.deepEqual(
      (await edges('verdict:rejected')).map((edge) => edge.node.asset_id),
      [rejectedId],
    );
  });

  it('no longer verifies once the reviewed record changed', async () => {
    await b.data(
      'mutation($id: UUID!) { update_public_assets(filter: {asset_id: {eq: $id}}, input: {title: "changed after review"}) }',
      { id: approvedId },
    );
    const data = await a.data(READ_REVIEWED, { remote: b.memberId });
    const edge = (
      data['public_assets_connection'] as { edges: { node: { asset_id: string }; claims: CheckView[] }[] }
    ).edges.find((e) => e.node.asset_id === approvedId);
    assert.equal(edge?.claims[0]?.verified, false);
    assert.match(edge?.claims[0]?.reason ?? '', /changed/);
    const data2 = await a.data(READ_REVIEWED, { remote: b.memberId, trusted: 'verdict:approved' });
    assert.deepEqual((data2['public_assets_connection'] as { edges: unknown[] }).edges, []);
  });

  it('filters on trust for the owner only', async () => {
    const pod = podOfSession(net, b);
    const anonymous = await graphql(agentFor(pod.fqdn), pod.webUrl, net.service.serviceId, READ_REVIEWED, {
      variables: { trusted: 'verdict:approved' },
    });
    assert.deepEqual(codes(anonymous), ['BYODA_ERR_FORBIDDEN'], anonymous.text);
  });

  it('is an app to the pod’s firewall: what the contract grants every app, or this app, and no more', async () => {
    const pod = podOfSession(net, b);
    const memberName = memberFqdn('byoda.test', net.service.serviceId, b.memberId);
    const asset = (title: string): Record<string, unknown> => ({
      asset_id: randomUUID(),
      created_timestamp: new Date().toISOString(),
      asset_type: 'note',
      title,
    });
    for (const [cls, title] of [
      ['incoming_assets', 'arrived from a followed member'],
      ['feed_assets', 'in the feed'],
    ] as const) {
      await b.data(`mutation($input: asset_input!) { append_${cls}(input: $input) { title } }`, {
        input: asset(title),
      });
    }
    const read = (agent: Agent, url: string, cls: string) =>
      graphql(agent, url, net.service.serviceId, `{ ${cls}_connection { edges { node { title } } } }`);
    const titles = async (agent: Agent, cls: string): Promise<string[]> => {
      const answer = await read(agent, pod.memberUrl, cls);
      assert.deepEqual(answer.errors, [], answer.text);
      const edges = (answer.data?.[`${cls}_connection`] as { edges: { node: { title: string } }[] }).edges;
      return edges.map((edge) => edge.node.title);
    };
    const reviewer = agentFor(memberName, appTls);
    const otherApp = agentFor(memberName, identity.tls);
    // incoming_assets: every app (no app_ids).
    assert.deepEqual(await titles(reviewer, 'incoming_assets'), ['arrived from a followed member']);
    assert.deepEqual(await titles(otherApp, 'incoming_assets'), ['arrived from a followed member']);
    // feed_assets: only the app its app_ids name; another app is told why not.
    assert.deepEqual(await titles(reviewer, 'feed_assets'), ['in the feed']);
    const refusedApp = await read(otherApp, pod.memberUrl, 'feed_assets');
    assert.deepEqual(codes(refusedApp), ['BYODA_ERR_FORBIDDEN'], refusedApp.text);
    assert.match(refusedApp.text, new RegExp(`is given only to the apps ${appId}`));
    // A member (A, no grant on either class) and anonymous clients are refused the same reads.
    for (const cls of ['incoming_assets', 'feed_assets']) {
      const member = await read(agentFor(memberName, aMember), pod.memberUrl, cls);
      assert.deepEqual(codes(member), ['BYODA_ERR_FORBIDDEN'], member.text);
      assert.match(member.text, /granted only to member, app/);
      const anonymous = await read(agentFor(pod.fqdn), pod.webUrl, cls);
      assert.deepEqual(codes(anonymous), ['BYODA_ERR_FORBIDDEN'], anonymous.text);
    }
    // Beyond its grants an app has what anonymous clients have: public_assets, not network_links.
    const assets = await graphql(
      reviewer,
      pod.memberUrl,
      net.service.serviceId,
      '{ public_assets_connection { total_count } }',
    );
    assert.deepEqual(assets.errors, [], assets.text);
    const links = await graphql(
      reviewer,
      pod.memberUrl,
      net.service.serviceId,
      '{ network_links_connection { total_count } }',
    );
    assert.deepEqual(codes(links), ['BYODA_ERR_FORBIDDEN'], links.text);
    assert.match(links.text, /an app of the service/);
  });

  identitySuite({
    reader: () => a,
    member: () => b,
    app: () => identity,
    memberAgent: () => agentFor(identity.fqdn, bMember),
  });

  scopedTokensSuite({
    pod: () => podOfSession(net, b),
    agent: () => agentFor(podOfSession(net, b).fqdn),
    ownerToken: () => b.token,
    serviceId: () => net.service.serviceId,
  });

  countersSuite({
    owner: () => b,
    pod: () => podOfSession(net, b),
    rootCaPem: () => net.directory.rootCaPem,
    serviceId: () => net.service.serviceId,
  });

  datalogSuite({
    owner: () => b,
    pod: () => podOfSession(net, b),
    memberAgent: () => agentFor(memberFqdn('byoda.test', net.service.serviceId, b.memberId), aMember),
    anonymousAgent: () => agentFor(podOfSession(net, b).fqdn),
    serviceId: () => net.service.serviceId,
  });
});
