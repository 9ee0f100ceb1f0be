/**
 * An owner token's expiry as a client meets it over the network (spec §10): a directory and a pod in
 * this process on real TLS sockets, the pod's token clock moved by the test. A token is accepted one
 * second before its `exp` and refused with a JSON 401 at `exp` and one second after it, whether the
 * pod verified it before (its verified-token cache) or sees it first after `exp`. A clock tolerance,
 * however small, fails here (issue 18: a tolerance of an hour survived every other test).
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
import { postJson, send } from './pod-clients.js';
import type { HttpAnswer } from './pod-clients.js';

const NETWORK = 'byoda.test';
const PASSPHRASE = 'owner token expiry test passphrase';
const PASSWORD = 'the owner token expiry test password';
const LIFETIME_S = 600;

describe('pod: owner tokens expire at exp, to the second (spec §10)', () => {
  let root = '';
  const directory = new DirectoryServer();
  const pod = new PodServer();
  let address: PodAddress;
  let agent: Agent;
  let username = '';
  /** The pod's token clock; the login limiter keeps the real one. */
  const clock = { now: Date.parse('2026-03-01T12:00:00Z') };

  const login = async (): Promise<{ token: string; expMs: number }> => {
    const answer = await postJson(agent, `${address.webUrl}/api/v1/pod/authtoken`, {
      username,
      password: PASSWORD,
    });
    assert.equal(answer.status, 200, answer.text);
    const token = (answer.json as { auth_token: string }).auth_token;
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      exp: number;
    };
    return { token, expMs: claims.exp * 1000 };
  };
  const account = (token: string): Promise<HttpAnswer> =>
    send(agent, `${address.webUrl}/api/v1/pod/account`, { headers: { authorization: `Bearer ${token}` } });
  const assertRefused = (answer: HttpAnswer, when: string): void => {
    assert.equal(answer.status, 401, `${when}: ${answer.text}`);
    const error = (answer.json as { error?: { code?: string; message?: string } }).error;
    assert.equal(error?.code, 'BYODA_ERR_UNAUTHORIZED', when);
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'byoda-token-expiry-'));
    const dirData = join(root, 'directory');
    await createNetworkPki(join(dirData, 'pki'), NETWORK, PASSPHRASE);
    const dir = await directory.start({ dataDir: dirData, passphrase: PASSPHRASE });
    const rootCaPem = await readFile(dir.rootCaPath, 'utf8');
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
      tokenLifetimeSeconds: LIFETIME_S,
      tokenClock: () => clock.now,
      logger: pino({ level: 'silent' }),
    });
    agent = new Agent({ connect: { ca: rootCaPem, servername: address.fqdn } });
  });

  after(async () => {
    await agent.close();
    await pod.stop();
    await directory.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('issues tokens that expire after the configured lifetime on the pod clock', async () => {
    const issuedAt = clock.now;
    const { expMs } = await login();
    assert.equal(expMs, Math.floor(issuedAt / 1000) * 1000 + LIFETIME_S * 1000);
  });

  it('accepts a verified token one second before exp and refuses it at exp and after', async () => {
    const { token, expMs } = await login();
    assert.equal((await account(token)).status, 200, 'fresh');
    clock.now = expMs - 1000;
    assert.equal((await account(token)).status, 200, 'one second before exp');
    clock.now = expMs;
    assertRefused(await account(token), 'at exp');
    clock.now = expMs + 1000;
    assertRefused(await account(token), 'one second after exp');
  });

  it('refuses a token it first sees one second after exp, and accepts one seen just before', async () => {
    const early = await login();
    const late = await login();
    clock.now = early.expMs - 1000;
    assert.equal((await account(early.token)).status, 200, 'first seen one second before exp');
    clock.now = late.expMs + 1000;
    assertRefused(await account(late.token), 'first seen one second after exp');
  });
});
