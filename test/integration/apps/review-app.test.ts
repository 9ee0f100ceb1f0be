/**
 * Apps and claims between real processes (spec §9, §12): a directory with its DNS server, the service
 * (the real addressbook contract, whose assets carry `claims` and whose members keep an `apps` list),
 * two pods and a review app, each a `byoda` process.
 *
 *   The service's operator makes the app (`byoda app init`, certs from the service's apps CA); the app
 *   registers its name at the directory. B asks the app to review two of its public assets, and keeps
 *   each claim in the asset's `claims`. A's pod reads B's assets, verifies the claims against the app's
 *   data cert (fetched from the app), and with `trusted_claim` keeps only those approved by an app A's
 *   owner trusts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Agent } from 'undici';
import { appFqdn, memberFqdn, readCredential } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { CREDENTIALS } from '../../../src/pod/index.js';
import { ByodaProcess, NetworkHarness, runByodaJson } from '../../fixtures/network-harness.js';
import { joinEachPod, podOfSession } from '../federation/owner-session.js';
import type { OwnerSession } from '../federation/owner-session.js';
import { codes, graphql, podCredential, postJson, send, tlsAgent } from '../pod/pod-clients.js';
import { countersSuite } from './counters-suite.js';
import { datalogSuite } from './datalog-suite.js';
import { scopedTokensSuite } from './scoped-tokens-suite.js';

interface CheckView {
  readonly issuer_id: string | null;
  readonly claims: string[];
  readonly verified: boolean;
  readonly trusted: boolean;
  readonly reason: string | null;
}

const READ_REVIEWED =
  'query($remote: UUID, $trusted: String) { public_assets_connection(remote_member_id: $remote, ' +
  'trusted_claim: $trusted) { edges { node { asset_id title } claims { issuer_id claims verified trusted reason } } } }';

describe('a review app and its claims (spec §12)', () => {
  let net: NetworkHarness;
  let a: OwnerSession;
  let b: OwnerSession;
  let app: ByodaProcess;
  let appId: string;
  let appUrl: string;
  let appTls: Credential;
  let bMember: Credential;
  let aMember: Credential;
  const agents: Agent[] = [];
  const approvedId = randomUUID();
  const rejectedId = randomUUID();

  const agentFor = (servername: string, credential?: Credential): Agent => {
    const agent = tlsAgent(net.directory.rootCaPem, servername, credential);
    agents.push(agent);
    return agent;
  };

  before(async () => {
    net = await NetworkHarness.start({ pods: 2 });
    [a, b] = await joinEachPod(net, ['a', 'b']);
    const appDir = join(net.root, 'review-app');
    const init = await runByodaJson([
      'app',
      'init',
      '--data',
      appDir,
      '--service-data',
      net.service.dataDir,
      '--directory',
      net.directory.url,
      '--kind',
      'review',
      '--local-secrets',
    ]);
    appId = String(init['app_id']);
    const started = await ByodaProcess.start(['app', 'start', '--data', appDir]);
    app = started.process;
    appUrl = String(started.ready['url']);
    const passphrase = (await readFile(join(appDir, 'passphrase'), 'utf8')).trim();
    appTls = await readCredential(appDir, 'app', passphrase);
    bMember = await podCredential(podOfSession(net, b), CREDENTIALS.memberTls(net.service.serviceId));
    aMember = await podCredential(podOfSession(net, a), CREDENTIALS.memberTls(net.service.serviceId));
  });

  after(async () => {
    await Promise.all([...agents, a, b].map((closable) => closable?.close()));
    await app?.stop();
    await net?.stop();
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

  it('is an app to the pod’s firewall: what the contract lets apps (here: anonymous) read, no more', async () => {
    const pod = podOfSession(net, b);
    const member = memberFqdn('byoda.test', net.service.serviceId, b.memberId);
    const agent = agentFor(member, appTls);
    const assets = await graphql(
      agent,
      pod.memberUrl,
      net.service.serviceId,
      '{ public_assets_connection { total_count } }',
    );
    assert.deepEqual(assets.errors, [], assets.text);
    const links = await graphql(
      agent,
      pod.memberUrl,
      net.service.serviceId,
      '{ network_links_connection { total_count } }',
    );
    assert.deepEqual(codes(links), ['BYODA_ERR_FORBIDDEN'], links.text);
    assert.match(links.text, /an app of the service/);
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
