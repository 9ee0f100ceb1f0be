/**
 * The pod's web port answers CORS for the origins its memberships' contracts list (spec §5
 * `cors_origins`), and its member port never does; both ports apply the rate limit of the pod's start
 * options. A real network: the directory and the service (the shared addressbook contract, which lists
 * `www.byoda.net` among its origins) as processes, pods started in this process on real sockets.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { Agent } from 'undici';
import { memberFqdn } from '../../../src/pki/index.js';
import { initPod, PodServer } from '../../../src/pod/index.js';
import type { PodAddress } from '../../../src/pod/index.js';
import { NETWORK, NetworkHarness } from '../../fixtures/network-harness.js';
import { startInProcessPod, stopInProcessPod } from '../federation/in-process-pods.js';
import type { InProcessPod } from '../federation/in-process-pods.js';
import { OwnerSession } from '../federation/owner-session.js';
import { send, tlsAgent, wsClient } from '../pod/pod-clients.js';
import type { HttpAnswer } from '../pod/pod-clients.js';

const TIMINGS = { hopTimeoutMs: 15_000, deadlineMs: 45_000 };
const ALLOWED = 'https://www.byoda.net';
const OTHER = 'https://evil.example';

/** The `access-control-*` headers of an answer. */
function corsHeaders(answer: HttpAnswer): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(answer.headers).filter(([name]) => name.startsWith('access-control-')),
  );
}

function varyOf(answer: HttpAnswer): string {
  const vary = answer.headers['vary'];
  return (Array.isArray(vary) ? vary.join(', ') : (vary ?? '')).toLowerCase();
}

/** A CORS preflight of a POST from `origin`, as a browser sends it. */
async function preflight(agent: Agent, url: string, origin: string): Promise<HttpAnswer> {
  const response = await request(url, {
    dispatcher: agent,
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: undefined };
}

describe('pod CORS and rate limits', () => {
  let net: NetworkHarness;
  let pod: InProcessPod;
  let web: Agent;
  let member: Agent;
  let webUrl = '';
  let memberUrl = '';
  let dataPath = '';
  let token = '';

  before(async () => {
    net = await NetworkHarness.start({ pods: 0 });
    pod = await startInProcessPod(net, 'cors', TIMINGS);
    const address = pod.server.address!;
    webUrl = address.webUrl;
    memberUrl = address.memberUrl;
    dataPath = `/api/v1/data/service-${net.service.serviceId}`;
    web = tlsAgent(net.directory.rootCaPem, address.fqdn);
    member = tlsAgent(
      net.directory.rootCaPem,
      memberFqdn(NETWORK, net.service.serviceId, pod.owner.memberId),
    );
    const login = await send(web, `${webUrl}/api/v1/pod/authtoken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ALLOWED },
      body: JSON.stringify({ username: pod.owner.pod.username, password: pod.owner.pod.password }),
    });
    assert.equal(login.status, 200, login.text);
    assert.equal(
      login.headers['access-control-allow-origin'],
      ALLOWED,
      'the owner logs in from a listed origin',
    );
    token = (login.json as { auth_token: string }).auth_token;
  });

  after(async () => {
    await web?.close();
    await member?.close();
    if (pod) await stopInProcessPod(pod);
    await net?.stop();
  });

  describe('web port', () => {
    it('answers the preflight of a listed origin with the allow headers', async () => {
      const answer = await preflight(web, `${webUrl}${dataPath}`, ALLOWED);
      assert.equal(answer.status, 204);
      assert.deepEqual(corsHeaders(answer), {
        'access-control-allow-origin': ALLOWED,
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': 'authorization, content-type',
      });
      assert.match(varyOf(answer), /\borigin\b/);
    });

    it('lets a listed origin read the answer to its GraphQL request', async () => {
      const answer = await send(web, `${webUrl}${dataPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, origin: ALLOWED },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.headers['access-control-allow-origin'], ALLOWED);
      assert.equal(answer.headers['access-control-allow-credentials'], undefined, 'no credentials mode');
      assert.match(varyOf(answer), /\borigin\b/);
    });

    it('lets a listed origin read a refusal too (401 without the token)', async () => {
      const answer = await send(web, `${webUrl}/api/v1/pod/account`, { headers: { origin: ALLOWED } });
      assert.equal(answer.status, 401);
      assert.equal(answer.headers['access-control-allow-origin'], ALLOWED);
    });

    it('answers an origin the contract does not list without any CORS header', async () => {
      const pre = await preflight(web, `${webUrl}${dataPath}`, OTHER);
      assert.notEqual(pre.status, 204);
      assert.deepEqual(corsHeaders(pre), {});
      assert.match(varyOf(pre), /\borigin\b/);
      const actual = await send(web, `${webUrl}${dataPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, origin: OTHER },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      // CORS is not authorization: the request is served, only the browser withholds the answer.
      assert.equal(actual.status, 200, actual.text);
      assert.deepEqual(corsHeaders(actual), {});
      const login = await preflight(web, `${webUrl}/api/v1/pod/authtoken`, 'http://www.byoda.net');
      assert.deepEqual(corsHeaders(login), {}, 'http: is another origin than https:');
    });

    it('answers a listed origin on a path without CORS (joining, the web app) without CORS headers', async () => {
      const join = await preflight(
        web,
        `${webUrl}/api/v1/pod/member/service-${net.service.serviceId}`,
        ALLOWED,
      );
      assert.deepEqual(corsHeaders(join), {});
      const page = await send(web, `${webUrl}/`, { headers: { origin: ALLOWED } });
      assert.deepEqual(corsHeaders(page), {});
    });

    it('answers an unknown membership without CORS headers', async () => {
      const answer = await preflight(web, `${webUrl}/api/v1/data/service-17`, ALLOWED);
      assert.deepEqual(corsHeaders(answer), {});
    });
  });

  describe('member port', () => {
    it('never answers CORS, not even for a listed origin', async () => {
      const pre = await preflight(member, `${memberUrl}${dataPath}`, ALLOWED);
      assert.notEqual(pre.status, 204);
      assert.deepEqual(corsHeaders(pre), {});
      const actual = await send(member, `${memberUrl}${dataPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ALLOWED },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      assert.equal(actual.status, 200, actual.text);
      assert.deepEqual(corsHeaders(actual), {});
      assert.doesNotMatch(varyOf(actual), /\borigin\b/);
    });
  });

  describe('rate limit of a pod started with one', () => {
    const LIMIT = 3;
    let limited: PodServer;
    let address: PodAddress;
    let limitedWeb: Agent;
    let limitedMember: Agent;

    before(async () => {
      const dataDir = join(net.root, 'limited');
      await initPod({
        dataDir,
        directoryUrl: net.directory.url,
        rootCaPem: net.directory.rootCaPem,
        passphrase: 'limited pod passphrase',
        password: 'limited pod password',
      });
      limited = new PodServer();
      address = await limited.start({
        dataDir,
        passphrase: 'limited pod passphrase',
        dnsServer: net.directory.dns,
        rateLimit: { max: LIMIT },
      });
      limitedWeb = tlsAgent(net.directory.rootCaPem, address.fqdn);
      // Before any join the member port serves the account certificate.
      limitedMember = tlsAgent(net.directory.rootCaPem, address.fqdn);
    });

    after(async () => {
      await limitedWeb?.close();
      await limitedMember?.close();
      await limited?.stop();
    });

    it('refuses the request over the limit on each port with 429 and retry-after', async () => {
      for (const [agent, url] of [
        [limitedWeb, `${address.webUrl}/api/v1/pod/account`],
        [limitedMember, `${address.memberUrl}${dataPath}`],
      ] as const) {
        const seen: HttpAnswer[] = [];
        for (let i = 0; i <= LIMIT; i++) seen.push(await send(agent, url));
        assert.deepEqual(
          seen.map((answer) => answer.status === 429),
          [...Array<boolean>(LIMIT).fill(false), true],
          url,
        );
        const refused = seen[LIMIT]!;
        assert.deepEqual((refused.json as { error: { code: string } }).error.code, 'BYODA_ERR_RATE_LIMITED');
        assert.ok(Number(refused.headers['retry-after']) >= 1, 'retry-after is sent');
      }
    });
  });

  describe('rate limit of operations over one WebSocket', () => {
    const LIMIT = 12;
    let limited: PodServer;
    let session: OwnerSession;

    before(async () => {
      const dataDir = join(net.root, 'limited-ws');
      const password = 'limited ws pod password';
      await initPod({
        dataDir,
        directoryUrl: net.directory.url,
        rootCaPem: net.directory.rootCaPem,
        passphrase: 'limited ws pod passphrase',
        password,
      });
      limited = new PodServer();
      const address = await limited.start({
        dataDir,
        passphrase: 'limited ws pod passphrase',
        dnsServer: net.directory.dns,
        rateLimit: { max: LIMIT },
      });
      session = await OwnerSession.join(
        { name: 'limited-ws', webUrl: address.webUrl, fqdn: address.fqdn, username: 'owner', password },
        net.directory.rootCaPem,
        net.service.serviceId,
      );
    });

    after(async () => {
      await session?.close();
      await limited?.stop();
    });

    /** `count` operations over one WebSocket (a subscription held open keeps it); each one's code. */
    async function operations(count: number, connectionParams?: Record<string, unknown>): Promise<string[]> {
      const client = wsClient(session.pod.webUrl, net.service.serviceId, {
        rootCaPem: net.directory.rootCaPem,
        servername: session.pod.fqdn,
        ...(connectionParams ? { connectionParams } : {}),
      });
      const codes: string[] = [];
      // A subscription held open keeps the one socket (the client is lazy: it closes when idle).
      const held = client.iterate({ query: 'subscription { network_links_updates { action } }' });
      void held.next().catch(() => undefined);
      try {
        for (let i = 0; i < count; i++) {
          const result = await new Promise<{ errors?: readonly { extensions?: Record<string, unknown> }[] }>(
            (resolve) => {
              let answer = {};
              client.subscribe(
                { query: '{ __typename }' },
                {
                  next: (value) => (answer = value),
                  error: (err) =>
                    resolve({
                      errors: Array.isArray(err) ? err : [{ extensions: { code: 'socket closed' } }],
                    }),
                  complete: () => resolve(answer),
                },
              );
            },
          );
          codes.push(String(result.errors?.[0]?.extensions?.['code'] ?? 'ok'));
        }
      } finally {
        await held.return?.();
        await client.dispose();
      }
      return codes;
    }

    it("counts the owner's operations, token in connection_init, under the owner's own limit", async () => {
      const codes = await operations(LIMIT * 2, { authorization: `Bearer ${session.token}` });
      assert.deepEqual(new Set(codes), new Set(['ok']), codes.join(' '));
    });

    it('counts every operation on an anonymous socket under its address, not only the upgrade', async () => {
      const codes = await operations(LIMIT);
      // Login and the upgrade took some of the twelve: the socket's own operations ran out.
      assert.ok(codes.includes('ok'), codes.join(' '));
      assert.equal(codes.at(-1), 'BYODA_ERR_RATE_LIMITED', codes.join(' '));
    });
  });
});
