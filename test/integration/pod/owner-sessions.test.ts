/**
 * The owner's sessions as a client meets them over the network (docs/protocol.md "Owner sessions"): a
 * directory and a pod in this process on real TLS sockets, with a login clock the test moves. Renewal
 * before expiry without the password, logout ending the session's tokens at once (also a token the
 * verified-token cache holds), the owner listing and ending other sessions, a revocation surviving a
 * restart; bad input and the denial without the owner token or on the member port.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Agent } from 'undici';
import { DirectoryServer } from '../../../src/directory/index.js';
import type { DirectoryAddress } from '../../../src/directory/index.js';
import { createNetworkPki } from '../../../src/pki/index.js';
import { PodServer, initPod } from '../../../src/pod/index.js';
import type { PodAddress } from '../../../src/pod/index.js';
import { MAX_SESSION_AGE_MS } from '../../../src/pod/auth/owner-sessions.js';
import { postJson, send } from './pod-clients.js';
import type { HttpAnswer } from './pod-clients.js';

const NETWORK = 'byoda.test';
const PASSPHRASE = 'owner sessions test passphrase';
const PASSWORD = 'the owner sessions test password';

interface TokenJson {
  auth_token: string;
  expires_at: string;
  session_id: string;
}
interface SessionJson {
  session_id: string;
  current: boolean;
  user_agent: string;
  client: string;
  expires_at: string;
}

describe('pod: owner sessions (renewal, logout, the list of sessions)', () => {
  let root = '';
  let dataDir = '';
  const directory = new DirectoryServer();
  let dir: DirectoryAddress;
  let rootCaPem = '';
  let pod = new PodServer();
  let address: PodAddress;
  let username = '';
  let agent: Agent;
  let now = Date.now();

  const startPod = async () => {
    pod = new PodServer();
    address = await pod.start({
      dataDir,
      passphrase: PASSPHRASE,
      dnsServer: { host: dir.dnsHost, port: dir.dnsPort },
      login: { now: () => now },
      logger: pino({ level: 'silent' }),
    });
    agent = new Agent({ connect: { ca: rootCaPem, servername: address.fqdn } });
  };
  const bearer = (token: string): Record<string, string> =>
    token ? { authorization: `Bearer ${token}` } : {};
  const login = async (userAgent: string): Promise<TokenJson> => {
    const answer = await postJson(
      agent,
      `${address.webUrl}/api/v1/pod/authtoken`,
      { username, password: PASSWORD },
      { 'user-agent': userAgent },
    );
    assert.equal(answer.status, 200, answer.text);
    return answer.json as TokenJson;
  };
  const renew = (token: string, body?: unknown) =>
    postJson(agent, `${address.webUrl}/api/v1/pod/authtoken/renew`, body, bearer(token));
  const account = (token: string) =>
    send(agent, `${address.webUrl}/api/v1/pod/account`, { headers: bearer(token) });
  const sessions = (token: string) =>
    send(agent, `${address.webUrl}/api/v1/pod/sessions`, { headers: bearer(token) });
  const end = (token: string, path: string) =>
    send(agent, `${address.webUrl}${path}`, { method: 'DELETE', headers: bearer(token) });
  const codeOf = (answer: HttpAnswer) => (answer.json as { error?: { code?: string } }).error?.code;
  const listOf = (answer: HttpAnswer) => (answer.json as { sessions: SessionJson[] }).sessions;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'byoda-owner-sessions-'));
    const dirData = join(root, 'directory');
    await createNetworkPki(join(dirData, 'pki'), NETWORK, PASSPHRASE);
    dir = await directory.start({ dataDir: dirData, passphrase: PASSPHRASE });
    rootCaPem = await readFile(dir.rootCaPath, 'utf8');
    dataDir = join(root, 'pod');
    const summary = await initPod({
      dataDir,
      directoryUrl: dir.url,
      rootCaPem,
      passphrase: PASSPHRASE,
      password: PASSWORD,
    });
    username = summary.username;
    await startPod();
  });

  after(async () => {
    await agent.close();
    await pod.stop();
    await directory.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('renews a token before it expires, without the password, in the same session', async () => {
    const first = await login('renewal test');
    now += 50 * 60_000;
    const answer = await renew(first.auth_token);
    assert.equal(answer.status, 200, answer.text);
    const renewed = answer.json as TokenJson;
    assert.equal(renewed.session_id, first.session_id);
    assert.notEqual(renewed.auth_token, first.auth_token);
    assert.ok(Date.parse(renewed.expires_at) > Date.parse(first.expires_at), 'a later expiry');
    assert.equal((await account(renewed.auth_token)).status, 200);
    // The old token is left to expire: a renewal answer lost on its way does not lock the app out.
    assert.equal((await account(first.auth_token)).status, 200);
    now += 11 * 60_000;
    assert.equal((await account(first.auth_token)).status, 401, 'the old token expired');
    assert.equal(
      codeOf(await renew(first.auth_token)),
      'BYODA_ERR_UNAUTHORIZED',
      'an expired one never renews',
    );
    assert.equal((await account(renewed.auth_token)).status, 200, 'the renewed one lives on');
  });

  it('stops renewing a session a week after its login', async () => {
    let current = await login('old session');
    const started = now;
    while (now + 50 * 60_000 < started + MAX_SESSION_AGE_MS) {
      now += 50 * 60_000;
      const answer = await renew(current.auth_token);
      assert.equal(answer.status, 200, answer.text);
      current = answer.json as TokenJson;
    }
    assert.ok(Date.parse(current.expires_at) <= started + MAX_SESSION_AGE_MS, 'capped at the week');
    now = started + MAX_SESSION_AGE_MS + 1000;
    assert.equal((await renew(current.auth_token)).status, 401);
  });

  it('logs out: the session and all its tokens are refused at once, even a cached one', async () => {
    const session = await login('logout test');
    const renewed = (await renew(session.auth_token)).json as TokenJson;
    // Both tokens are now in the verified-token cache.
    assert.equal((await account(session.auth_token)).status, 200);
    assert.equal((await account(renewed.auth_token)).status, 200);
    const out = await end(renewed.auth_token, '/api/v1/pod/authtoken');
    assert.equal(out.status, 204, out.text);
    for (const token of [session.auth_token, renewed.auth_token]) {
      const answer = await account(token);
      assert.equal(answer.status, 401);
      assert.match(answer.text, /session has ended/);
      assert.equal((await renew(token)).status, 401, 'no renewal of an ended session');
    }
    assert.equal((await end(session.auth_token, '/api/v1/pod/authtoken')).status, 401);
  });

  it('lists the active sessions and ends another one; the end survives a restart', async () => {
    const laptop = await login('laptop browser');
    const phone = await login('phone browser');
    const listed = await sessions(laptop.auth_token);
    assert.equal(listed.status, 200, listed.text);
    const mine = listOf(listed).find((s) => s.session_id === laptop.session_id);
    const other = listOf(listed).find((s) => s.session_id === phone.session_id);
    assert.equal(mine?.current, true);
    assert.equal(mine?.user_agent, 'laptop browser');
    assert.equal(mine?.client, '127.0.0.1');
    assert.equal(other?.current, false);
    assert.equal(listOf(listed).filter((s) => s.current).length, 1);
    assert.equal((await end(laptop.auth_token, `/api/v1/pod/sessions/${phone.session_id}`)).status, 204);
    assert.equal((await account(phone.auth_token)).status, 401, 'the phone is logged out at once');
    const again = await end(laptop.auth_token, `/api/v1/pod/sessions/${phone.session_id}`);
    assert.equal(again.status, 404);
    assert.equal(codeOf(again), 'BYODA_ERR_NOT_FOUND');
    const ids = listOf(await sessions(laptop.auth_token)).map((s) => s.session_id);
    assert.ok(!ids.includes(phone.session_id));

    await agent.close();
    await pod.stop();
    await startPod();
    assert.equal((await account(phone.auth_token)).status, 401, 'still ended after a restart');
    assert.equal((await account(laptop.auth_token)).status, 200, 'still logged in after a restart');
  });

  it('refuses bad input with the field named', async () => {
    const { auth_token: token } = await login('bad input test');
    for (const id of ['not-a-uuid', 'A2B3C4D5-0000-4000-8000-000000000000', '%00', "1' OR '1'='1"]) {
      const answer = await end(token, `/api/v1/pod/sessions/${encodeURIComponent(id)}`);
      assert.equal(answer.status, 400, id);
      assert.equal(codeOf(answer), 'BYODA_ERR_BAD_REQUEST');
      assert.match(answer.text, /sessionId/);
    }
    const unknown = await end(token, '/api/v1/pod/sessions/00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.status, 404);
    const withBody = await renew(token, { username, password: PASSWORD });
    assert.equal(withBody.status, 400);
    assert.match(withBody.text, /body/);
    assert.equal((await account(token)).status, 200, 'bad input changed nothing');
  });

  it('refuses every session endpoint without the owner token, and has none on the member port', async () => {
    const { auth_token: token } = await login('denial test');
    for (const bad of ['', 'not.a.token', `${token}x`]) {
      assert.equal((await renew(bad)).status, 401, `renew ${bad}`);
      assert.equal((await sessions(bad)).status, 401, `list ${bad}`);
      assert.equal((await end(bad, '/api/v1/pod/authtoken')).status, 401, `logout ${bad}`);
      const other = await end(bad, '/api/v1/pod/sessions/00000000-0000-4000-8000-000000000000');
      assert.equal(other.status, 401, `end ${bad}`);
    }
    const member = new Agent({ connect: { ca: rootCaPem, servername: address.fqdn } });
    try {
      const answer = await send(member, `${address.memberUrl}/api/v1/pod/sessions`, {
        headers: bearer(token),
      });
      assert.equal(answer.status, 404);
    } finally {
      await member.close();
    }
    assert.equal((await sessions(token)).status, 200, 'and the owner token is accepted');
  });
});
