/**
 * Key rotation over real processes (docs/protocol.md, "Key rotation"): a directory, the addressbook
 * service and two pods. A signs a record into B's pod and B verifies it (caching A's data cert); then
 * `byoda pod rotate-keys` runs against A's running pod while both owners keep sending requests: A's
 * recursive query to B (B checks A's origin signature, member TLS both ways), B's proxied query to A,
 * B reading A's signed record, and fresh TLS handshakes to both of A's ports. Not one may fail. After
 * it, A's certificates carry new public keys, old and new signatures verify, and after both pods
 * restart (empty caches) B still verifies the old signature by fetching the replaced data cert by
 * its thumbprint. Then the endpoint's refusals, and the CLI's refusal of a stopped pod.
 */
import assert from 'node:assert/strict';
import { X509Certificate, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Agent } from 'undici';
import { certThumbprint, memberFqdn } from '../../../src/pki/index.js';
import { CREDENTIALS } from '../../../src/pod/index.js';
import { readDataSignature } from '../../../src/signing/index.js';
import { NETWORK, NetworkHarness, runByoda, runByodaJson } from '../../fixtures/network-harness.js';
import type { PodInfo } from '../../fixtures/network-harness.js';
import { LOADED_MACHINE_ENV } from '../../fixtures/test-env.js';
import { EXAMPLE_CONTRACT, OwnerSession, connectionOf, joinEachPod } from '../federation/owner-session.js';
import { ownerToken, podCredential, postJson, send, tlsAgent } from '../pod/pod-clients.js';
import { freshGet } from './fresh-get.js';

const ROTATE = '/api/v1/pod/rotate-keys';
const APPEND_INBOUND =
  'mutation($input: network_link_inbound_input!, $remote: UUID) { ' +
  'append_network_links_inbound(input: $input, sign: true, remote_member_id: $remote) { member_id } }';
const READ_INBOUND =
  'query($id: UUID!) { network_links_inbound_connection(filter: {member_id: {eq: $id}}) { edges { ' +
  'node { text } signature { jws verified reason } } } }';
/** Rounds of requests after the rotation answered: the new keys in use everywhere. */
const ROUNDS_AFTER = 3;

interface Served {
  readonly status: number;
  readonly body: string;
  /** The server's leaf public key (DER, base64). */
  readonly publicKey: string;
}

/** `GET path` over a new TLS connection, verified against the root as `servername`. */
async function freshServed(
  url: string,
  servername: string,
  rootCaPem: string,
  path: string,
): Promise<Served> {
  const { status, body, leaf } = await freshGet(url, servername, rootCaPem, path);
  return { status, body, publicKey: leaf ? publicKeyOf(leaf.toString()) : '' };
}

function publicKeyOf(pem: string): string {
  return new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}

describe('key rotation of a running pod (real processes)', () => {
  let net: NetworkHarness;
  let a: OwnerSession;
  let b: OwnerSession;
  let podA: PodInfo;
  let podB: PodInfo;
  let serviceId: number;
  let root: string;
  const agents: Agent[] = [];
  /** The signed record A put in B's pod before the rotation. */
  let oldJws: string;
  let oldDataChain: string;

  const inboundAtB = async (session: OwnerSession, text: string) => {
    const data = await session.data(READ_INBOUND, { id: a.memberId });
    const { edges } = Object.values(data)[0] as {
      edges: {
        node: { text: string };
        signature: { jws: string; verified: boolean; reason: string | null };
      }[];
    };
    const edge = edges.find((e) => e.node.text === text);
    assert.ok(edge, `B holds '${text}'`);
    return edge.signature;
  };
  const memberName = (session: OwnerSession) => memberFqdn(NETWORK, serviceId, session.memberId);

  before(async () => {
    net = await NetworkHarness.start({
      pods: 2,
      contract: EXAMPLE_CONTRACT,
      podEnv: { ...LOADED_MACHINE_ENV, BYODA_RATE_LIMIT_PER_MINUTE: '0' },
    });
    [a, b] = await joinEachPod(net, ['a', 'b'] as const);
    [podA, podB] = net.pods as [PodInfo, PodInfo];
    serviceId = net.service.serviceId;
    root = net.directory.rootCaPem;
    await a.link(b.memberId, 'family');
    await b.link(a.memberId, 'family');
    await b.storePerson({ given_name: 'Bea', family_name: 'Jones', email: 'bea@example.org' });
    await a.storePerson({ given_name: 'Al', family_name: 'Smith', email: 'al@example.org' });
  });

  after(async () => {
    await Promise.all([...agents, a, b].map((closable) => closable?.close()));
    await net?.stop();
  });

  it('B verifies a record A signed, with A’s data cert (now cached at B)', async () => {
    const appended = await a.query(APPEND_INBOUND, {
      input: {
        created_timestamp: new Date().toISOString(),
        member_id: a.memberId,
        relation: 'follow',
        text: 'before the rotation',
      },
      remote: b.memberId,
    });
    assert.deepEqual(appended.errors, [], appended.text);
    const signature = await inboundAtB(b, 'before the rotation');
    assert.equal(signature.verified, true, JSON.stringify(signature));
    oldJws = signature.jws;
    oldDataChain = (await podCredential(podA, CREDENTIALS.memberData(serviceId))).chainPem;
    assert.equal(readDataSignature(oldJws).header['x5t#S256'], certThumbprint(oldDataChain));
  });

  it('rotates every key of A under traffic with no failed request', async (t) => {
    const aMember = memberName(a);
    const failures: string[] = [];
    let requests = 0;
    const record = async (what: string, work: () => Promise<void>): Promise<void> => {
      requests += 1;
      try {
        await work();
      } catch (err) {
        failures.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const keysSeen = { web: new Set<string>(), member: new Set<string>() };
    const round = () =>
      Promise.all([
        record('A recursive query to B', async () => {
          const data = await a.data(
            `{ person_connection(depth: 1, relations: ["family"], query_id: "${randomUUID()}") ` +
              '{ edges { origin } remote_errors { origin message } } }',
          );
          const connection = connectionOf(data, 'person_connection');
          assert.deepEqual(connection.remote_errors, []);
          assert.ok(
            connection.edges.some((edge) => edge.origin === b.memberId),
            'B answered',
          );
        }),
        record('B proxied query to A', async () => {
          const data = await b.data(
            `{ person_connection(remote_member_id: "${a.memberId}") { edges { origin } remote_errors { message } } }`,
          );
          const connection = connectionOf(data, 'person_connection');
          assert.deepEqual(connection.remote_errors, []);
          assert.equal(connection.edges.length, 1);
        }),
        record('B reads the signed record', async () => {
          const signature = await inboundAtB(b, 'before the rotation');
          assert.equal(signature.verified, true, JSON.stringify(signature));
        }),
        record('A web port', async () => {
          const served = await freshServed(podA.webUrl, podA.fqdn, root, '/api/v1/status');
          assert.equal(served.status, 200);
          keysSeen.web.add(served.publicKey);
        }),
        record('A member port', async () => {
          const served = await freshServed(podA.memberUrl, aMember, root, '/api/v1/status');
          assert.equal(served.status, 200);
          keysSeen.member.add(served.publicKey);
        }),
      ]);

    const before = {
      web: (await freshServed(podA.webUrl, podA.fqdn, root, '/api/v1/status')).publicKey,
      member: (await freshServed(podA.memberUrl, aMember, root, '/api/v1/status')).publicKey,
    };
    let rotation: Record<string, unknown> | undefined;
    let rotationError: unknown;
    const rotating = runByodaJson(['pod', 'rotate-keys', '--data', podA.dataDir]).then(
      (result) => (rotation = result),
      (err: unknown) => (rotationError = err),
    );
    await round(); // at least one round while the command runs
    while (rotation === undefined && rotationError === undefined) await round();
    await rotating;
    for (let i = 0; i < ROUNDS_AFTER; i++) await round();
    assert.equal(rotationError, undefined, String(rotationError));
    assert.equal(rotation?.['event'], 'keys_rotated');
    const names = (rotation?.['rotated'] as { name: string }[]).map((r) => r.name).sort();
    assert.deepEqual(
      names,
      ['account', 'account-data', `member-${serviceId}`, `member-data-${serviceId}`].sort(),
    );
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${requests} requests failed`);
    t.diagnostic(`${requests} requests, none failed`);

    // New public keys, served on both ports and written to disk (the key file is the cert's).
    const now = {
      web: (await freshServed(podA.webUrl, podA.fqdn, root, '/api/v1/status')).publicKey,
      member: (await freshServed(podA.memberUrl, aMember, root, '/api/v1/status')).publicKey,
    };
    assert.notEqual(now.web, before.web);
    assert.notEqual(now.member, before.member);
    assert.ok(keysSeen.web.has(now.web) && keysSeen.member.has(now.member), 'the loop met the new keys');
    assert.equal(publicKeyOf((await podCredential(podA, CREDENTIALS.accountTls)).certPem), now.web);
    assert.equal(
      publicKeyOf((await podCredential(podA, CREDENTIALS.memberTls(serviceId))).certPem),
      now.member,
    );
    const newData = await podCredential(podA, CREDENTIALS.memberData(serviceId));
    assert.notEqual(publicKeyOf(newData.certPem), publicKeyOf(oldDataChain));
    const kept = await readFile(join(podA.dataDir, 'pki', `member-data-${serviceId}.previous.pem`), 'utf8');
    assert.equal(kept, oldDataChain);
  });

  it('serves the replaced data cert by its thumbprint, and the current one by its own', async () => {
    const aMember = memberName(a);
    const path = `/api/v1/pod/data-cert/service-${serviceId}`;
    const current = await freshServed(podA.memberUrl, aMember, root, path);
    const old = await freshServed(
      podA.memberUrl,
      aMember,
      root,
      `${path}?x5t=${certThumbprint(oldDataChain)}`,
    );
    assert.equal(old.status, 200);
    assert.equal(old.body, oldDataChain);
    const byOwn = await freshServed(
      podA.memberUrl,
      aMember,
      root,
      `${path}?x5t=${certThumbprint(current.body)}`,
    );
    assert.equal(byOwn.body, current.body);
    assert.notEqual(current.body, oldDataChain);
    const unknown = await freshServed(podA.memberUrl, aMember, root, `${path}?x5t=${'A'.repeat(43)}`);
    assert.equal(unknown.status, 404, unknown.body);
    assert.match(unknown.body, /BYODA_ERR_NOT_FOUND/);
    for (const bad of ['short', `${'A'.repeat(42)}=`, 'A'.repeat(44)]) {
      const answer = await freshServed(podA.memberUrl, aMember, root, `${path}?x5t=${bad}`);
      assert.equal(answer.status, 400, answer.body);
      assert.match(answer.body, /x5t/);
    }
  });

  it('a record A signs after the rotation names the new cert and B verifies it', async () => {
    const appended = await a.query(APPEND_INBOUND, {
      input: {
        created_timestamp: new Date().toISOString(),
        member_id: a.memberId,
        relation: 'follow',
        text: 'after the rotation',
      },
      remote: b.memberId,
    });
    assert.deepEqual(appended.errors, [], appended.text);
    const signature = await inboundAtB(b, 'after the rotation');
    assert.equal(signature.verified, true, JSON.stringify(signature));
    const newData = await podCredential(podA, CREDENTIALS.memberData(serviceId));
    assert.equal(readDataSignature(signature.jws).header['x5t#S256'], certThumbprint(newData.certPem));
    assert.equal((await inboundAtB(b, 'before the rotation')).verified, true);
  });

  it('after both pods restart (no cache) B verifies the old signature through the kept chain', async () => {
    [podA, podB] = await Promise.all([net.restartPod(podA), net.restartPod(podB)]);
    const [aSession, bSession] = await Promise.all([
      OwnerSession.signIn(podA, root, serviceId, a.memberId),
      OwnerSession.signIn(podB, root, serviceId, b.memberId),
    ]);
    await Promise.all([a.close(), b.close()]);
    a = aSession;
    b = bSession;
    const old = await inboundAtB(b, 'before the rotation');
    assert.equal(old.verified, true, JSON.stringify(old));
    assert.equal((await inboundAtB(b, 'after the rotation')).verified, true);
  });

  describe('POST /api/v1/pod/rotate-keys refusals', () => {
    let agent: Agent;
    let token: string;
    const url = () => `${podA.webUrl}${ROTATE}`;

    before(async () => {
      agent = tlsAgent(root, podA.fqdn);
      agents.push(agent);
      token = await ownerToken(agent, podA);
    });

    it('refuses a request without the owner token (401), and another pod’s owner token (401)', async () => {
      const none = await postJson(agent, url(), {});
      assert.equal(none.status, 401, none.text);
      assert.match(none.text, /BYODA_ERR_UNAUTHORIZED/);
      const otherAgent = tlsAgent(root, podB.fqdn);
      agents.push(otherAgent);
      const other = await postJson(
        agent,
        url(),
        {},
        { authorization: `Bearer ${await ownerToken(otherAgent, podB)}` },
      );
      assert.equal(other.status, 401, other.text);
      const forged = await postJson(agent, url(), {}, { authorization: 'Bearer not.a.token' });
      assert.equal(forged.status, 401, forged.text);
    });

    it('refuses a scoped token the owner granted (a delegate for data, not for the owner API)', async () => {
      const granted = await postJson(
        agent,
        `${podA.webUrl}/api/v1/pod/tokens`,
        { service_id: serviceId, classes: ['person'], actions: ['read'] },
        { authorization: `Bearer ${token}` },
      );
      assert.equal(granted.status, 201, granted.text);
      const scoped = (granted.json as { token: string }).token;
      const answer = await postJson(agent, url(), {}, { authorization: `Bearer ${scoped}` });
      assert.equal(answer.status, 401, answer.text);
      assert.equal((answer.json as { error: { code: string } }).error.code, 'BYODA_ERR_UNAUTHORIZED');
    });

    it('is absent on the member port, even to the membership’s own certificate (404)', async () => {
      const credential = await podCredential(podA, CREDENTIALS.memberTls(serviceId));
      const member = tlsAgent(root, memberName(a), credential);
      agents.push(member);
      const answer = await postJson(
        member,
        `${podA.memberUrl}${ROTATE}`,
        {},
        { authorization: `Bearer ${token}` },
      );
      assert.equal(answer.status, 404, answer.text);
    });

    it('refuses a bad body with 400 naming the field, and an unknown service with 404', async () => {
      const auth = { authorization: `Bearer ${token}` };
      const cases: [unknown, RegExp][] = [
        [[], /body must be a JSON object/],
        ['text', /body must be a JSON object/],
        [{ service_id: 'x' }, /service_id must be a service id/],
        [{ service_id: 1.5 }, /service_id/],
        [{ service_id: -1 }, /service_id/],
        [{ serviceId: serviceId }, /unknown field "serviceId"/],
      ];
      for (const [body, message] of cases) {
        const answer = await postJson(agent, url(), body, auth);
        assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${answer.text}`);
        const error = (answer.json as { error: { code: string; message: string } }).error;
        assert.equal(error.code, 'BYODA_ERR_BAD_REQUEST');
        assert.match(error.message, message);
      }
      const unknown = await postJson(agent, url(), { service_id: serviceId + 1 }, auth);
      assert.equal(unknown.status, 404, unknown.text);
      // Nothing was rotated by the refused requests.
      const status = await send(agent, `${podA.webUrl}/api/v1/status`);
      assert.equal(status.status, 200);
    });

    it('rotates one membership with the owner token, as `{service_id}` asks', async () => {
      const before = await podCredential(podA, CREDENTIALS.memberData(serviceId));
      const answer = await postJson(
        agent,
        url(),
        { service_id: serviceId },
        { authorization: `Bearer ${token}` },
      );
      assert.equal(answer.status, 200, answer.text);
      const rotated = (answer.json as { rotated: { name: string; not_after: string }[] }).rotated;
      assert.deepEqual(
        rotated.map((r) => r.name).sort(),
        ['account', 'account-data', `member-${serviceId}`, `member-data-${serviceId}`].sort(),
      );
      assert.ok(rotated.every((r) => Date.parse(r.not_after) > Date.now()));
      const afterRotation = await podCredential(podA, CREDENTIALS.memberData(serviceId));
      assert.notEqual(publicKeyOf(afterRotation.certPem), publicKeyOf(before.certPem));
    });
  });

  it('the CLI refuses a stopped pod, saying it needs the running pod', async () => {
    await podB.process.stop();
    const result = await runByoda(['pod', 'rotate-keys', '--data', podB.dataDir]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /is not running/);
    assert.match(result.stderr, /rotate-keys works on the running pod/);
  });
});
