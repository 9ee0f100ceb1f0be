/**
 * The owner's security in a real browser, through the browser proxy (docs/protocol.md "Browser proxy",
 * "Owner sessions", "Second factor (TOTP)"): `byoda up --pods 2` as a child process, headless Chromium
 * at `https://proxy.byoda.test:<port>/<account_id>/` (host rules map the name to 127.0.0.1; Chromium
 * trusts exactly the proxy's key, after Node's TLS checked that its certificate chains to the network
 * root and names proxy.byoda.test). The owner logs in, enrols a one-time code from the QR page's
 * otpauth URI, logs out (the token is refused at once), logs in again with the authenticator's next
 * code, sees and ends another session (opened from Node with a recovery code), and runs a depth-1 query
 * that reaches pod2's record.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { totpCode, totpStep } from '../../src/pod/auth/totp.js';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import {
  CHROMIUM,
  CHROMIUM_FLAGS,
  CHROMIUM_SKIP,
  OwnerApi,
  REPO,
  UpProcess,
  ensureWebBuild,
  familyQueryRow,
  openNetworkQuery,
  unspentTotpCode,
  verifiedSpkiHash,
} from '../fixtures/browser-network.js';
import type { PodInfo } from '../fixtures/browser-network.js';

const SCREENSHOTS = join(REPO, 'test-results', 'browser-security');

describe(
  'the web app through the browser proxy: TOTP, sessions, a query to another pod',
  { skip: CHROMIUM_SKIP },
  () => {
    let dataDir: string;
    let up: UpProcess | undefined;
    let browser: Browser | undefined;
    let page: Page;
    let pod1: PodInfo;
    let pod2: PodInfo;
    let base: string;
    /** The same through the proxy's address, for Node (which does not resolve proxy.byoda.test). */
    let nodeBase: string;
    let password1: string;
    let rootCaPem: string;
    let proxyAgent: Agent;
    let recoveryCodes: string[] = [];
    let secret = '';
    let spentStep = 0;
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
      const response = await request(`${nodeBase}/api/v1/pod/account`, {
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
        up = new UpProcess(['--data', dataDir, '--pods', '2']);
        const [network] = await Promise.all([
          up.waitForNetworkFile(join(dataDir, 'network.json')),
          ensureWebBuild(),
        ]);
        rootCaPem = await readFile(network.root_ca, 'utf8');
        const [first, second] = network.pods;
        assert.ok(first && second, 'byoda up --pods 2 lists two pods');
        [pod1, pod2] = [first, second];
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
        nodeBase = `${proxy.web_url}/${accountId}`;
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
      await page.getByRole('heading', { name: 'Your services' }).waitFor();
      await page.getByRole('link', { name: 'Security' }).click();
      assert.equal(new URL(page.url()).pathname, `${new URL(base).pathname}/security`);
      await page.getByRole('button', { name: 'Set up a one-time code' }).click();
      await page.getByRole('img', { name: /QR code/ }).waitFor();
      const uri = (await page.locator('code.otpauth').textContent()) ?? '';
      secret = new URL(uri).searchParams.get('secret') ?? '';
      assert.ok(secret.length >= 16, `a secret in ${uri}`);
      recoveryCodes = await page.locator('.recovery-codes code').allTextContents();
      assert.ok(recoveryCodes.length >= 5);
      await screenshot(t, '1-enrol');
      const confirmedAt = Date.now();
      spentStep = totpStep(confirmedAt);
      await page.getByLabel('First code from the app').fill(await totpCode(secret, confirmedAt));
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
      // A code is accepted once: the one of the confirmation's time step is spent.
      await page.getByLabel('One-time code').fill(await unspentTotpCode(secret, spentStep));
      await page.getByRole('button', { name: 'Log in' }).click();
      // Logged in again, back on the page the owner logged out from.
      await page.getByRole('button', { name: 'Log out' }).first().waitFor();
      await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    });

    it('lists the sessions and ends another one', async (t) => {
      const other = new OwnerApi(pod1, rootCaPem);
      const password = password1;
      // A second session from Node, with the next recovery code.
      const answer = await request(`${pod1.web_url}/api/v1/pod/authtoken`, {
        method: 'POST',
        dispatcher: new Agent({ connect: { ca: rootCaPem, servername: pod1.fqdn } }),
        headers: { 'content-type': 'application/json', 'user-agent': 'second device' },
        body: JSON.stringify({ username: pod1.username, password, totp: recoveryCodes[0] }),
      });
      const { auth_token: otherToken } = (await answer.body.json()) as { auth_token: string };
      assert.equal(answer.statusCode, 200);
      await other.close();
      // Away and back, so that the Security page lists the sessions afresh.
      await page.getByRole('link', { name: 'BYODA pod' }).click();
      await page.getByRole('heading', { name: 'Your services' }).waitFor();
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
      await openNetworkQuery(page);
      const remote = await familyQueryRow(page, 'Bea');
      // The origin cell names pod2's owner and shows its member id short, the whole id in its title.
      const origin = remote.getByRole('cell').first();
      assert.equal(await origin.locator('code').getAttribute('title'), member(pod2));
      await screenshot(t, '4-network-query');
    });

    it('ran under its Content-Security-Policy without a violation or a page error', () => {
      assert.deepEqual(problems, []);
    });
  },
);
