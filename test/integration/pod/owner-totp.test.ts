/**
 * The owner's second factor as a client meets it over the network (spec §12; docs/protocol.md "Second
 * factor (TOTP)"): a directory and a pod in this process on real TLS sockets, with a clock the test
 * moves (the login clock, which the one-time codes are checked against). Enrol, confirm, the login
 * that then needs a code, a code accepted once, recovery codes used once, wrong codes counted by the
 * login limiter, turning it off with a code; bad input and the denial without the owner token.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Agent } from 'undici';
import { DirectoryServer } from '../../../src/directory/index.js';
import { createNetworkPki } from '../../../src/pki/index.js';
import { PodServer, initPod } from '../../../src/pod/index.js';
import type { PodAddress } from '../../../src/pod/index.js';
import { totpCode } from '../../../src/pod/auth/totp.js';
import { postJson, send } from './pod-clients.js';
import type { HttpAnswer } from './pod-clients.js';

const NETWORK = 'byoda.test';
const PASSPHRASE = 'owner totp test passphrase';
const PASSWORD = 'the owner totp test password';
const STEP_MS = 30_000;

describe('pod: the owner second factor (spec §12)', () => {
  let root = '';
  const directory = new DirectoryServer();
  let rootCaPem = '';
  const pod = new PodServer();
  let address: PodAddress;
  let username = '';
  let token = '';
  let secret = '';
  let recoveryCodes: string[] = [];
  /** The pod's login clock: the start of a 30 s step, moved by the tests. */
  let now = Math.floor(Date.now() / STEP_MS) * STEP_MS;
  const agents = new Map<string, Agent>();

  const from = (localAddress: string): Agent => {
    let agent = agents.get(localAddress);
    if (!agent) {
      agent = new Agent({ localAddress, connect: { ca: rootCaPem, servername: address.fqdn } });
      agents.set(localAddress, agent);
    }
    return agent;
  };
  const login = (client: string, extra: Record<string, unknown> = {}, password = PASSWORD) =>
    postJson(from(client), `${address.webUrl}/api/v1/pod/authtoken`, { username, password, ...extra });
  const owner = (path: string, body?: unknown, bearer = token) =>
    postJson(from('127.0.0.1'), `${address.webUrl}/api/v1/pod/totp${path}`, body, {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    });
  const codeOf = (answer: HttpAnswer) => (answer.json as { error?: { code?: string } }).error?.code;
  const messageOf = (answer: HttpAnswer) =>
    (answer.json as { error?: { message?: string } }).error?.message ?? '';
  const code = () => totpCode(secret, now);

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'byoda-owner-totp-'));
    const dirData = join(root, 'directory');
    await createNetworkPki(join(dirData, 'pki'), NETWORK, PASSPHRASE);
    const dir = await directory.start({ dataDir: dirData, passphrase: PASSPHRASE });
    rootCaPem = await readFile(dir.rootCaPath, 'utf8');
    const dataDir = join(root, 'pod');
    const summary = await initPod({
      dataDir,
      directoryUrl: dir.url,
      rootCaPem,
      passphrase: PASSPHRASE,
      password: PASSWORD,
    });
    username = summary.username;
    address = await pod.start({
      dataDir,
      passphrase: PASSPHRASE,
      dnsServer: { host: dir.dnsHost, port: dir.dnsPort },
      login: { now: () => now },
      logger: pino({ level: 'silent' }),
    });
    const answer = await login('127.0.0.1');
    assert.equal(answer.status, 200, answer.text);
    token = (answer.json as { auth_token: string }).auth_token;
  });

  after(async () => {
    await Promise.all([...agents.values()].map((agent) => agent.close()));
    await pod.stop();
    await directory.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('refuses every second-factor endpoint without the owner token, and has none on the member port', async () => {
    for (const path of ['', '/confirm', '/disable']) {
      for (const bearer of ['', 'not.a.token']) {
        const answer = await owner(path, { code: '123456' }, bearer);
        assert.equal(answer.status, 401, `${path} ${bearer}`);
        assert.equal(codeOf(answer), 'BYODA_ERR_UNAUTHORIZED');
      }
    }
    const status = await send(from('127.0.0.1'), `${address.webUrl}/api/v1/pod/totp`);
    assert.equal(status.status, 401);
    const member = await postJson(
      new Agent({ connect: { ca: rootCaPem, servername: address.fqdn } }),
      `${address.memberUrl}/api/v1/pod/totp`,
      undefined,
      { authorization: `Bearer ${token}` },
    );
    assert.equal(member.status, 404, member.text);
  });

  it('refuses a confirm with no enrolment pending (409)', async () => {
    const answer = await owner('/confirm', { code: '123456' });
    assert.equal(answer.status, 409, answer.text);
    assert.equal(codeOf(answer), 'BYODA_ERR_CONFLICT');
  });

  it('enrols: an otpauth URI and 10 recovery codes, confirmed by a first code', async () => {
    const answer = await owner('', undefined);
    assert.equal(answer.status, 200, answer.text);
    const body = answer.json as { otpauth_uri: string; recovery_codes: string[] };
    const uri = new URL(body.otpauth_uri);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.searchParams.get('issuer'), 'BYODA');
    assert.equal(uri.searchParams.get('digits') ?? '6', '6');
    secret = uri.searchParams.get('secret')!;
    recoveryCodes = body.recovery_codes;
    assert.equal(recoveryCodes.length, 10);
    const pendingLogin = await login('127.0.0.1');
    assert.equal(pendingLogin.status, 200, 'a pending enrolment does not change the login yet');
    const wrong = await owner('/confirm', { code: (await code()) === '000000' ? '000001' : '000000' });
    assert.equal(wrong.status, 403, wrong.text);
    const confirmed = await owner('/confirm', { code: await code() });
    assert.equal(confirmed.status, 200, confirmed.text);
    assert.deepEqual(confirmed.json, { enrolled: true, pending: false, recovery_codes_left: 10 });
  });

  it('refuses bad codes with a 400 naming the field', async () => {
    for (const bad of [{}, { code: '12345' }, { code: '12345a' }, { code: 123456 }]) {
      const answer = await owner('/confirm', bad);
      assert.equal(answer.status, 400, JSON.stringify(bad));
      assert.match(messageOf(answer), /\bcode\b/);
    }
    const unknown = await owner('/disable', { cod: '123456' });
    assert.equal(unknown.status, 400);
    assert.match(messageOf(unknown), /cod: unknown field/);
    const short = await login('127.0.0.1', { totp: '1234' });
    assert.equal(short.status, 400, short.text);
    assert.match(messageOf(short), /\btotp\b/);
  });

  it('then needs the code to log in, accepts it once, and takes the next one', async () => {
    // The failures from an address of their own: each counts with the limiter (checked below).
    const without = await login('127.0.0.2');
    assert.equal(without.status, 401, without.text);
    assert.equal(codeOf(without), 'BYODA_ERR_TOTP_REQUIRED');
    const wrongPassword = await login('127.0.0.2', {}, 'not the password');
    assert.equal(codeOf(wrongPassword), 'BYODA_ERR_TOTP_REQUIRED', 'the password alone is never judged');
    now += STEP_MS;
    const current = await code();
    const badPassword = await login('127.0.0.3', { totp: current }, 'not the password');
    assert.equal(badPassword.status, 401);
    assert.equal(codeOf(badPassword), 'BYODA_ERR_UNAUTHORIZED');
    const ok = await login('127.0.0.1', { totp: current });
    assert.equal(ok.status, 200, ok.text);
    const replay = await login('127.0.0.3', { totp: current });
    assert.equal(replay.status, 401, 'a code is accepted once');
    assert.equal(codeOf(replay), 'BYODA_ERR_UNAUTHORIZED');
    now += STEP_MS;
    assert.equal((await login('127.0.0.1', { totp: await code() })).status, 200, 'the next step');
  });

  it('takes each recovery code once, in any case', async () => {
    const recovery = recoveryCodes[0]!.toUpperCase();
    assert.equal((await login('127.0.0.1', { totp: recovery })).status, 200);
    assert.equal((await login('127.0.0.4', { totp: recovery })).status, 401, 'used up');
    const status = await send(from('127.0.0.1'), `${address.webUrl}/api/v1/pod/totp`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.deepEqual(status.json, { enrolled: true, pending: false, recovery_codes_left: 9 });
  });

  it('counts a wrong code as a failed login for the limiter', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await login('127.0.0.9', { totp: '000000' })).status);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
  });

  it('re-enrols only with a current code, keeping the old factor until the new one is confirmed', async () => {
    const without = await owner('', {});
    assert.equal(without.status, 400, without.text);
    assert.match(messageOf(without), /\bcode\b/);
    now += STEP_MS;
    const again = await owner('', { code: await code() });
    assert.equal(again.status, 200, again.text);
    now += STEP_MS;
    assert.equal((await login('127.0.0.1', { totp: await code() })).status, 200, 'the old factor holds');
  });

  it('turns off only with a valid code, and the login then needs none', async () => {
    const used = await owner('/disable', { code: await code() });
    assert.equal(used.status, 403, 'the code just used for the login');
    assert.equal(codeOf(used), 'BYODA_ERR_FORBIDDEN');
    const disabled = await owner('/disable', { code: recoveryCodes[1] });
    assert.equal(disabled.status, 200, disabled.text);
    assert.deepEqual(disabled.json, { enrolled: false, pending: false, recovery_codes_left: null });
    assert.equal((await login('127.0.0.1')).status, 200);
    const twice = await owner('/disable', { code: '123456' });
    assert.equal(twice.status, 409, twice.text);
  });
});
