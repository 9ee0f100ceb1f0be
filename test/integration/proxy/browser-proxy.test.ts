/**
 * The browser proxy (spec §12; docs/protocol.md "Browser proxy") on real sockets: a directory with its
 * DNS server, a pod, and the proxy with a `proxy.<net>` certificate of the network root, all on real
 * TLS. The pod's web API and web app through `/<account_id>/...`, with the app's base written into the
 * page; the member port never reached; bad input, unknown pods, the owner token still required, and
 * the size limits.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Agent } from 'undici';
import { DirectoryServer } from '../../../src/directory/index.js';
import { createNetworkPki, credentialTlsOptions, openNetworkPki, proxyFqdn } from '../../../src/pki/index.js';
import { PodServer, initPod } from '../../../src/pod/index.js';
import type { PodAddress } from '../../../src/pod/index.js';
import { WEB_APP_DIR } from '../../../src/pod/routes/web-app.js';
import { ProxyServer } from '../../../src/proxy/index.js';
import type { ProxyAddress } from '../../../src/proxy/index.js';
import { postJson, send } from '../pod/pod-clients.js';
import type { HttpAnswer } from '../pod/pod-clients.js';

const NETWORK = 'byoda.test';
const PASSPHRASE = 'browser proxy test passphrase';
const PASSWORD = 'the browser proxy test password';
const RESPONSE_LIMIT = 256 * 1024;

describe('proxy: https://proxy.<network>/<account_id>/... to the pod web port', () => {
  let root = '';
  const directory = new DirectoryServer();
  const pod = new PodServer();
  const proxy = new ProxyServer();
  let address: PodAddress;
  let proxied: ProxyAddress;
  let accountId = '';
  let username = '';
  let agent: Agent;
  let rootCaPem = '';
  const codeOf = (answer: HttpAnswer) => (answer.json as { error?: { code?: string } }).error?.code;
  const at = (path: string) => `${proxied.url}/${accountId}${path}`;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'byoda-proxy-'));
    const dirData = join(root, 'directory');
    await createNetworkPki(join(dirData, 'pki'), NETWORK, PASSPHRASE);
    const dir = await directory.start({ dataDir: dirData, passphrase: PASSPHRASE });
    rootCaPem = await readFile(dir.rootCaPath, 'utf8');
    const summary = await initPod({
      dataDir: join(root, 'pod'),
      directoryUrl: dir.url,
      rootCaPem,
      passphrase: PASSPHRASE,
      password: PASSWORD,
    });
    username = summary.username;
    accountId = summary.accountId;
    address = await pod.start({
      dataDir: join(root, 'pod'),
      passphrase: PASSPHRASE,
      dnsServer: { host: dir.dnsHost, port: dir.dnsPort },
      logger: pino({ level: 'silent' }),
    });
    const pki = await openNetworkPki(join(dirData, 'pki'), PASSPHRASE);
    const tls = credentialTlsOptions(await pki.rootCa.issueCredential(proxyFqdn(NETWORK)));
    proxied = await proxy.start({
      network: NETWORK,
      rootCaPem,
      tls,
      dnsServer: { host: dir.dnsHost, port: dir.dnsPort },
      logger: pino({ level: 'silent' }),
      limits: { maxRequestBytes: 64 * 1024, maxResponseBytes: RESPONSE_LIMIT },
    });
    // A browser's view: the proxy's certificate checked against the root for `proxy.<net>`.
    agent = new Agent({ connect: { ca: rootCaPem, servername: proxied.fqdn } });
  });

  after(async () => {
    await agent.close();
    await proxy.stop();
    await pod.stop();
    await directory.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('logs in and reads the account through the proxy, with the pod checking the token', async () => {
    assert.equal(proxied.fqdn, 'proxy.byoda.test');
    const login = await postJson(agent, at('/api/v1/pod/authtoken'), { username, password: PASSWORD });
    assert.equal(login.status, 200, login.text);
    const { auth_token: token } = login.json as { auth_token: string };
    const account = await send(agent, at('/api/v1/pod/account'), {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(account.status, 200, account.text);
    assert.equal((account.json as { account_id: string }).account_id, accountId);
    assert.equal(account.headers['set-cookie'], undefined);

    const denied = await send(agent, at('/api/v1/pod/account'));
    assert.equal(denied.status, 401, 'the pod still wants the owner token');
    const wrong = await postJson(agent, at('/api/v1/pod/authtoken'), {
      username,
      password: 'wrong password',
    });
    assert.equal(wrong.status, 401);
    assert.equal(codeOf(wrong), 'BYODA_ERR_UNAUTHORIZED');
  });

  it('serves the web app with its base, and the pod its own base only to the proxy', async () => {
    const page = await send(agent, at('/service/1/data'));
    assert.equal(page.status, 200, page.text);
    assert.match(page.text, new RegExp(`<meta name="byoda-base" content="/${accountId}" />`));
    assert.match(String(page.headers['content-security-policy']), /connect-src 'self'/);
    const asset = /src="([^"]+\.js)"/.exec(page.text)?.[1];
    assert.ok(asset?.startsWith(`/${accountId}/assets/`), `asset url ${asset}`);
    const script = await send(agent, `${proxied.url}${asset}`);
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /javascript/);
    const home = await send(agent, at('/'));
    assert.equal(home.status, 200, 'the app at /<account_id>/');
    assert.match(home.text, /byoda-base/);
    const redirect = await send(agent, `${proxied.url}/${accountId}`);
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.location, `/${accountId}/`);

    // Directly on the pod, a forged prefix of another account moves nothing.
    const direct = new Agent({ connect: { ca: rootCaPem, servername: address.fqdn } });
    try {
      const forged = await send(direct, `${address.webUrl}/`, {
        headers: { 'x-forwarded-prefix': '/00000000-0000-4000-8000-000000000000' },
      });
      assert.match(forged.text, /<meta name="byoda-base" content="" \/>/);
    } finally {
      await direct.close();
    }
  });

  it('refuses bad account ids, unknown pods and oversized bodies with the field named', async () => {
    for (const bad of [
      'not-an-id',
      'g0000000-0000-4000-8000-000000000000',
      'A0000000-0000-4000-8000-000000000000',
    ]) {
      const answer = await send(agent, `${proxied.url}/${bad}/api/v1/status`);
      assert.equal(answer.status, 400, bad);
      assert.equal(codeOf(answer), 'BYODA_ERR_BAD_REQUEST');
      assert.match(answer.text, /account_id/);
    }
    const unknown = await send(agent, `${proxied.url}/00000000-0000-4000-8000-000000000000/api/v1/status`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /account_id: no pod/);
    const big = await postJson(agent, at('/api/v1/pod/authtoken'), {
      username,
      password: 'x'.repeat(100_000),
    });
    assert.equal(big.status, 413);
    assert.equal((await send(agent, `${proxied.url}/`)).status, 404);
    assert.equal((await send(agent, at('/api/v1/status'))).status, 200, 'and the proxy still serves');
  });

  it('refuses an answer over the size limit instead of passing it on', async () => {
    const assets = join(WEB_APP_DIR, 'assets');
    const files = await Promise.all(
      (await readdir(assets)).map(async (name) => ({ name, size: (await stat(join(assets, name))).size })),
    );
    const big = files.find((file) => file.size > RESPONSE_LIMIT);
    const small = files.find((file) => file.size < RESPONSE_LIMIT);
    assert.ok(big && small, 'the built app has assets on both sides of the limit');
    const refused = await send(agent, at(`/assets/${big.name}`));
    assert.equal(refused.status, 502);
    assert.equal(codeOf(refused), 'BYODA_ERR_ANSWER_TOO_LARGE');
    assert.equal((await send(agent, at(`/assets/${small.name}`))).status, 200);
  });

  it('never reaches the member port: only account names are looked up', async () => {
    const memberOnly = await send(agent, at('/api/v1/pod/data-cert/service-1'));
    // The web port answers (it has no membership of service 1): the request went to the web port.
    assert.notEqual(memberOnly.status, 502);
    assert.equal(new URL(address.memberUrl).port === new URL(address.webUrl).port, false);
  });
});
