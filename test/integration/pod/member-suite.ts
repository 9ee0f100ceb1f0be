/**
 * The member port (spec §3, §4, §6): pod B, joined with `byoda pod join`, asks pod A over mutual TLS
 * with its member certificate and gets exactly what the addressbook contract grants a member; other
 * client certificates make the requester anonymous, the service, the owner, or are refused.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Agent } from 'undici';
import { findClass } from '../../../src/contract/index.js';
import { createServicePki, memberFqdn, openNetworkPki, openServicePki } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { sampleInput } from '../../fixtures/contract-samples.js';
import { NETWORK, runByodaJson } from '../../fixtures/network-harness.js';
import { makeHierarchy } from '../../fixtures/pki.js';
import {
  codes,
  firstEvent,
  graphql,
  ownerToken,
  podCredential,
  rawTlsPost,
  tlsAgent,
  wsClient,
} from './pod-clients.js';
import type { GraphqlAnswer } from './pod-clients.js';
import type { PodWorld } from './world.js';

/** Another service id of the same network, for a member certificate of the wrong service. */
const OTHER_SERVICE_ID = 4242;

export function memberSuite(world: PodWorld): void {
  let memberIdB = '';
  const agents: Agent[] = [];
  /** An agent for pod A's member port, presenting `credential` (none: anonymous). */
  const memberAgent = (credential?: Credential): Agent => {
    const agent = tlsAgent(world.rootCaPem, world.memberFqdnA, credential);
    agents.push(agent);
    return agent;
  };
  const ask = (agent: Agent, query: string, variables?: Record<string, unknown>): Promise<GraphqlAnswer> =>
    graphql(agent, world.podA.memberUrl, world.serviceId, query, variables ? { variables } : {});
  const appendAsOwner = async (className: string, input?: Record<string, unknown>) => {
    const cls = findClass(world.contract, className);
    assert.ok(cls);
    const sample = sampleInput(cls, { kind: 'owner' }, 'append');
    assert.ok(sample.ok);
    const answer = await world.dataA(
      `mutation($input: ${cls.typeName}_input!) { append_${className}(input: $input) { __typename } }`,
      { input: { ...sample.input, ...input } },
    );
    assert.deepEqual(answer.errors, [], JSON.stringify(answer.errors));
  };
  let asB: Agent;

  describe('pod: requests on the member port (spec §6)', () => {
    before(async () => {
      const joined = await runByodaJson([
        'pod',
        'join',
        String(world.serviceId),
        '--data',
        world.podB.dataDir,
      ]);
      memberIdB = String(joined['member_id']);
      asB = memberAgent(await podCredential(world.podB, `member-${world.serviceId}`));
      await appendAsOwner('service_assets');
      await appendAsOwner('tweets');
      await appendAsOwner('channels');
    });

    after(async () => {
      await Promise.all(agents.map((agent) => agent.close()));
    });

    it('shows the membership joined with `byoda pod join` in `byoda pod status`', async () => {
      const status = await runByodaJson(['pod', 'status', '--data', world.podB.dataDir]);
      assert.equal(status['running'], true);
      assert.equal(status['web_url'], world.podB.webUrl);
      const memberships = status['memberships'] as { service_id: number; member_id: string }[];
      assert.deepEqual(
        memberships.map((m) => [m.service_id, m.member_id]),
        [[world.serviceId, memberIdB]],
      );
    });

    it('lets another member read what any_member may read (service_assets, tweets)', async () => {
      const answer = await ask(
        asB,
        '{ service_assets_connection { total_count } tweets_connection { total_count } }',
      );
      assert.deepEqual(answer.errors, []);
      assert.ok((answer.data?.['tweets_connection'] as { total_count: number }).total_count >= 1);
    });

    it('gives a member the relations of the owner’s links to it (asset_links: network read)', async () => {
      const unlinked = await ask(asB, '{ asset_links_connection { total_count } }');
      assert.deepEqual(codes(unlinked), ['BYODA_ERR_FORBIDDEN']);
      await appendAsOwner('network_links', { member_id: memberIdB, relation: 'Friend' });
      const linked = await ask(asB, '{ asset_links_connection { total_count } }');
      assert.deepEqual(linked.errors, []);
    });

    it('denies a linked friend the person class without an origin signature', async () => {
      const answer = await ask(asB, '{ person_connection { total_count } }');
      assert.deepEqual(codes(answer), ['BYODA_ERR_FORBIDDEN']);
      assert.match(answer.errors[0]?.message ?? '', /origin signature/);
    });

    it('lets a member append to network_links_inbound, which the owner then reads', async () => {
      const answer = await ask(
        asB,
        `mutation($input: network_link_inbound_input!) { append_network_links_inbound(input: $input) { __typename } }`,
        { input: { member_id: memberIdB, relation: 'follow', created_timestamp: new Date().toISOString() } },
      );
      assert.deepEqual(answer.errors, []);
      const owner = await world.dataA(
        `query($id: UUID!) { network_links_inbound_connection(filter: {member_id: {eq: $id}}) { total_count } }`,
        { id: memberIdB },
      );
      assert.deepEqual(owner.data, { network_links_inbound_connection: { total_count: 1 } });
    });

    it('denies a member the owner’s network links, their writes, and introspection', async () => {
      assert.deepEqual(codes(await ask(asB, '{ network_links_connection { total_count } }')), [
        'BYODA_ERR_FORBIDDEN',
      ]);
      const write = await ask(asB, 'mutation { delete_from_network_links(filter: {}) }');
      assert.deepEqual(codes(write), ['BYODA_ERR_FORBIDDEN']);
      assert.deepEqual(codes(await ask(asB, '{ __schema { types { name } } }')), ['BYODA_ERR_FORBIDDEN']);
    });

    it('still knows a member whose client resumes its TLS session', async () => {
      const credential = await podCredential(world.podB, `member-${world.serviceId}`);
      const path = `/api/v1/data/service-${world.serviceId}`;
      const body = JSON.stringify({ query: '{ service_assets_connection { total_count } }' });
      const tls = { ca: world.rootCaPem, servername: world.memberFqdnA, credential };
      const first = await rawTlsPost(world.podA.memberUrl, path, body, tls);
      assert.equal(first.status, 200, first.body);
      assert.ok(first.session, 'the pod hands out a session ticket');
      const resumed = await rawTlsPost(world.podA.memberUrl, path, body, { ...tls, session: first.session });
      assert.ok(resumed.reused, 'the session was resumed');
      assert.equal(resumed.status, 200);
      assert.doesNotMatch(
        resumed.body,
        /FORBIDDEN/,
        'a resumed session carries only the leaf, yet is a member',
      );
    });

    it('treats a client without a certificate as anonymous', async () => {
      const anonymous = memberAgent();
      const allowed = await ask(anonymous, '{ channels_connection { total_count } }');
      assert.deepEqual(allowed.errors, []);
      const denied = await ask(anonymous, '{ service_assets_connection { total_count } }');
      assert.deepEqual(codes(denied), ['BYODA_ERR_FORBIDDEN']);
      assert.match(denied.errors[0]?.message ?? '', /anonymous/);
    });

    it('treats a certificate of another network as anonymous', async () => {
      const foreign = await makeHierarchy(NETWORK, world.serviceId);
      const credential = await foreign.membersCa.issueCredential(
        memberFqdn(NETWORK, world.serviceId, memberIdB),
      );
      const answer = await ask(memberAgent(credential), '{ service_assets_connection { total_count } }');
      assert.deepEqual(codes(answer), ['BYODA_ERR_FORBIDDEN']);
      assert.match(answer.errors[0]?.message ?? '', /anonymous/);
    });

    it('refuses a member certificate of another service of the network with 403', async () => {
      const credential = await otherServiceMemberCert(world);
      const answer = await ask(memberAgent(credential), '{ channels_connection { total_count } }');
      assert.equal(answer.status, 403);
      assert.equal((answer.json as { error: { code: string } }).error.code, 'BYODA_ERR_FORBIDDEN');
    });

    it('knows the service by its TLS certificate', async () => {
      const passphrase = (await readFile(join(world.net.service.dataDir, 'passphrase'), 'utf8')).trim();
      const service = await openServicePki(join(world.net.service.dataDir, 'pki'), passphrase);
      const asService = memberAgent(service.tls);
      const person = await ask(
        asService,
        '{ person_connection { total_count } tweets_connection { total_count } }',
      );
      assert.deepEqual(person.errors, []);
      assert.deepEqual(codes(await ask(asService, '{ network_links_connection { total_count } }')), [
        'BYODA_ERR_FORBIDDEN',
      ]);
    });

    it('knows the owner by the membership’s own certificate', async () => {
      const own = memberAgent(await podCredential(world.podA, `member-${world.serviceId}`));
      const answer = await ask(own, '{ network_links_connection { total_count } }');
      assert.deepEqual(answer.errors, []);
    });

    it('does not accept pod B’s owner token at pod A (401)', async () => {
      const webB = tlsAgent(world.rootCaPem, world.podB.fqdn);
      agents.push(webB);
      const tokenB = await ownerToken(webB, world.podB);
      const answer = await graphql(
        world.webA,
        world.podA.webUrl,
        world.serviceId,
        '{ channels_connection { total_count } }',
        {
          token: tokenB,
        },
      );
      assert.equal(answer.status, 401);
    });

    it('streams reactions to a member that subscribes as the contract allows (any_member)', async () => {
      const credential = await podCredential(world.podB, `member-${world.serviceId}`);
      const client = wsClient(world.podA.memberUrl, world.serviceId, {
        rootCaPem: world.rootCaPem,
        servername: world.memberFqdnA,
        credential,
      });
      try {
        const event = await firstEvent(
          client,
          'subscription { asset_reactions_received_updates { action } }',
          () => appendAsOwner('asset_reactions_received'),
        );
        assert.deepEqual(event.errors, undefined);
        assert.deepEqual(event.data, { asset_reactions_received_updates: { action: 'append' } });
        const refused = await firstEvent(
          client,
          'subscription { network_links_updates { action } }',
          async () => undefined,
        );
        assert.equal(refused.errors?.[0]?.extensions?.['code'], 'BYODA_ERR_FORBIDDEN');
      } finally {
        await client.dispose();
      }
    });
  });
}

/**
 * A member TLS cert of another service of the same network: a second service PKI made in process, its
 * service CA signed with the network's own key (read from the directory's folder).
 */
async function otherServiceMemberCert(world: PodWorld): Promise<Credential> {
  const directoryDir = world.net.directory.dataDir;
  const passphrase = (await readFile(join(directoryDir, 'passphrase'), 'utf8')).trim();
  const network = await openNetworkPki(join(directoryDir, 'pki'), passphrase);
  const dir = await mkdtemp(join(world.net.root, 'other-service-'));
  const other = await createServicePki(dir, {
    serviceId: OTHER_SERVICE_ID,
    rootCaPem: world.rootCaPem,
    passphrase: 'other service passphrase',
    signServiceCaCsr: async (csrPem) => (await network.signServiceCaCsr(csrPem, OTHER_SERVICE_ID)).chainPem,
  });
  return other.membersCa.issueCredential(memberFqdn(NETWORK, OTHER_SERVICE_ID, randomUUID()));
}
