/**
 * Proxied and recursive queries between real pod processes (spec §6, §8): a directory with its DNS
 * server, the project's example addressbook service and five pods, each a `byoda` process started by
 * the network harness.
 *
 *   Suzie ⇄ Mike (family both ways): the seed example, Suzie's owner reads Mike's address.
 *   Carl → Mike (colleague both ways): the contract lets only family and friends read `person`.
 *   Dan, Sam ⇄ Suzie (family): one is killed and one stopped (SIGSTOP) for the fault test, last.
 *
 * The test process also plays Suzie's pod itself, with her member certificates, to send Mike forged,
 * replayed, stale and over-deep forwarded queries.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Agent } from 'undici';
import { findClass, loadContractFile } from '../../../src/contract/index.js';
import type { DataClass } from '../../../src/contract/index.js';
import { buildRemoteQuery, signOriginQuery } from '../../../src/federation/index.js';
import type { GraphQLRequestBody } from '../../../src/federation/index.js';
import { memberFqdn } from '../../../src/pki/index.js';
import { DEADLINE_ENV, HOP_TIMEOUT_ENV } from '../../../src/pod/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { NETWORK, NetworkHarness } from '../../fixtures/network-harness.js';
import type { PodInfo } from '../../fixtures/network-harness.js';
import { codes, graphql, podCredential, tlsAgent, withoutNulls } from '../pod/pod-clients.js';
import type { GraphqlAnswer } from '../pod/pod-clients.js';
import {
  EXAMPLE_CONTRACT,
  connectionOf,
  joinEachPod,
  podLogLines,
  podOfSession,
  visitLines,
  waitForVisits,
} from './owner-session.js';
import type { Connection, OwnerSession } from './owner-session.js';

const PERSON_FIELDS = 'given_name family_name email home_address { street city postal_code country }';
const personQuery = (args: string): string =>
  `{ person_connection(${args}) { total_count edges { origin node { ${PERSON_FIELDS} } } ` +
  'remote_errors { origin message code } } }';

const MIKE = {
  given_name: 'Mike',
  family_name: 'Jones',
  email: 'mike@example.org',
  home_address: { street: '1 Elm Street', city: 'Springfield', postal_code: '12345', country: 'US' },
};
/**
 * The pods' waits (spec §8), given to the pod processes through the environment `byoda pod start`
 * reads: generous, so that a busy machine does not turn a healthy pod into a per-origin error. The
 * stopped pod of the fault test is still given up on after one hop, well within the deadline.
 */
const HOP_TIMEOUT_MS = 10_000;
const DEADLINE_MS = 30_000;

const SUZIE = { given_name: 'Suzie', family_name: 'Jones', email: 'suzie@example.org' };

describe('federation between pod processes (spec §8)', () => {
  let net: NetworkHarness;
  let suzie: OwnerSession;
  let mike: OwnerSession;
  let carl: OwnerSession;
  let dan: OwnerSession;
  let sam: OwnerSession;
  let personClass: DataClass;
  const agents: Agent[] = [];

  const podOf = (session: OwnerSession): PodInfo => podOfSession(net, session);

  before(async () => {
    const contract = await loadContractFile(EXAMPLE_CONTRACT);
    const cls = findClass(contract, 'person');
    assert.ok(cls);
    personClass = cls;
    // Inherited by the pod processes the harness starts (and only by this test file's processes).
    process.env[HOP_TIMEOUT_ENV] = String(HOP_TIMEOUT_MS);
    process.env[DEADLINE_ENV] = String(DEADLINE_MS);
    net = await NetworkHarness.start({ pods: 5, contract: EXAMPLE_CONTRACT });
    [suzie, mike, carl, dan, sam] = await joinEachPod(net, ['suzie', 'mike', 'carl', 'dan', 'sam']);
    await Promise.all([
      suzie.storePerson(SUZIE),
      suzie.link(mike.memberId, 'family'),
      mike.storePerson(MIKE),
      mike.link(suzie.memberId, 'family'),
      mike.link(carl.memberId, 'colleague'),
      carl.link(mike.memberId, 'colleague'),
      dan.storePerson({ given_name: 'Dan', family_name: 'Jones', email: 'dan@example.org' }),
      dan.link(suzie.memberId, 'family'),
      sam.storePerson({ given_name: 'Sam', family_name: 'Jones', email: 'sam@example.org' }),
      sam.link(suzie.memberId, 'family'),
    ]);
  });

  after(async () => {
    await Promise.all([...agents, suzie, mike, carl, dan, sam].map((closable) => closable?.close()));
    await net?.stop();
  });

  describe('the seed example: Suzie reads Mike’s address through her pod', () => {
    it('answers person_connection(depth: 1, relations: ["family"]) with both records and their origins', async () => {
      const queryId = randomUUID();
      const data = await suzie.data(personQuery(`depth: 1, relations: ["family"], query_id: "${queryId}"`));
      const connection = connectionOf(data, 'person_connection');
      assert.deepEqual(connection.remote_errors, []);
      assert.deepEqual(withoutNulls(connection.edges), [
        { origin: suzie.memberId, node: SUZIE },
        { origin: mike.memberId, node: MIKE },
      ]);
      assert.equal(connection.total_count, 2);
      // Mike's pod logged exactly one visit of this query, from Suzie, who originated it (depth 0 left).
      const visits = await waitForVisits(podOf(mike).dataDir, queryId, 1);
      assert.deepEqual(
        visits.map((v) => [v.msg, v.origin, v.from, v.depth, v.distance]),
        [['federated query admitted', suzie.memberId, suzie.memberId, 0, 1]],
      );
    });

    it('does not give Mike’s person to a pod he links as a colleague: a per-origin error instead', async () => {
      const data = await carl.data(personQuery('depth: 1'));
      const connection = connectionOf(data, 'person_connection');
      assert.deepEqual(connection.edges, []);
      // Mike's pod's own code for its firewall's refusal, taken over by Carl's pod.
      assert.deepEqual(
        connection.remote_errors.map((e) => [e.origin, e.code]),
        [[mike.memberId, 'BYODA_ERR_FORBIDDEN']],
      );
      assert.match(
        connection.remote_errors[0]?.message ?? '',
        /not allowed to read person: .*relation family\|friend, not colleague/,
      );
    });

    it('does not reach Mike with relations: ["friend"], since Suzie links him as family', async () => {
      const friendsOnly = randomUUID();
      const data = await suzie.data(
        personQuery(`depth: 1, relations: ["friend"], query_id: "${friendsOnly}"`),
      );
      const connection = connectionOf(data, 'person_connection');
      assert.deepEqual(connection.remote_errors, []);
      assert.deepEqual(
        connection.edges.map((e) => e.origin),
        [suzie.memberId],
      );
      // A family query after it does reach Mike: once its line is in his log, the other would be too.
      const family = randomUUID();
      await suzie.data(personQuery(`depth: 1, relations: ["family"], query_id: "${family}"`));
      assert.equal((await waitForVisits(podOf(mike).dataDir, family, 1)).length, 1);
      assert.deepEqual(visitLines(await podLogLines(podOf(mike).dataDir), friendsOnly), []);
    });
  });

  describe('forwarded queries Mike’s pod refuses (spec §8)', () => {
    let suzieData: Credential;
    let carlData: Credential;
    let asSuzie: Agent;

    before(async () => {
      const serviceId = net.service.serviceId;
      const [tls, data, otherData] = await Promise.all([
        podCredential(podOf(suzie), `member-${serviceId}`),
        podCredential(podOf(suzie), `member-data-${serviceId}`),
        podCredential(podOf(carl), `member-data-${serviceId}`),
      ]);
      suzieData = data;
      carlData = otherData;
      asSuzie = tlsAgent(net.directory.rootCaPem, memberFqdn(NETWORK, serviceId, mike.memberId), tls);
      agents.push(asSuzie);
    });

    /** What Suzie's pod sends Mike's for her owner's `person_connection(depth: depth + 1)`, signed. */
    async function forwarded(options: {
      readonly depth?: number;
      readonly queryId?: string;
      readonly timestamp?: string;
      readonly signer?: Credential;
    }): Promise<GraphQLRequestBody> {
      const depth = options.depth ?? 0;
      const queryId = options.queryId ?? randomUUID();
      const timestamp = options.timestamp ?? new Date().toISOString();
      const fields = {
        query_id: queryId,
        timestamp,
        service_id: net.service.serviceId,
        class: 'person',
        filter: undefined,
        depth,
        relations: undefined,
      };
      const signature = await signOriginQuery(fields, options.signer ?? suzieData);
      return buildRemoteQuery(personClass, {
        depth,
        queryId,
        timestamp,
        originMemberId: suzie.memberId,
        originSignature: signature,
      });
    }

    const send = (body: GraphQLRequestBody): Promise<GraphqlAnswer> =>
      graphql(asSuzie, podOf(mike).memberUrl, net.service.serviceId, body.query, {
        variables: { ...body.variables },
      });

    const edgesOf = (answer: GraphqlAnswer): Connection['edges'] =>
      connectionOf(answer.data ?? {}, 'result').edges;

    it('answers a signed query once, and a replayed query id with nothing', async () => {
      const body = await forwarded({});
      const first = await send(body);
      assert.deepEqual(first.errors, []);
      assert.deepEqual(
        edgesOf(first).map((e) => e.origin),
        [mike.memberId],
      );
      const replayed = await send(body);
      assert.equal(replayed.status, 200);
      assert.deepEqual(replayed.errors, []);
      assert.deepEqual(edgesOf(replayed), []);
    });

    it('refuses a query signed with another member’s key (403)', async () => {
      const answer = await send(await forwarded({ signer: carlData }));
      assert.equal(answer.status, 403);
      assert.deepEqual(codes(answer), ['BYODA_ERR_FORBIDDEN']);
      assert.match(answer.errors[0]?.message ?? '', /origin signature does not verify/);
    });

    it('refuses a query changed after it was signed (403)', async () => {
      const body = await forwarded({});
      const tampered = { ...body, variables: { ...body.variables, filter: { given_name: { eq: 'Mike' } } } };
      const answer = await send(tampered);
      assert.equal(answer.status, 403);
      assert.match(answer.errors[0]?.message ?? '', /origin signature does not verify/);
    });

    it('refuses a query whose timestamp is too old (403)', async () => {
      const answer = await send(
        await forwarded({ timestamp: new Date(Date.now() - 10 * 60_000).toISOString() }),
      );
      assert.equal(answer.status, 403);
      assert.match(answer.errors[0]?.message ?? '', /query timestamp too old/);
    });

    it('answers a query signed well within the age limit, and refuses one from the future (403)', async () => {
      // 120 s is the limit; 60 s leaves a loaded machine a minute to deliver the query.
      const recent = await send(await forwarded({ timestamp: new Date(Date.now() - 60_000).toISOString() }));
      assert.equal(recent.status, 200, JSON.stringify(recent.errors));
      assert.deepEqual(recent.errors, []);
      const ahead = await send(
        await forwarded({ timestamp: new Date(Date.now() + 10 * 60_000).toISOString() }),
      );
      assert.equal(ahead.status, 403);
      assert.match(ahead.errors[0]?.message ?? '', /in the future/);
    });

    it('answers a depth of exactly the contract’s max_query_depth (3), forwarded or asked by the owner', async () => {
      const answer = await send(await forwarded({ depth: 3 }));
      assert.equal(answer.status, 200, JSON.stringify(answer.errors));
      assert.deepEqual(answer.errors, []);
      const owner = await suzie.query(personQuery('depth: 3'));
      assert.deepEqual(codes(owner), []);
    });

    it('refuses a depth over the contract’s max_query_depth, forwarded (400) or asked by the owner', async () => {
      const answer = await send(await forwarded({ depth: 4 }));
      assert.equal(answer.status, 400);
      assert.deepEqual(codes(answer), ['BYODA_ERR_BAD_REQUEST']);
      assert.match(answer.errors[0]?.message ?? '', /depth 4 is more than .* 3/);
      const owner = await suzie.query(personQuery('depth: 4'));
      assert.deepEqual(codes(owner), ['BYODA_ERR_BAD_REQUEST']);
      assert.match(owner.errors[0]?.message ?? '', /max_query_depth/);
    });
  });

  describe('faults (spec §8: a dead or slow pod yields a partial result)', () => {
    it('answers within the deadline with the rest, naming a killed pod and a stopped one', async () => {
      await suzie.link(dan.memberId, 'family');
      await suzie.link(sam.memberId, 'family');
      const everyone = connectionOf(await suzie.data(personQuery('depth: 1')), 'person_connection');
      assert.deepEqual(everyone.remote_errors, []);
      assert.equal(everyone.edges.length, 4);

      const danProcess = podOf(dan).process;
      const samProcess = podOf(sam).process;
      const danExited = new Promise((resolve) => danProcess.child.once('exit', resolve));
      danProcess.child.kill('SIGKILL');
      await danExited;
      samProcess.child.kill('SIGSTOP');
      try {
        const started = Date.now();
        const partial = connectionOf(await suzie.data(personQuery('depth: 1')), 'person_connection');
        const elapsed = Date.now() - started;
        assert.ok(elapsed < DEADLINE_MS + 5000, `answered after ${elapsed} ms`);
        assert.deepEqual(
          partial.edges.map((e) => e.origin),
          [suzie.memberId, mike.memberId],
        );
        const errors = new Map(partial.remote_errors.map((e) => [e.origin, e.message]));
        assert.deepEqual([...errors.keys()].sort(), [dan.memberId, sam.memberId].sort());
        // Suzie's pod's own code for pods it could not hear from.
        assert.deepEqual(
          partial.remote_errors.map((e) => e.code),
          ['BYODA_ERR_UNREACHABLE', 'BYODA_ERR_UNREACHABLE'],
        );
        assert.match(errors.get(sam.memberId) ?? '', new RegExp(`timed out after ${HOP_TIMEOUT_MS} ms`));
        assert.ok((errors.get(dan.memberId) ?? '') !== '', 'the killed pod’s error says why');
      } finally {
        samProcess.child.kill('SIGCONT');
      }
    });
  });
});
