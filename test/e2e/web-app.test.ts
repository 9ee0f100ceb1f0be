/**
 * The owner's web app in a real browser: headless Debian Chromium driven by playwright-core, against a
 * network started as a user starts it (`byoda up --pods 2` as a child process). The page is loaded at
 * the pod's own name (`https://<account fqdn>:<port>/`), resolved to 127.0.0.1 by Chromium's host
 * rules. Chromium trusts exactly the pod's TLS key (its SPKI hash), and only after this test has
 * checked with Node's TLS that the pod's certificate chains to the network's root and names the FQDN.
 *
 * Signed data (spec §9): pod2 signs its person record, so pod1's network query shows a signature pod1
 * verified itself; on pod1 the owner adds a signed asset, the test changes it through the API, and
 * the list shows that it no longer verifies.
 *
 * Screenshots of every page go to test-results/web-app/ (gitignored); their paths are printed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import {
  CHROMIUM,
  CHROMIUM_FLAGS,
  OwnerApi,
  REPO,
  SERVICE_ID,
  UpProcess,
  ensureWebBuild,
  exists,
  verifiedSpkiHash,
} from '../fixtures/browser-network.js';
import type { PodInfo } from '../fixtures/browser-network.js';

const SCREENSHOTS = join(REPO, 'test-results', 'web-app');

const chromiumMissing = !(await exists(CHROMIUM));

describe(
  'the owner web app in headless Chromium',
  // CI installs chromium (.ci/run); elsewhere the test says what is missing instead of failing.
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
    const problems: string[] = [];

    const member = (pod: PodInfo) => pod.memberships[0]?.member_id ?? '';
    /** How the record tables name a signer (web/src/records.tsx `shortMemberId`). */
    const shortMember = (pod: PodInfo) => member(pod).slice(0, 8);

    async function screenshot(t: TestContext, name: string): Promise<void> {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      t.diagnostic(`screenshot: ${path}`);
    }

    before(
      async () => {
        await mkdir(SCREENSHOTS, { recursive: true });
        dataDir = await mkdtemp(join(tmpdir(), 'byoda-web-app-'));
        up = new UpProcess(dataDir);
        const [network] = await Promise.all([
          up.waitForNetwork(join(dataDir, 'network.json')),
          ensureWebBuild(),
        ]);
        rootCaPem = await readFile(network.root_ca, 'utf8');
        [pod1, pod2] = network.pods as [PodInfo, PodInfo];
        password1 = (await readFile(pod1.password_file, 'utf8')).split('\n')[0] ?? '';

        // pod2 has a card, signed by its pod (spec §9), and links pod1 as family, so pod1's network
        // query may read it (spec §6).
        const owner2 = new OwnerApi(pod2, rootCaPem);
        try {
          await owner2.login();
          await owner2.graphql(
            'mutation ($i: person_input!) { mutate_person(input: $i, sign: true) { given_name } }',
            { i: { given_name: 'Bea', family_name: 'Two', email: 'bea@pod2.example' } },
          );
          await owner2.graphql(
            'mutation ($i: network_link_input!) { append_network_links(input: $i) { member_id } }',
            {
              i: { member_id: member(pod1), relation: 'family', created_timestamp: new Date().toISOString() },
            },
          );
        } finally {
          await owner2.close();
        }

        const spki = await verifiedSpkiHash(pod1, rootCaPem);
        browser = await chromium.launch({
          executablePath: CHROMIUM,
          args: [
            ...CHROMIUM_FLAGS,
            `--host-resolver-rules=MAP ${pod1.fqdn} 127.0.0.1`,
            `--ignore-certificate-errors-spki-list=${spki}`,
          ],
        });
        page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
        // Generous: CI runs this file next to others that start whole networks on two cores.
        page.setDefaultTimeout(30_000);
        page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
        page.on('console', (message) => {
          // A Content-Security-Policy violation is reported on the console.
          if (/Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
        });
        base = `https://${pod1.fqdn}:${new URL(pod1.web_url).port}`;
      },
      { timeout: 150_000 },
    );

    after(async () => {
      await browser?.close();
      await up?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it("shows the pod's error for a wrong password", async (t) => {
      const response = await page.goto(`${base}/`);
      assert.equal(response?.status(), 200);
      const csp = response?.headers()['content-security-policy'] ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'/);
      await page.getByLabel('Username').fill(pod1.username);
      await page.getByLabel('Password').fill(`${password1}-wrong`);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('alert').filter({ hasText: 'wrong username or password' }).waitFor();
      await screenshot(t, '1-login-error');
    });

    it('logs in and lists the memberships', async (t) => {
      await page.getByLabel('Password').fill(password1);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Memberships' }).waitFor();
      const row = page.getByRole('row').filter({ hasText: member(pod1) });
      await row.getByRole('link', { name: `Service ${SERVICE_ID}` }).waitFor();
      await screenshot(t, '2-memberships');
    });

    it('edits the person record with the form generated from the contract and keeps it', async (t) => {
      await page.getByRole('link', { name: `Service ${SERVICE_ID}` }).click();
      await page.getByRole('navigation', { name: 'Classes' }).getByRole('link', { name: 'person' }).click();
      await page.getByLabel(/^given_name/).fill('Ada');
      await page.getByLabel(/^family_name/).fill('One');
      await page.getByLabel(/^email/).fill('ada@pod1.example');
      await page.getByLabel(/^city/).fill('Leiden');
      await page.getByRole('button', { name: 'Save person' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved person.' }).waitFor();
      // A reload reads the record back from the pod.
      await page.reload();
      await page.getByLabel(/^given_name/).waitFor();
      assert.equal(await page.getByLabel(/^given_name/).inputValue(), 'Ada');
      assert.equal(await page.getByLabel(/^city/).inputValue(), 'Leiden');
      await screenshot(t, '3-data-person');
    });

    it("finds pod2's member by email and adds a network link to them as family", async (t) => {
      await page.getByRole('link', { name: 'Network links' }).click();
      // Bea's email, in other letters: the addressbook's person.email search is case-insensitive.
      await page.getByLabel('Email address').fill('BEA@pod2.example');
      const use = page.getByRole('button', { name: `Use ${member(pod2)} in the link form` });
      const none = page.getByRole('status').filter({ hasText: 'No member of this service' });
      // The service collects pod2's email asynchronously: ask again until it has.
      const giveUp = Date.now() + 60_000;
      for (;;) {
        await page.getByRole('button', { name: 'Find', exact: true }).click();
        await use.or(none).waitFor();
        if (await use.isVisible()) break;
        assert.ok(Date.now() < giveUp, 'the service found bea@pod2.example within 60 s');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await use.click();
      assert.equal(await page.getByLabel('Member id').inputValue(), member(pod2));
      await page.getByLabel('Relation').fill('family');
      await page.getByRole('button', { name: 'Add link' }).click();
      const row = page.getByRole('row').filter({ hasText: member(pod2) });
      await row.getByRole('cell', { name: 'family', exact: true }).waitFor();
      await screenshot(t, '4-links');
    });

    it('draws the network: the owner and the link by relation', async (t) => {
      await page.getByRole('link', { name: 'Network picture' }).click();
      await page.getByRole('img', { name: /1 member link/ }).waitFor();
      await page.locator('.network-graph canvas').first().waitFor();
      await page
        .getByRole('row')
        .filter({ hasText: member(pod2) })
        .waitFor();
      await screenshot(t, '5-network');
    });

    it("runs a depth-1 query and shows the other pod's record with its origin and signature", async (t) => {
      await page.getByRole('link', { name: 'Network query' }).click();
      await page.getByLabel('Class').selectOption('person');
      await page.getByLabel('Depth').fill('1');
      await page.getByLabel('Relations').fill('family');
      await page.getByRole('button', { name: 'Run query' }).click();
      const remote = page.getByRole('row').filter({ hasText: 'Bea' });
      await remote.waitFor();
      const cells = await remote.getByRole('cell').allTextContents();
      assert.equal(cells[0], member(pod2), 'the origin is the member whose pod holds the record');
      assert.equal(cells[1], `✓ signed by ${shortMember(pod2)}`, "pod1 verified pod2's signature");
      const signature = remote.getByRole('cell').nth(1).locator('.signature');
      assert.match(
        (await signature.getAttribute('title')) ?? '',
        new RegExp(`signed by ${member(pod2)} at `),
      );
      const local = page.getByRole('row').filter({ hasText: 'Ada' });
      const localCells = await local.getByRole('cell').allTextContents();
      assert.match(localCells[0] ?? '', new RegExp(member(pod1)));
      assert.equal(localCells[1], '', 'a record saved without signing has no signature');
      await screenshot(t, '6-query');
    });

    it("opens GraphiQL with the owner's token", async (t) => {
      await page.getByRole('link', { name: 'GraphQL explorer' }).click();
      await page.locator('.graphiql-container').waitFor();
      // The editors load their CodeMirror modes lazily: run the query once it is in the editor.
      await page.locator('.graphiql-query-editor .CodeMirror').filter({ hasText: 'given_name' }).waitFor();
      await page.locator('.graphiql-execute-button').click();
      await page.locator('.graphiql-response').filter({ hasText: '"given_name": "Ada"' }).waitFor();
      await screenshot(t, '7-graphiql');
    });

    const assetId = randomUUID();

    it('adds a public asset signed with the membership and shows it as signed by this pod', async (t) => {
      await page.getByRole('link', { name: 'Data', exact: true }).click();
      await page
        .getByRole('navigation', { name: 'Classes' })
        .getByRole('link', { name: 'public_assets' })
        .click();
      await page.getByRole('heading', { name: 'Add a record' }).waitFor();
      await page.getByLabel(/^asset_id/).fill(assetId);
      await page.getByLabel(/^asset_type/).fill('note');
      await page.getByLabel(/^title/).fill('Signed note');
      await page.getByLabel(/^contents/).fill('Written and signed in the web app.');
      await page.getByLabel('Sign with my membership').check();
      await page.getByRole('button', { name: 'Add to public_assets' }).click();
      await page.getByRole('status').filter({ hasText: 'Added to public_assets, signed.' }).waitFor();
      const row = page.getByRole('row').filter({ hasText: 'Signed note' });
      const cell = row.getByRole('cell').first();
      await cell.filter({ hasText: '✓ signed by' }).waitFor();
      assert.equal(await cell.textContent(), `✓ signed by ${shortMember(pod1)}`);
      assert.match(
        (await cell.locator('.signature').getAttribute('title')) ?? '',
        new RegExp(`signed by ${member(pod1)} at `),
      );
      await screenshot(t, '8-assets-signed');
    });

    it('shows the asset as not verified once its title changed after signing', async (t) => {
      // update_X keeps the record's signature, so the changed record no longer matches it.
      const owner1 = new OwnerApi(pod1, rootCaPem);
      try {
        await owner1.login();
        const data = (await owner1.graphql(
          'mutation ($id: UUID!) { update_public_assets(filter: { asset_id: { eq: $id } }, input: { title: "Changed note" }) }',
          { id: assetId },
        )) as { update_public_assets: number };
        assert.equal(data.update_public_assets, 1);
      } finally {
        await owner1.close();
      }
      await page.reload();
      const row = page.getByRole('row').filter({ hasText: 'Changed note' });
      const cell = row.getByRole('cell').first();
      await cell.filter({ hasText: '✗ not verified' }).waitFor();
      assert.match(
        (await cell.textContent()) ?? '',
        /^✗ not verified: the data changed since it was signed or the key is not the signer's$/,
      );
      await screenshot(t, '9-assets-changed');
    });

    it('deletes the person record after a confirm step and then shows there is none', async (t) => {
      await page.getByRole('navigation', { name: 'Classes' }).getByRole('link', { name: 'person' }).click();
      assert.equal(await page.getByLabel(/^given_name/).inputValue(), 'Ada');
      await page.getByRole('button', { name: 'Delete person' }).click();
      const confirm = page.getByRole('group', { name: 'Confirm deleting person' });
      await confirm.waitFor();
      await screenshot(t, '10-person-delete-confirm');
      // Cancel deletes nothing.
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'detached' });
      assert.equal(await page.getByLabel(/^given_name/).inputValue(), 'Ada');
      await page.getByRole('button', { name: 'Delete person' }).click();
      await confirm.getByRole('button', { name: 'Yes, delete person' }).click();
      await page.getByRole('status').filter({ hasText: 'Deleted person.' }).waitFor();
      await page.getByText('There is no person record yet').waitFor();
      assert.equal(await page.getByLabel(/^given_name/).inputValue(), '', 'the form is empty');
      assert.equal(await page.getByRole('button', { name: 'Delete person' }).count(), 0);
      // A reload reads the (absent) record from the pod.
      await page.reload();
      await page.getByText('There is no person record yet').waitFor();
      assert.equal(await page.getByLabel(/^given_name/).inputValue(), '');
      await screenshot(t, '11-person-deleted');
    });

    it('creates the person again after the delete', async () => {
      await page.getByLabel(/^given_name/).fill('Ada');
      await page.getByLabel(/^family_name/).fill('Again');
      await page.getByLabel(/^email/).fill('ada@pod1.example');
      await page.getByRole('button', { name: 'Save person' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved person.' }).waitFor();
      await page.getByRole('button', { name: 'Delete person' }).waitFor();
      assert.equal(await page.getByText('There is no person record yet').count(), 0);
      await page.reload();
      await page.getByLabel(/^family_name/).waitFor();
      assert.equal(await page.getByLabel(/^family_name/).inputValue(), 'Again');
    });

    it('ran under its Content-Security-Policy without a violation or a page error', () => {
      assert.deepEqual(problems, []);
    });
  },
);
