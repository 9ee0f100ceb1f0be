/**
 * The owner's login and its limits as an attacker meets them over the network (spec §10; docs/protocol.md
 * "Owner login and its limits"): a directory and a pod in this process on real TLS sockets, clients
 * on different loopback addresses (127.0.0.x) standing for the owner and strangers. Concurrent
 * guesses, a stranger who cannot lock the owner out, a success that clears its client, state that
 * survives a restart, the login body's fields, the `Authorization` scheme in any case, and the rate
 * limit that knows the owner by a valid token only.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout } from 'node:timers/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { Agent } from 'undici';
import { DirectoryServer } from '../../../src/directory/index.js';
import { createNetworkPki } from '../../../src/pki/index.js';
import { PodServer, initPod } from '../../../src/pod/index.js';
import type { PodAddress, PodStartOptions } from '../../../src/pod/index.js';
import { postJson, send } from './pod-clients.js';
import type { HttpAnswer } from './pod-clients.js';

const NETWORK = 'byoda.test';
const PASSPHRASE = 'owner login test passphrase';
const PASSWORD = 'the owner login test password';
/** Requests a minute for one address; the owner's own limit is 50 times this. */
const RATE_LIMIT = 100;
/** A long backoff, so that a client refused here is still refused after the pod restarts. */
const POLICY = { clientBaseDelayMs: 600_000 };

describe('pod: owner login and its limits (spec §10)', () => {
  let root = '';
  const directory = new DirectoryServer();
  let rootCaPem = '';
  let startOptions: PodStartOptions;
  let pod = new PodServer();
  let address: PodAddress;
  let username = '';
  let ownerToken = '';
  const agents = new Map<string, Agent>();
  const logLines: Record<string, unknown>[] = [];

  /** An agent whose connections come from `localAddress` (a loopback address of its own). */
  const from = (localAddress: string): Agent => {
    let agent = agents.get(localAddress);
    if (!agent) {
      agent = new Agent({ localAddress, connect: { ca: rootCaPem, servername: address.fqdn } });
      agents.set(localAddress, agent);
    }
    return agent;
  };
  const login = (client: string, password: string, extra: Record<string, unknown> = {}) =>
    postJson(from(client), `${address.webUrl}/api/v1/pod/authtoken`, { username, password, ...extra });
  const account = (client: string, authorization?: string) =>
    send(from(client), `${address.webUrl}/api/v1/pod/account`, {
      headers: authorization === undefined ? {} : { authorization },
    });
  const codeOf = (answer: HttpAnswer) => (answer.json as { error?: { code?: string } }).error?.code;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'byoda-owner-login-'));
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
    startOptions = {
      dataDir,
      passphrase: PASSPHRASE,
      dnsServer: { host: dir.dnsHost, port: dir.dnsPort },
      rateLimit: { max: RATE_LIMIT },
      login: { policy: POLICY },
      logger: pino(
        { level: 'info' },
        { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) },
      ),
    };
    address = await pod.start(startOptions);
  });

  after(async () => {
    await Promise.all([...agents.values()].map((agent) => agent.close()));
    await pod.stop();
    await directory.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('gives the owner a token from their address', async () => {
    const answer = await login('127.0.0.1', PASSWORD);
    assert.equal(answer.status, 200, answer.text);
    ownerToken = (answer.json as { auth_token: string }).auth_token;
  });

  it('refuses most of 40 concurrent wrong passwords with 429 before hashing them', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, () => login('127.0.0.2', 'a guess')));
    const statuses = answers.map((answer) => answer.status);
    // Only the attempts that got past the limiter were hashed, and only they can be a 401.
    assert.equal(statuses.filter((status) => status === 401).length, 3, statuses.join(','));
    assert.equal(statuses.filter((status) => status === 429).length, 37);
    const refused = answers.find((answer) => answer.status === 429)!;
    assert.equal(codeOf(refused), 'BYODA_ERR_RATE_LIMITED');
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter > 0 && retryAfter <= 600, `retry-after ${retryAfter}`);
    const message = (refused.json as { error: { message: string } }).error.message;
    assert.equal(message, `too many failed logins from this address; retry in ${retryAfter} s`);
  });

  it("does not let a stranger's failures stop the owner logging in from another address", async () => {
    assert.equal((await login('127.0.0.2', PASSWORD)).status, 429, 'the stranger waits, right or wrong');
    assert.equal((await login('127.0.0.1', PASSWORD)).status, 200);
    assert.equal((await login('127.0.0.3', PASSWORD)).status, 200, 'also from an address never seen');
  });

  it('clears its own client after a success', async () => {
    assert.deepEqual(
      [(await login('127.0.0.5', 'typo one')).status, (await login('127.0.0.5', 'typo two')).status],
      [401, 401],
    );
    assert.equal((await login('127.0.0.5', PASSWORD)).status, 200);
    const again: number[] = [];
    for (let i = 0; i < 4; i++) again.push((await login('127.0.0.5', 'typo')).status);
    assert.deepEqual(again, [401, 401, 401, 429], 'three free failures again, then the backoff');
  });

  it('keeps its limits across a restart of the pod', async () => {
    await pod.stop();
    await Promise.all([...agents.values()].map((agent) => agent.close()));
    agents.clear();
    pod = new PodServer();
    address = await pod.start(startOptions);
    const answer = await login('127.0.0.2', PASSWORD);
    assert.equal(answer.status, 429, answer.text);
    assert.equal((await login('127.0.0.1', PASSWORD)).status, 200);
  });

  it('refuses a login body with an unknown field, naming it, and takes `totp` as a known one', async () => {
    const answer = await login('127.0.0.1', PASSWORD, { passwrd: PASSWORD });
    assert.equal(answer.status, 400, answer.text);
    assert.equal(codeOf(answer), 'BYODA_ERR_BAD_REQUEST');
    assert.match((answer.json as { error: { message: string } }).error.message, /passwrd/);
    const withTotp = await login('127.0.0.1', PASSWORD, { totp: '123456' });
    assert.equal(withTotp.status, 200, 'no second factor is enrolled: totp is ignored');
    const badTotp = await login('127.0.0.1', PASSWORD, { totp: { code: '123456' } });
    assert.equal(badTotp.status, 400);
    assert.match(badTotp.text, /totp/);
  });

  it('takes the bearer scheme in any case and refuses other schemes and garbage', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      assert.equal((await account('127.0.0.1', `${scheme} ${ownerToken}`)).status, 200, scheme);
    }
    for (const header of [`Basic ${ownerToken}`, `Token ${ownerToken}`, 'Bearer', 'bearer not.a.token']) {
      const answer = await account('127.0.0.1', header);
      assert.equal(answer.status, 401, header);
      assert.equal(codeOf(answer), 'BYODA_ERR_UNAUTHORIZED');
    }
  });

  it('logs refused requests at info and successful ones only at debug', async () => {
    const path = '/api/v1/pod/account';
    const requestLines = () => logLines.filter((line) => line['msg'] === 'request' && line['path'] === path);
    const before = requestLines().length;
    assert.equal((await account('127.0.0.1', `Bearer ${ownerToken}`)).status, 200);
    assert.equal((await account('127.0.0.1')).status, 401);
    // The line is written once the answer has gone out, which the client may see first.
    for (let i = 0; i < 100 && requestLines().length === before; i++) await setTimeout(50);
    const lines = requestLines().slice(before);
    assert.deepEqual(
      lines.map((line) => [line['status'], line['code']]),
      [[401, 'BYODA_ERR_UNAUTHORIZED']],
    );
  });

  it("limits the owner's token on its own, far above an address, and a forged token like an address", async () => {
    const client = '127.0.0.7';
    const forged = await forgedToken(address);
    const anonymous: number[] = [];
    for (let i = 0; i <= RATE_LIMIT; i++) anonymous.push((await account(client)).status);
    assert.deepEqual(new Set(anonymous.slice(0, RATE_LIMIT)), new Set([401]));
    assert.equal(anonymous[RATE_LIMIT], 429, 'the address has used up its limit');
    const forgedAnswer = await account(client, `Bearer ${forged}`);
    assert.equal(forgedAnswer.status, 429, 'a forged token is counted by its address');
    const owner: number[] = [];
    for (let i = 0; i < RATE_LIMIT * 2; i++)
      owner.push((await account(client, `bearer ${ownerToken}`)).status);
    assert.deepEqual(new Set(owner), new Set([200]), 'the owner from the same address is not held');
  });
});

/** A token with every claim of the pod's own, signed by a key that is not the pod's. */
async function forgedToken(address: PodAddress): Promise<string> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setIssuer(address.fqdn)
    .setAudience(address.fqdn)
    .setSubject(address.accountId)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(privateKey);
}
