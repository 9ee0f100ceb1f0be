/**
 * What federation may reveal and claim (issue 11), between real pod processes: a directory with its
 * DNS server, the example addressbook service and four pods started by the network harness.
 *
 *   Alice → Linda, Tom (friend), and a member with no pod (family): the pod that is asked.
 *   Stan: no link from Alice. Linda: Alice's friend. Tom: a friend whose assets a fan-out brings back.
 *
 * The test process plays Stan's and Linda's pods with their own member certificates, to send Alice
 * signed forwarded queries (defect 4) and appends (defect 5) as those members.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Agent } from 'undici';
import { findClass, loadContractFile } from '../../../src/contract/index.js';
import type { DataClass } from '../../../src/contract/index.js';
import { buildRemoteQuery, signOriginQuery } from '../../../src/federation/index.js';
import { memberFqdn } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { NETWORK, NetworkHarness } from '../../fixtures/network-harness.js';
import type { PodInfo } from '../../fixtures/network-harness.js';
import { codes, graphql, podCredential, tlsAgent } from '../pod/pod-clients.js';
import type { GraphqlAnswer } from '../pod/pod-clients.js';
import { EXAMPLE_CONTRACT, connectionOf, joinEachPod, podOfSession } from './owner-session.js';
import type { Connection, OwnerSession } from './owner-session.js';

/** A member Alice links as family that has no pod: a query sent along that link would name it. */
const NO_POD = randomUUID();

interface AsMember {
  readonly agent: Agent;
  readonly data: Credential;
  readonly memberId: string;
}

describe('federation reveals only what the contract lets the asker read (issue 11)', () => {
  let net: NetworkHarness;
  let alice: OwnerSession;
  let linda: OwnerSession;
  let stan: OwnerSession;
  let tom: OwnerSession;
  let assets: DataClass;
  let asStan: AsMember;
  let asLinda: AsMember;
  const agents: Agent[] = [];

  const podOf = (session: OwnerSession): PodInfo => podOfSession(net, session);

  /** The member's pod's own credentials, talking to Alice's member port. */
  async function asMemberOf(session: OwnerSession): Promise<AsMember> {
    const serviceId = net.service.serviceId;
    const [tls, data] = await Promise.all([
      podCredential(podOf(session), `member-${serviceId}`),
      podCredential(podOf(session), `member-data-${serviceId}`),
    ]);
    const agent = tlsAgent(net.directory.rootCaPem, memberFqdn(NETWORK, serviceId, alice.memberId), tls);
    agents.push(agent);
    return { agent, data, memberId: session.memberId };
  }

  const toAlice = (as: AsMember, query: string, variables: Record<string, unknown>) =>
    graphql(as.agent, podOf(alice).memberUrl, net.service.serviceId, query, { variables });

  /** `public_assets_connection(depth: 1, relations)` as `as`'s pod originates it, signed, sent to Alice. */
  async function forwarded(as: AsMember, relations?: readonly string[]): Promise<GraphqlAnswer> {
    const queryId = randomUUID();
    const timestamp = new Date().toISOString();
    const fields = {
      query_id: queryId,
      timestamp,
      service_id: net.service.serviceId,
      class: 'public_assets',
      filter: undefined,
      depth: 1,
      relations,
    };
    const body = buildRemoteQuery(assets, {
      depth: 1,
      relations,
      queryId,
      timestamp,
      originMemberId: as.memberId,
      originSignature: await signOriginQuery(fields, as.data),
    });
    return toAlice(as, body.query, { ...body.variables });
  }

  const resultOf = (answer: GraphqlAnswer): Connection => {
    assert.deepEqual(answer.errors, [], answer.text);
    return connectionOf(answer.data ?? {}, 'result');
  };

  before(async () => {
    const contract = await loadContractFile(EXAMPLE_CONTRACT);
    const cls = findClass(contract, 'public_assets');
    assert.ok(cls);
    assets = cls;
    net = await NetworkHarness.start({ pods: 4, contract: EXAMPLE_CONTRACT });
    [alice, linda, stan, tom] = await joinEachPod(net, ['alice', 'linda', 'stan', 'tom']);
    await Promise.all([
      alice.link(linda.memberId, 'friend'),
      alice.link(tom.memberId, 'friend'),
      alice.link(NO_POD, 'family'),
      alice.publish('an asset of alice'),
      tom.publish('an asset of tom'),
    ]);
    [asStan, asLinda] = await Promise.all([asMemberOf(stan), asMemberOf(linda)]);
  });

  after(async () => {
    await Promise.all([...agents, alice, linda, stan, tom].map((closable) => closable?.close()));
    await net?.stop();
  });

  describe('defect 4: links do not leak through fan-out', () => {
    it('refuses Stan a direct read of Alice’s network_links (the baseline)', async () => {
      const answer = await toAlice(asStan, '{ network_links_connection { edges { origin } } }', {});
      assert.deepEqual(codes(answer), ['BYODA_ERR_FORBIDDEN']);
    });

    it('answers Stan’s signed depth-1 query from Alice’s data only, the same whatever relations he names', async () => {
      const answers: string[] = [];
      for (const relations of [undefined, ['friend'], ['family'], ['colleague']]) {
        const answer = await forwarded(asStan, relations);
        const result = resultOf(answer);
        assert.deepEqual(
          result.edges.map((e) => [e.origin, e.node['title']]),
          [[alice.memberId, 'an asset of alice']],
        );
        // The one note names Alice's pod and says why; no id of a link is anywhere in the answer.
        assert.deepEqual(
          result.remote_errors.map((e) => e.origin),
          [alice.memberId],
        );
        assert.match(result.remote_errors[0]?.message ?? '', /only for members in its network/);
        for (const linked of [linda.memberId, tom.memberId, NO_POD]) {
          assert.doesNotMatch(answer.text, new RegExp(linked, 'i'));
        }
        answers.push(JSON.stringify({ ...result, edges: result.edges.map((e) => e.node['title']) }));
      }
      // No relation oracle: every relation named gives the same answer.
      assert.equal(new Set(answers).size, 1);
    });

    it('fans Linda’s query (Alice’s friend) out to Alice’s friends, and not along the family link', async () => {
      const result = resultOf(await forwarded(asLinda));
      assert.deepEqual(
        result.edges.map((e) => [e.origin, e.node['title']]),
        [
          [alice.memberId, 'an asset of alice'],
          [tom.memberId, 'an asset of tom'],
        ],
      );
      // The family link was not followed (else the member with no pod would be named here).
      assert.deepEqual(result.remote_errors, []);

      const family = resultOf(await forwarded(asLinda, ['family']));
      assert.deepEqual(
        family.edges.map((e) => e.origin),
        [alice.memberId],
      );
      assert.deepEqual(
        family.remote_errors.map((e) => e.origin),
        [alice.memberId],
      );
      assert.match(family.remote_errors[0]?.message ?? '', /not forwarded along links of relation family/);
    });
  });

  describe('defect 5: appends show their authenticated appender', () => {
    const INVITE =
      'mutation($input: network_invite_input!, $to: UUID) { ' +
      'append_network_invites(input: $input, remote_member_id: $to) { member_id } }';
    const invite = (memberId: string) => ({
      member_id: memberId,
      relation: 'friend',
      created_timestamp: new Date().toISOString(),
      text: `from ${memberId}`,
    });
    const invitesOfAlice = async () =>
      connectionOf(
        await alice.data(
          '{ network_invites_connection { edges { origin appender node { member_id text } } } }',
        ),
        'network_invites_connection',
      ).edges as readonly (Connection['edges'][number] & { appender: string | null })[];

    it('stores Stan’s honest invite with Stan as its appender', async () => {
      const sent = await stan.query(INVITE, { input: invite(stan.memberId), to: alice.memberId });
      assert.deepEqual(sent.errors, [], sent.text);
      const edges = await invitesOfAlice();
      const mine = edges.filter((e) => e.node['text'] === `from ${stan.memberId}`);
      assert.deepEqual(
        mine.map((e) => [e.appender, e.node['member_id']]),
        [[stan.memberId, stan.memberId]],
      );
    });

    it('refuses an invite Stan sends in Linda’s name, through his pod or directly, and stores nothing', async () => {
      const viaPod = await stan.query(INVITE, { input: invite(linda.memberId), to: alice.memberId });
      assert.deepEqual(codes(viaPod), ['BYODA_ERR_VALUE']);
      assert.match(viaPod.errors[0]?.message ?? '', /network_invites\.member_id: must be the sending member/);

      const direct = await toAlice(
        asStan,
        'mutation($input: network_link_inbound_input!) { append_network_links_inbound(input: $input) { relation } }',
        { input: invite(linda.memberId) },
      );
      assert.deepEqual(codes(direct), ['BYODA_ERR_VALUE']);
      assert.match(direct.errors[0]?.message ?? '', /network_links_inbound\.member_id/);

      const edges = await invitesOfAlice();
      assert.deepEqual(
        edges.filter((e) => e.node['member_id'] === linda.memberId),
        [],
      );
      const inbound = connectionOf(
        await alice.data('{ network_links_inbound_connection { total_count } }'),
        'network_links_inbound_connection',
      );
      assert.equal(inbound.total_count, 0);
    });

    it('shows the owner as the appender of the owner’s own records, and no appender to others', async () => {
      const links = connectionOf(
        await alice.data('{ network_links_connection { edges { appender node { member_id } } } }'),
        'network_links_connection',
      ).edges as unknown as readonly { appender: string | null }[];
      assert.equal(links.length, 3);
      assert.ok(links.every((e) => e.appender === alice.memberId));

      const ownerView = connectionOf(
        await alice.data('{ public_assets_connection { edges { appender } } }'),
        'public_assets_connection',
      ).edges as unknown as readonly { appender: string | null }[];
      assert.deepEqual(
        ownerView.map((e) => e.appender),
        [alice.memberId],
      );
      const stanView = await toAlice(
        asStan,
        '{ public_assets_connection { edges { origin appender } } }',
        {},
      );
      assert.deepEqual(stanView.errors, []);
      assert.deepEqual(
        connectionOf(stanView.data ?? {}, 'public_assets_connection').edges as readonly unknown[],
        [{ origin: alice.memberId, appender: null }],
      );
    });
  });
});
