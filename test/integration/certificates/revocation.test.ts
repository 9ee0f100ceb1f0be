/**
 * Revocation over real processes (docs/operations.md, "Revocation"): a directory, the addressbook
 * service and two pods (Suzie, Mike) that fetch the network's revocation list every second
 * (`BYODA_REVOCATION_REFRESH_MS`). Who may revoke what at `POST /api/v1/network/revocations`, bad
 * input, then Suzie revokes her own membership (`byoda pod revoke`) and Mike's pod refuses her
 * certificate within the documented bound: on a keep-alive connection made before, on a resumed TLS
 * session, and in pod-to-pod queries both ways. Last the operator revokes Mike's account
 * (`byoda directory revoke`) and the directory refuses its certificate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Agent } from 'undici';
import { DIRECTORY_PATHS, REVOCATION_REFRESH_ENV } from '../../../src/network/index.js';
import { RevocationSet, directoryFqdn, memberFqdn, verifyRevocationList } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { NETWORK, NetworkHarness, runByoda } from '../../fixtures/network-harness.js';
import { EXAMPLE_CONTRACT, connectionOf, joinEachPod } from '../federation/owner-session.js';
import type { OwnerSession } from '../federation/owner-session.js';
import { graphql, podCredential, postJson, rawTlsPost, send, tlsAgent } from '../pod/pod-clients.js';

const REFRESH_MS = 1000;
/** The documented bound is the refresh interval plus one fetch; generous for a loaded machine. */
const BOUND_MS = 30_000;
const PERSON_QUERY = '{ person_connection { total_count } }';

async function eventually(what: string, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < BOUND_MS) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what}: not within ${BOUND_MS} ms`);
}

describe('revocation (real processes)', () => {
  let net: NetworkHarness;
  let suzie: OwnerSession;
  let mike: OwnerSession;
  let suzieMember: Credential;
  let mikeMember: Credential;
  let mikeAccount: Credential;
  let root: string;
  let serviceId: number;
  const agents: Agent[] = [];
  const saved: Record<string, string | undefined> = {};

  const directoryAgent = (credential?: Credential): Agent => {
    const agent = tlsAgent(root, directoryFqdn(NETWORK), credential);
    agents.push(agent);
    return agent;
  };
  const revokeUrl = (): string => `${net.directory.url}${DIRECTORY_PATHS.revocations}`;
  const mikeFqdn = (): string => memberFqdn(NETWORK, serviceId, mike.memberId);

  before(async () => {
    const env = { [REVOCATION_REFRESH_ENV]: String(REFRESH_MS), BYODA_RATE_LIMIT_PER_MINUTE: '0' };
    for (const [name, value] of Object.entries(env)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    net = await NetworkHarness.start({ pods: 2, contract: EXAMPLE_CONTRACT });
    root = net.directory.rootCaPem;
    serviceId = net.service.serviceId;
    [suzie, mike] = await joinEachPod(net, ['suzie', 'mike'] as const);
    await suzie.link(mike.memberId, 'family');
    await mike.link(suzie.memberId, 'family');
    await mike.storePerson({ given_name: 'Mike', family_name: 'Jones', email: 'mike@example.org' });
    await suzie.storePerson({ given_name: 'Suzie', family_name: 'Jones', email: 'suzie@example.org' });
    const [pod1, pod2] = net.pods;
    assert.ok(pod1 && pod2);
    suzieMember = await podCredential(pod1, `member-${serviceId}`);
    mikeMember = await podCredential(pod2, `member-${serviceId}`);
    mikeAccount = await podCredential(pod2, 'account');
  });

  after(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await net?.stop();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  describe('POST /api/v1/network/revocations: denial and bad input', () => {
    it('refuses an anonymous client (401)', async () => {
      const answer = await postJson(directoryAgent(), revokeUrl(), {
        kind: 'member',
        member_id: suzie.memberId,
        service_id: serviceId,
      });
      assert.equal(answer.status, 401, answer.text);
      assert.match(answer.text, /BYODA_ERR_UNAUTHORIZED/);
    });

    it("refuses one member revoking another member's membership (403)", async () => {
      const answer = await postJson(directoryAgent(mikeMember), revokeUrl(), {
        kind: 'member',
        member_id: suzie.memberId,
        service_id: serviceId,
      });
      assert.equal(answer.status, 403, answer.text);
      assert.match(answer.text, /BYODA_ERR_FORBIDDEN/);
    });

    it('refuses one account revoking another account (403)', async () => {
      const [pod1] = net.pods;
      const answer = await postJson(directoryAgent(mikeAccount), revokeUrl(), {
        kind: 'account',
        account_id: pod1?.accountId,
      });
      assert.equal(answer.status, 403, answer.text);
    });

    for (const [what, body] of [
      ['an unknown kind', { kind: 'pod', account_id: '00000000-0000-4000-8000-000000000000' }],
      ['a member id that is not a UUID', { kind: 'member', member_id: 'nope', service_id: 1 }],
      ['a missing service id', { kind: 'member', member_id: '00000000-0000-4000-8000-000000000000' }],
      [
        'an extra field',
        { kind: 'account', account_id: '00000000-0000-4000-8000-000000000000', x: 1 },
        'body',
      ],
    ] as const) {
      it(`refuses ${what} (400 BYODA_ERR_BAD_REQUEST)`, async () => {
        const answer = await postJson(directoryAgent(mikeAccount), revokeUrl(), body);
        assert.equal(answer.status, 400, answer.text);
        assert.match(answer.text, /BYODA_ERR_BAD_REQUEST/);
      });
    }

    it('serves nothing revoked yet, signed by the network data cert', async () => {
      const answer = await send(directoryAgent(), revokeUrl());
      assert.equal(answer.status, 200, answer.text);
      const { list, chain } = answer.json as { list: string; chain: string };
      const verified = await verifyRevocationList(list, chain, root);
      assert.deepEqual(verified.revocations, []);
    });
  });

  describe("the owner revokes Suzie's membership", () => {
    let before: { session: Buffer | undefined };
    let revokedAt = 0;
    let keptAlive: Agent;

    it('lets Suzie in at Mike’s pod before: keep-alive, a TLS session to resume, a proxied query', async () => {
      keptAlive = tlsAgent(root, mikeFqdn(), suzieMember);
      agents.push(keptAlive);
      const pod2 = net.pods[1];
      assert.ok(pod2);
      const answer = await graphql(keptAlive, pod2.memberUrl, serviceId, PERSON_QUERY);
      assert.equal(answer.status, 200, answer.text);
      const raw = await rawTlsPost(
        pod2.memberUrl,
        `/api/v1/data/service-${serviceId}`,
        JSON.stringify({ query: PERSON_QUERY }),
        {
          ca: root,
          servername: mikeFqdn(),
          credential: suzieMember,
        },
      );
      assert.equal(raw.status, 200, raw.body);
      assert.ok(raw.session, 'the pod gave a session to resume');
      before = { session: raw.session };
      const data = await suzie.data(
        `{ person_connection(remote_member_id: "${mike.memberId}") { total_count remote_errors { message } } }`,
      );
      assert.deepEqual(connectionOf(data, 'person_connection').remote_errors, []);
    });

    it('revokes with `byoda pod revoke --service S` (her own member certificate)', async (t) => {
      const pod1 = net.pods[0];
      assert.ok(pod1);
      const refused = await runByoda(['pod', 'revoke', '--data', pod1.dataDir]);
      assert.notEqual(refused.code, 0, 'neither --service nor --account');
      const result = await runByoda([
        'pod',
        'revoke',
        '--data',
        pod1.dataDir,
        '--service',
        String(serviceId),
        '--json',
      ]);
      assert.equal(result.code, 0, result.stderr);
      const answer = await send(directoryAgent(), revokeUrl());
      const { list, chain } = answer.json as { list: string; chain: string };
      const set = new RevocationSet(await verifyRevocationList(list, chain, root));
      assert.ok(set.hasMember(suzie.memberId, serviceId));
      const printed = JSON.parse(result.stdout) as { revoked_at: string };
      revokedAt = Date.parse(printed.revoked_at);
      t.diagnostic(`revoked at ${printed.revoked_at}`);
    });

    it('is refused by Mike’s pod within the bound, also on the connection opened before', async (t) => {
      const pod2 = net.pods[1];
      assert.ok(pod2);
      await eventually('the keep-alive connection refused', async () => {
        const answer = await graphql(keptAlive, pod2.memberUrl, serviceId, PERSON_QUERY);
        return answer.status === 403 && answer.text.includes('BYODA_ERR_REVOKED');
      });
      // An upper bound: the CLI process itself takes seconds to start on a loaded machine.
      t.diagnostic(`refused at most ${Date.now() - revokedAt} ms after the revocation was recorded`);
    });

    it('is refused on a resumed TLS session', async () => {
      const pod2 = net.pods[1];
      assert.ok(pod2 && before.session);
      const raw = await rawTlsPost(
        pod2.memberUrl,
        `/api/v1/data/service-${serviceId}`,
        JSON.stringify({ query: PERSON_QUERY }),
        {
          ca: root,
          servername: mikeFqdn(),
          credential: suzieMember,
          session: before.session,
        },
      );
      assert.ok(raw.reused, 'the session was resumed');
      assert.equal(raw.status, 403, raw.body);
      assert.match(raw.body, /BYODA_ERR_REVOKED/);
    });

    it("fails Suzie's proxied query at Mike's pod, and Mike's pod no longer calls or believes Suzie", async () => {
      const data = await suzie.data(
        `{ person_connection(remote_member_id: "${mike.memberId}") { total_count remote_errors { message } } }`,
      );
      assert.ok(connectionOf(data, 'person_connection').remote_errors.length > 0, 'Mike refused');
      const fromMike = await mike.data(
        `{ person_connection(remote_member_id: "${suzie.memberId}") { total_count remote_errors { message } } }`,
      );
      const errors = connectionOf(fromMike, 'person_connection').remote_errors;
      assert.ok(
        errors.some((e) => /revoked/.test(e.message)),
        JSON.stringify(errors),
      );
    });

    it('still lets Mike in at his own pod and the service', async () => {
      const pod2 = net.pods[1];
      assert.ok(pod2);
      const agent = tlsAgent(root, mikeFqdn(), mikeMember);
      agents.push(agent);
      const answer = await graphql(agent, pod2.memberUrl, serviceId, PERSON_QUERY);
      assert.equal(answer.status, 200, answer.text);
    });
  });

  describe('the operator revokes an account', () => {
    it('refuses bad arguments', async () => {
      const none = await runByoda(['directory', 'revoke', '--data', net.directory.dataDir]);
      assert.notEqual(none.code, 0);
      const bad = await runByoda([
        'directory',
        'revoke',
        '--data',
        net.directory.dataDir,
        '--account',
        'nope',
      ]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /UUID/);
    });

    it("refuses Mike's account certificate at the directory at once", async () => {
      const pod2 = net.pods[1];
      assert.ok(pod2);
      const agent = directoryAgent(mikeAccount);
      const update = (): Promise<{ status: number; text: string }> =>
        send(agent, `${net.directory.url}${DIRECTORY_PATHS.account}`, {
          method: 'PUT' as 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({}),
        });
      assert.equal((await update()).status, 200);
      const result = await runByoda([
        'directory',
        'revoke',
        '--data',
        net.directory.dataDir,
        '--account',
        pod2.accountId,
        '--json',
      ]);
      assert.equal(result.code, 0, result.stderr);
      const refused = await update();
      assert.equal(refused.status, 403, refused.text);
      assert.match(refused.text, /BYODA_ERR_REVOKED/);
    });
  });
});
