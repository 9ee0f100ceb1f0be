/**
 * The owner's security in a real browser, through the browser proxy (docs/protocol.md "Browser proxy",
 * "Owner sessions", "Second factor (TOTP)"): `byoda up --pods 2` as a child process, headless Chromium
 * at `https://proxy.byoda.test:<port>/<account_id>/` (host rules map the name to 127.0.0.1; Chromium
 * trusts exactly the proxy's key, after Node's TLS checked that its certificate chains to the network
 * root and names proxy.byoda.test). The owner logs in, enrols a one-time code from the QR page's
 * otpauth URI, logs out (the token is refused at once), logs in again with a recovery code, sees and
 * ends another session, and runs a depth-1 query that reaches pod2's record.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { Agent, request } from 'undici';
import { BYODA } from '../fixtures/network-harness.js';
import { LOADED_MACHINE_ENV } from '../fixtures/test-env.js';
import { totpCode } from '../../src/pod/auth/totp.js';

const CHROMIUM = '/usr/bin/chromium';
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOTS = join(REPO, 'test-results', 'browser-security');
const SERVICE_ID = 4294929430;
const READY_TIMEOUT_MS = 90_000;
/** The flags of design/stack.md; playwright adds its own (headless, a temporary profile). */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface PodInfo {
  name: string;
  fqdn: string;
  web_url: string;
  username: string;
  password_file: string;
  memberships: { service_id: number; member_id: string }[];
}

interface NetworkJson {
  root_ca: string;
  pods: PodInfo[];
  proxy: { url: string; fqdn: string };
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Builds web/dist when it is missing (a fresh clone's `npm ci` has built it already). */
async function ensureWebBuild(): Promise<void> {
  if (await exists(join(REPO, 'web', 'dist', 'index.html'))) return;
  const vite = join(REPO, 'node_modules', 'vite', 'bin', 'vite.js');
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [vite, 'build', 'web', '--logLevel', 'error'],
      { cwd: REPO },
      (err, _o, stderr) => (err ? reject(new Error(`vite build failed: ${stderr}`)) : resolve()),
    ),
  );
}

/** `byoda up` as a child process; ready when network.json appears. */
class UpProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<void>;

  constructor(dataDir: string) {
    this.child = spawn(process.execPath, [BYODA, 'up', '--data', dataDir, '--pods', '2'], {
      env: LOADED_MACHINE_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitForNetwork(file: string): Promise<NetworkJson> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text !== undefined) return JSON.parse(text) as NetworkJson;
      if (!this.running) throw new Error(`byoda up ended before it was ready:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`no network.json within ${READY_TIMEOUT_MS} ms:\n${this.output}`);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Connects to the pod's web port with Node's TLS, trusting only the network root and naming the pod's
 * FQDN; returns the base64 SHA-256 of the verified leaf's SubjectPublicKeyInfo for Chromium.
 */
async function verifiedSpkiHash(pod: { web_url: string; fqdn: string }, rootCaPem: string): Promise<string> {
  const port = Number(new URL(pod.web_url).port);
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: pod.fqdn, ca: rootCaPem }, () => {
      const leaf = socket.getPeerCertificate();
      socket.end();
      resolve(leaf.raw);
    });
    socket.once('error', reject);
  });
  const cert = new X509Certificate(raw);
  assert.ok(cert.checkHost(pod.fqdn), `the pod's certificate names ${pod.fqdn}`);
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** The owner API of a pod from Node (to prepare pod2), over TLS verified against the root. */
class OwnerApi {
  readonly #agent: Agent;
  #token = '';

  constructor(
    readonly pod: PodInfo,
    rootCaPem: string,
  ) {
    this.#agent = new Agent({ connect: { ca: rootCaPem, servername: pod.fqdn } });
  }

  async login(): Promise<void> {
    const password = (await readFile(this.pod.password_file, 'utf8')).split('\n')[0] ?? '';
    const body = await this.#post('/api/v1/pod/authtoken', { username: this.pod.username, password });
    this.#token = (body as { auth_token: string }).auth_token;
  }

  async graphql(query: string, variables: Record<string, unknown>): Promise<unknown> {
    const body = (await this.#post(`/api/v1/data/service-${SERVICE_ID}`, { query, variables })) as {
      data?: unknown;
      errors?: unknown[];
    };
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body.data;
  }

  async #post(path: string, json: unknown): Promise<unknown> {
    const response = await request(`${this.pod.web_url}${path}`, {
      method: 'POST',
      dispatcher: this.#agent,
      headers: {
        'content-type': 'application/json',
        ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
      },
      body: JSON.stringify(json),
    });
    const body = (await response.body.json()) as unknown;
    assert.equal(response.statusCode, 200, JSON.stringify(body));
    return body;
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

const chromiumMissing = !(await exists(CHROMIUM));

describe(
  'the web app through the browser proxy: TOTP, sessions, a query to another pod',
  {
    skip:
      chromiumMissing && !process.env['CI']
        ? `${CHROMIUM} is not installed (apt-get install chromium)`
        : false,
  },
  () => {
    let dataDir: string;
    let up: UpProcess | undefined;
    let browser: Browser | undefined;
    let page: Page;
    let pod1: PodInfo;
    let pod2: PodInfo;
    let base: string;
    let password1: string;
    let rootCaPem: string;
    let proxyAgent: Agent;
    let recoveryCodes: string[] = [];
    const problems: string[] = [];
    const member = (pod: PodInfo) => pod.memberships[0]?.member_id ?? '';

    async function screenshot(t: TestContext, name: string): Promise<void> {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      t.diagnostic(`screenshot: ${path}`);
    }
    /** The token the app holds now (sessionStorage, keyed by the pod's base on the proxy). */
    const appToken = () =>
      // Runs in the page, where sessionStorage exists; written as text as Node's types have none.
      page.evaluate<string>(`(() => {
        for (let i = 0; i < sessionStorage.length; i++) {
          const key = sessionStorage.key(i) || '';
          if (key.startsWith('byoda.owner_token')) return JSON.parse(sessionStorage.getItem(key) || '{}').token || '';
        }
        return '';
      })()`);
    const accountStatus = async (token: string) => {
      const response = await request(`${base}/api/v1/pod/account`, {
        dispatcher: proxyAgent,
        headers: { authorization: `Bearer ${token}` },
      });
      await response.body.text();
      return response.statusCode;
    };

    before(
      async () => {
        await mkdir(SCREENSHOTS, { recursive: true });
        dataDir = await mkdtemp(join(tmpdir(), 'byoda-browser-security-'));
        up = new UpProcess(dataDir);
        const [network] = await Promise.all([
          up.waitForNetwork(join(dataDir, 'network.json')),
          ensureWebBuild(),
        ]);
        rootCaPem = await readFile(network.root_ca, 'utf8');
        [pod1, pod2] = network.pods as [PodInfo, PodInfo];
        password1 = (await readFile(pod1.password_file, 'utf8')).split('\n')[0] ?? '';
        // pod2 holds a person and links pod1 as family; pod1 links pod2, so its depth-1 query asks pod2.
        const owner2 = new OwnerApi(pod2, rootCaPem);
        const owner1 = new OwnerApi(pod1, rootCaPem);
        try {
          await owner2.login();
          await owner2.graphql('mutation ($i: person_input!) { mutate_person(input: $i) { given_name } }', {
            i: { given_name: 'Bea', family_name: 'Two', email: 'bea@pod2.example' },
          });
          const link = 'mutation ($i: network_link_input!) { append_network_links(input: $i) { member_id } }';
          const now = new Date().toISOString();
          await owner2.graphql(link, {
            i: { member_id: member(pod1), relation: 'family', created_timestamp: now },
          });
          await owner1.login();
          await owner1.graphql(link, {
            i: { member_id: member(pod2), relation: 'family', created_timestamp: now },
          });
        } finally {
          await owner2.close();
          await owner1.close();
        }
        const proxy = { web_url: network.proxy.url, fqdn: network.proxy.fqdn };
        const spki = await verifiedSpkiHash(proxy, rootCaPem);
        proxyAgent = new Agent({ connect: { ca: rootCaPem, servername: proxy.fqdn } });
        browser = await chromium.launch({
          executablePath: CHROMIUM,
          args: [
            ...CHROMIUM_FLAGS,
            `--host-resolver-rules=MAP ${proxy.fqdn} 127.0.0.1`,
            `--ignore-certificate-errors-spki-list=${spki}`,
          ],
        });
        page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        page.setDefaultTimeout(30_000);
        page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
        page.on('console', (message) => {
          if (/Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
        });
        const accountId = pod1.fqdn.split('.')[0] ?? '';
        base = `https://${proxy.fqdn}:${new URL(proxy.web_url).port}/${accountId}`;
      },
      { timeout: 150_000 },
    );

    after(async () => {
      await browser?.close();
      await proxyAgent?.close();
      await up?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('logs in through the proxy and enrols a one-time code from the QR page', async (t) => {
      const response = await page.goto(`${base}/`);
      assert.equal(response?.status(), 200);
      assert.match(response?.headers()['content-security-policy'] ?? '', /connect-src 'self'/);
      await page.getByLabel('Username').fill(pod1.username);
      await page.getByLabel('Password').fill(password1);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Memberships' }).waitFor();
      await page.getByRole('link', { name: 'Security' }).click();
      assert.equal(new URL(page.url()).pathname, `${new URL(base).pathname}/security`);
      await page.getByRole('button', { name: 'Set up a one-time code' }).click();
      await page.getByRole('img', { name: /QR code/ }).waitFor();
      const uri = (await page.locator('code.otpauth').textContent()) ?? '';
      const secret = new URL(uri).searchParams.get('secret') ?? '';
      assert.ok(secret.length >= 16, `a secret in ${uri}`);
      recoveryCodes = await page.locator('.recovery-codes code').allTextContents();
      assert.ok(recoveryCodes.length >= 5);
      await screenshot(t, '1-enrol');
      await page.getByLabel('First code from the app').fill(await totpCode(secret, Date.now()));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.getByRole('status').filter({ hasText: 'The second factor is on' }).waitFor();
    });

    it('logs out: the token is refused at once; the login then asks for a code', async (t) => {
      const token = await appToken();
      assert.equal(await accountStatus(token), 200);
      await page.getByRole('button', { name: 'Log out' }).first().click();
      await page.getByLabel('Password').waitFor();
      // The app sends the logout without waiting; give it a generous while to arrive.
      const deadline = Date.now() + 30_000;
      while ((await accountStatus(token)) !== 401 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(await accountStatus(token), 401, 'the session ended at the pod');
      await page.getByLabel('Username').fill(pod1.username);
      await page.getByLabel('Password').fill(password1);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByLabel('One-time code').waitFor();
      await screenshot(t, '2-code-asked');
      await page.getByLabel('One-time code').fill(recoveryCodes[0] ?? '');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Memberships' }).waitFor();
    });

    it('lists the sessions and ends another one', async (t) => {
      const other = new OwnerApi(pod1, rootCaPem);
      const password = password1;
      // A second session from Node, with the next recovery code.
      const answer = await request(`${pod1.web_url}/api/v1/pod/authtoken`, {
        method: 'POST',
        dispatcher: new Agent({ connect: { ca: rootCaPem, servername: pod1.fqdn } }),
        headers: { 'content-type': 'application/json', 'user-agent': 'second device' },
        body: JSON.stringify({ username: pod1.username, password, totp: recoveryCodes[1] }),
      });
      const { auth_token: otherToken } = (await answer.body.json()) as { auth_token: string };
      assert.equal(answer.statusCode, 200);
      await other.close();
      await page.getByRole('link', { name: 'Security' }).click();
      const row = page.getByRole('row').filter({ hasText: 'second device' });
      await row.waitFor();
      await screenshot(t, '3-sessions');
      await row.getByRole('button', { name: 'End session' }).click();
      await row.waitFor({ state: 'detached' });
      assert.equal(await accountStatus(otherToken), 401, 'the other session is refused');
      assert.equal(await accountStatus(await appToken()), 200, 'this one lives on');
    });

    it("runs a depth-1 query through the proxy and shows pod2's record", async (t) => {
      await page.getByRole('link', { name: 'BYODA pod' }).click();
      await page.getByRole('link', { name: `Service ${SERVICE_ID}` }).click();
      await page.getByRole('link', { name: 'Network query' }).click();
      await page.getByLabel('Class').selectOption('person');
      await page.getByLabel('Depth').fill('1');
      await page.getByLabel('Relations').fill('family');
      await page.getByRole('button', { name: 'Run query' }).click();
      const remote = page.getByRole('row').filter({ hasText: 'Bea' });
      await remote.waitFor();
      assert.equal((await remote.getByRole('cell').allTextContents())[0], member(pod2));
      await screenshot(t, '4-network-query');
    });

    it('ran under its Content-Security-Policy without a violation or a page error', () => {
      assert.deepEqual(problems, []);
    });
  },
);
