/**
 * The owner's web app in a real browser: headless Debian Chromium driven by playwright-core, against a
 * network started as a user starts it (`byoda up --pods 3` as a child process), at 1280 px and at
 * 390 px (a phone). The page is loaded at the pod's own name (`https://<account fqdn>:<port>/`),
 * resolved to 127.0.0.1 by Chromium's host rules; Chromium trusts exactly the pod's TLS key, and only
 * after this test has checked with Node's TLS that it chains to the network's root and names the FQDN.
 *
 * What a person meets (issue 15): services by name, forms that follow the contract's permissions,
 * inputs by field type with errors at the field in plain words, links checked when added, names of
 * linked members and the owner's own labels for them, an empty network explained, and at 390 px no
 * page wider than the screen. At 390 px (a second page, logged in from the countdown test on) the
 * behaviours a phone layout could break are proved again: the login countdown, read-only forms,
 * errors at the field, "New" for a UUID, the empty network and query, the link warning. Every page
 * is audited with axe-core: no serious or critical violation. Signed data (spec §9) as before.
 *
 * The network runs a copy of contracts/addressbook.json with one class more (`moods`, see
 * `contractWithMoods`): the addressbook has no `enum` field, and enums are one of the field types
 * the forms follow (a select of exactly the contract's values).
 *
 * Screenshots of every page go to test-results/web-app/ (gitignored); their paths are printed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import {
  CHROMIUM,
  CHROMIUM_FLAGS,
  CHROMIUM_SKIP,
  ensureWebBuild,
  familyQueryRow,
  OwnerApi,
  REPO,
  seriousViolations,
  sidewaysOverflow,
  UpProcess,
  verifiedSpkiHash,
} from './web-app-harness.js';
import type { AxeViolation, PodInfo } from './web-app-harness.js';

const SCREENSHOTS = join(REPO, 'test-results', 'web-app');
const SERVICE_NAME = 'addressbook';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The enum fields of the `moods` class: `mood` is required, `weather` is not. */
const MOODS = ['happy', 'calm', 'tired', 'sad'];
const WEATHERS = ['sunny', 'cloudy', 'rainy'];

/**
 * contracts/addressbook.json with a list class the owner may add to, whose records have enum fields;
 * written to `dir` (unsigned: `byoda up --contract` signs it). The owner has the rights of the
 * addressbook's other owner-writable list classes (`public_assets`).
 */
async function contractWithMoods(dir: string): Promise<string> {
  const doc = JSON.parse(await readFile(join(REPO, 'contracts', 'addressbook.json'), 'utf8')) as {
    jsonschema: { properties: Record<string, unknown>; $defs: Record<string, unknown> };
  };
  doc.jsonschema.properties.moods = {
    description: 'How the owner felt, noted now and then. Only the owner sees it.',
    type: 'array',
    '#accesscontrol': {
      member: { permissions: ['read', 'update', 'delete', 'append', 'subscribe'] },
    },
    items: { $ref: '#/$defs/mood_entry' },
  };
  doc.jsonschema.$defs.mood_entry = {
    description: 'One note of how the owner felt.',
    type: 'object',
    properties: {
      created_timestamp: { description: 'When the owner noted it.', type: 'string', format: 'date-time' },
      mood: { description: 'How the owner felt.', type: 'string', enum: MOODS },
      weather: { description: 'The weather that day, if the owner says.', type: 'string', enum: WEATHERS },
      note: { description: 'A few words, if any.', type: 'string' },
    },
    required: ['created_timestamp', 'mood'],
  };
  const path = join(dir, 'addressbook-with-moods.json');
  await writeFile(path, JSON.stringify(doc, null, 2));
  return path;
}

/** Adds the mood filled in on the page, and gives the cells of its row (found by its note) after a reload. */
async function addMoodAndReadBack(p: Page, note: string): Promise<string[]> {
  await p.getByRole('button', { name: 'Add to moods' }).click();
  await p.getByRole('status').filter({ hasText: 'Added to moods.' }).waitFor();
  await p.reload();
  const row = p.getByRole('row').filter({ hasText: note });
  await row.waitFor();
  return row.getByRole('cell').allTextContents();
}

/** Waits for the network picture of pod1: two members, pod2 by the owner's label, someone further away. */
async function networkWithAuntieBea(p: Page): Promise<void> {
  await p.getByRole('img', { name: /You and 2 member/ }).waitFor();
  await p.getByRole('listitem').filter({ hasText: 'Auntie Bea' }).filter({ hasText: 'family' }).waitFor();
  await p.getByRole('heading', { name: 'Further away (through your links)' }).waitFor();
}

/** Asks to link a member nobody is, and waits for the warning that its pod does not answer. */
async function askToLinkMadeUpMember(p: Page): Promise<Locator> {
  const madeUp = randomUUID();
  await p.getByLabel('Member id').fill(madeUp);
  await p.getByLabel('Relation').fill('friend');
  await p.getByRole('button', { name: 'Add link' }).click();
  const warning = p.getByRole('alert').filter({ hasText: `The pod of member ${madeUp} does not answer` });
  await warning.waitFor();
  return warning;
}

/** A select's options as `[value, text]`, in order (Preact sets `value` as a property, not an attribute). */
function optionsOf(select: Locator): Promise<[string, string][]> {
  return select
    .locator('option')
    .evaluateAll((options) =>
      options.map(
        (o) => [(o as unknown as { value: string }).value, o.textContent ?? ''] as [string, string],
      ),
    );
}

describe('the owner web app in headless Chromium', { skip: CHROMIUM_SKIP }, () => {
  let dataDir: string;
  let up: UpProcess | undefined;
  let browser: Browser | undefined;
  let wide: BrowserContext;
  let phoneContext: BrowserContext;
  let page: Page;
  let phone: Page;
  let pod1: PodInfo;
  let pod2: PodInfo;
  let pod3: PodInfo;
  let base: string;
  let password1: string;
  let rootCaPem: string;
  const problems: string[] = [];
  const violations: { where: string; violation: AxeViolation }[] = [];

  const member = (pod: PodInfo) => pod.memberships[0]?.member_id ?? '';
  /** How the record tables name a signer (web/src/records.tsx `shortMemberId`). */
  const shortMember = (pod: PodInfo) => member(pod).slice(0, 8);

  /** A screenshot of the page as it is, and its accessibility audit (collected, checked at the end). */
  async function look(t: TestContext, on: Page, name: string): Promise<void> {
    const width = on.viewportSize()?.width ?? 0;
    const path = join(SCREENSHOTS, `${width}-${name}.png`);
    await on.screenshot({ path, fullPage: true });
    t.diagnostic(`screenshot: ${path}`);
    for (const violation of await seriousViolations(on))
      violations.push({ where: `${width}-${name}`, violation });
  }

  /** Whether `target` is visible and lies within the page's width (not cut off at the right). */
  async function onScreen(on: Page, target: Locator): Promise<boolean> {
    const box = await target.boundingBox();
    const width = on.viewportSize()?.width ?? 0;
    return box !== null && box.width > 0 && box.x >= 0 && box.x + box.width <= width + 0.5;
  }

  function watch(on: Page): void {
    // Generous: CI runs this file next to others that start whole networks on two cores.
    on.setDefaultTimeout(30_000);
    on.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    on.on('console', (message) => {
      // A Content-Security-Policy violation is reported on the console.
      if (/Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
    });
  }

  before(
    async () => {
      await mkdir(SCREENSHOTS, { recursive: true });
      dataDir = await mkdtemp(join(tmpdir(), 'byoda-web-app-'));
      const contract = await contractWithMoods(dataDir);
      up = new UpProcess(['--data', dataDir, '--pods', '3', '--contract', contract]);
      const [network] = await Promise.all([
        up.waitForNetworkFile(join(dataDir, 'network.json')),
        ensureWebBuild(),
      ]);
      rootCaPem = await readFile(network.root_ca, 'utf8');
      const [first, second, third] = network.pods;
      assert.ok(first && second && third, 'byoda up --pods 3 lists three pods');
      [pod1, pod2, pod3] = [first, second, third];
      password1 = (await readFile(pod1.password_file, 'utf8')).split('\n')[0] ?? '';

      // pod2 has a card, signed by its pod (spec §9), and links pod1 as family, so pod1's network
      // query may read it (spec §6). pod3 (Cas) and pod2 link each other as family: two steps from
      // pod1, which has no link to pod3, for the picture's outer ring.
      const link = 'mutation ($i: network_link_input!) { append_network_links(input: $i) { member_id } }';
      const linkTo = (to: PodInfo) => ({
        i: { member_id: member(to), relation: 'family', created_timestamp: new Date().toISOString() },
      });
      const person = 'mutation ($i: person_input!) { mutate_person(input: $i, sign: true) { given_name } }';
      const owner2 = new OwnerApi(pod2, rootCaPem);
      const owner3 = new OwnerApi(pod3, rootCaPem);
      try {
        await Promise.all([owner2.login(), owner3.login()]);
        await owner2.graphql(person, {
          i: { given_name: 'Bea', family_name: 'Two', email: 'bea@pod2.example' },
        });
        await owner2.graphql(link, linkTo(pod1));
        await owner2.graphql(link, linkTo(pod3));
        await owner3.graphql(person, {
          i: { given_name: 'Cas', family_name: 'Three', email: 'cas@pod3.example' },
        });
        await owner3.graphql(link, linkTo(pod2));
      } finally {
        await Promise.all([owner2.close(), owner3.close()]);
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
      wide = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      phoneContext = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      });
      page = await wide.newPage();
      phone = await phoneContext.newPage();
      watch(page);
      watch(phone);
      base = `https://${pod1.fqdn}:${new URL(pod1.web_url).port}`;
    },
    { timeout: 150_000 },
  );

  after(async () => {
    await browser?.close();
    await up?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const tab = (name: string) =>
    page.getByRole('navigation', { name: 'Membership' }).getByRole('link', { name, exact: true });
  const classLink = (name: string) =>
    page.getByRole('navigation', { name: 'Classes' }).getByRole('link', { name, exact: true });

  it('says a wrong password in plain words and warns of the wait to come', async (t) => {
    const response = await page.goto(`${base}/`);
    assert.equal(response?.status(), 200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    await page.getByLabel('Username').fill(pod1.username);
    await page.getByLabel('Password').fill(`${password1}-wrong`);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
    await page.getByText('your pod makes you wait before the next try').waitFor();
    await look(t, page, '01-login-error');
  });

  it('counts the wait down after more wrong passwords, then lets the owner try again', async (t) => {
    const button = page.getByRole('button', { name: 'Log in' });
    const waitOn = (on: Page) =>
      on.getByRole('alert').filter({ hasText: 'Too many wrong passwords in a row' });
    const wait = waitOn(page);
    const secondsLeft = async (on = page) => Number(await waitOn(on).locator('span').textContent());
    /** Resolves once the countdown on `on` shows fewer seconds than `from`. */
    const goesDown = async (on: Page, from: number) => {
      const giveUp = Date.now() + 10_000;
      while ((await secondsLeft(on)) >= from) {
        assert.ok(Date.now() < giveUp, 'the number of seconds goes down within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    // The phone (390 px) comes from the same address, so the pod makes it wait too: ready to try.
    await phone.goto(`${base}/`);
    await phone.getByLabel('Username').fill(pod1.username);
    await phone.getByLabel('Password').fill(password1);
    // The pod's backoff doubles from 1 s after the third failure (DEFAULT_LOGIN_POLICY): keep trying
    // the wrong password (a click waits for the button to be enabled again) until a wait of 3 s or more.
    let seconds = 0;
    for (let attempt = 0; attempt < 10 && seconds < 3; attempt++) {
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/pod/authtoken')),
        button.click(),
      ]);
      if (answer.status() === 429) {
        await wait.waitFor();
        seconds = await secondsLeft();
        assert.equal(await button.isDisabled(), true, 'no login while the pod says to wait');
      } else {
        assert.equal(answer.status(), 401);
      }
    }
    assert.ok(seconds >= 3, `a wait of ${seconds} s`);
    // On the phone, even the right password is refused while the pod says to wait.
    const phoneButton = phone.getByRole('button', { name: 'Log in' });
    const [phoneAnswer] = await Promise.all([
      phone.waitForResponse((r) => r.url().endsWith('/api/v1/pod/authtoken')),
      phoneButton.click(),
    ]);
    assert.equal(phoneAnswer.status(), 429);
    await waitOn(phone).waitFor();
    const phoneSeconds = await secondsLeft(phone);
    assert.ok(phoneSeconds >= 2, `the phone shows a wait of ${phoneSeconds} s, enough to count down`);
    assert.equal(await phoneButton.isDisabled(), true, 'no login on the phone while the pod says to wait');
    await look(t, page, '01b-login-wait');
    await look(t, phone, '01b-login-wait');
    // It counts down in place on both, and the button comes back when it is over.
    await Promise.all([goesDown(page, seconds), goesDown(phone, phoneSeconds)]);
    await look(t, phone, '01c-login-wait-lower');
    await waitOn(phone).waitFor({ state: 'detached', timeout: 30_000 });
    await wait.waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await button.isEnabled(), true);
    assert.equal(await phoneButton.isEnabled(), true);
    // The owner tries again on the phone, and is in (the phone stays logged in for the 390 px tests).
    await phoneButton.click();
    await phone.getByRole('heading', { name: 'Your services' }).waitFor();
    await phone.getByRole('link', { name: SERVICE_NAME, exact: true }).waitFor();
  });

  it('logs in and lists the services by name', async (t) => {
    await page.getByLabel('Password').fill(password1);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Your services' }).waitFor();
    await page.getByRole('link', { name: SERVICE_NAME, exact: true }).waitFor();
    assert.equal(await page.getByText(`Service ${4294929430}`).count(), 0, 'no "Service <number>" title');
    await look(t, page, '02-home');
  });

  it('explains an empty network picture and where to add a link', async (t) => {
    await page.getByRole('link', { name: SERVICE_NAME, exact: true }).click();
    await page.getByRole('heading', { name: SERVICE_NAME }).waitFor();
    await tab('Network picture').click();
    await page.getByText('Your network is empty.').waitFor();
    await page.getByRole('link', { name: 'Add a network link' }).waitFor();
    await look(t, page, '03-network-empty');
  });

  it('explains the empty network at 390 px too, and warns there before linking a made-up member', async (t) => {
    await phone.goto(`${base}/service/4294929430/network`);
    await phone.getByText('Your network is empty.').waitFor();
    const add = phone.getByRole('link', { name: 'Add a network link' });
    await add.waitFor();
    await look(t, phone, '03-network-empty');
    await add.click();
    const warning = await askToLinkMadeUpMember(phone);
    const cancel = warning.getByRole('button', { name: 'Cancel' });
    assert.ok(await onScreen(phone, cancel), 'the warning’s Cancel is within the phone’s width');
    await look(t, phone, '08-link-unanswered');
    await cancel.click();
    await warning.waitFor({ state: 'detached' });
    await phone.getByText('You have no network links yet.').waitFor();
  });

  it('refuses not-an-email at the field, in plain words, and saves a corrected card', async (t) => {
    await tab('Data').click();
    await classLink('person').click();
    await page.getByLabel(/^given name/).fill('Ada');
    await page.getByLabel(/^family name/).fill('One');
    await page.getByLabel(/^email/).fill('not-an-email');
    await page.getByLabel(/^city/).fill('Leiden');
    await page.getByRole('button', { name: 'Save person' }).click();
    const fieldError = page.locator('.field-error').filter({ hasText: 'email must be an email address' });
    await fieldError.waitFor();
    assert.equal(await page.getByLabel(/^email/).getAttribute('aria-invalid'), 'true');
    await look(t, page, '04-person-email-error');
    // Nothing was sent: a reload shows no record.
    await page.reload();
    await page.getByText('There is no person record yet').waitFor();
    await page.getByLabel(/^given name/).fill('Ada');
    await page.getByLabel(/^family name/).fill('One');
    await page.getByLabel(/^email/).fill('ada@pod1.example');
    await page.getByLabel(/^city/).fill('Leiden');
    await page.getByRole('button', { name: 'Save person' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved person.' }).waitFor();
    await page.reload();
    await page.getByLabel(/^given name/).waitFor();
    assert.equal(await page.getByLabel(/^given name/).inputValue(), 'Ada');
    assert.equal(await page.getByLabel(/^city/).inputValue(), 'Leiden');
    await look(t, page, '05-person-saved');
  });

  it('shows the membership record, which the owner may only read, without Save or Delete', async (t) => {
    await classLink('member').click();
    await page.getByText('Your pod fills this in itself').waitFor();
    await page.getByText(member(pod1)).waitFor();
    assert.equal(await page.getByRole('button', { name: /Save|Delete/ }).count(), 0);
    assert.equal(await page.locator('form.input-form').count(), 0);
    await look(t, page, '06-member-read-only');
  });

  it('offers no form for a class the pod fills from followed pods', async (t) => {
    await classLink('incoming assets').click();
    await page.getByText('Your pod fills this in itself').waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Add a record' }).count(), 0);
    await look(t, page, '07-incoming-assets');
  });

  it('warns before linking a member whose pod does not answer, and adds nothing on cancel', async (t) => {
    await tab('Network links').click();
    const warning = await askToLinkMadeUpMember(page);
    await look(t, page, '08-link-unanswered');
    await warning.getByRole('button', { name: 'Cancel' }).click();
    await warning.waitFor({ state: 'detached' });
    await page.getByText('You have no network links yet.').waitFor();
  });

  it("finds pod2's member by email, links them as family and shows their name", async (t) => {
    // Bea's email, in other letters: the addressbook's person.email search is case-insensitive.
    await page.getByLabel('Email address').fill('BEA@pod2.example');
    const use = page.getByRole('button', { name: `Use in the link form: ${member(pod2)}` });
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
    const card = page.getByRole('listitem').filter({ hasText: 'Bea Two' });
    await card.filter({ hasText: 'family' }).waitFor();
    assert.equal(await card.locator('code').getAttribute('title'), member(pod2));
    await look(t, page, '09-links');
  });

  it('gives the linked member a label of the owner’s own, which wins over the name their pod shares', async (t) => {
    const card = page.getByRole('listitem').filter({ hasText: 'Bea Two' });
    await card.getByRole('button', { name: 'Label Bea Two' }).click();
    const input = card.getByLabel(`Your label for ${shortMember(pod2)}`);
    assert.equal(await input.inputValue(), 'Bea Two', 'the form starts from the shared name');
    await input.fill('  Auntie Bea ');
    await look(t, page, '09b-label-form');
    await card.getByRole('button', { name: 'Save label' }).click();
    await page.getByRole('status').filter({ hasText: 'is labelled Auntie Bea' }).waitFor();
    const labelled = page.getByRole('listitem').filter({ hasText: 'Auntie Bea' });
    await labelled.filter({ hasText: 'shares the name Bea Two' }).waitFor();
    assert.equal(await labelled.locator('code').getAttribute('title'), member(pod2));
    await look(t, page, '09c-labelled');
  });

  it('draws the network with names and relations', async (t) => {
    await tab('Network picture').click();
    await page.locator('.network-graph canvas').first().waitFor();
    // The owner's label names the member in the picture; two steps away, through pod2's link, pod3
    // answered the recursive query.
    await networkWithAuntieBea(page);
    const further = page.locator('ul.people').last().getByRole('listitem');
    assert.equal(await further.count(), 1);
    assert.equal(await further.locator('code').getAttribute('title'), member(pod3));
    t.diagnostic(`pod3 in the picture: ${await further.textContent()}`);
    await look(t, page, '10-network');
  });

  it("runs a depth-1 query: the other pod's record with its owner's name, origin and signature", async (t) => {
    await tab('Network query').click();
    const remote = await familyQueryRow(page, 'Bea');
    const origin = remote.getByRole('cell').first();
    assert.equal(await origin.textContent(), `Auntie Bea ${shortMember(pod2)}…`);
    assert.equal(await origin.locator('code').getAttribute('title'), member(pod2));
    const cells = await remote.getByRole('cell').allTextContents();
    assert.equal(cells[1], `✓ signed by ${shortMember(pod2)}`, "pod1 verified pod2's signature");
    const local = page.getByRole('row').filter({ hasText: 'Ada' });
    const localCells = await local.getByRole('cell').allTextContents();
    assert.equal(localCells[0], `you ${shortMember(pod1)}…`);
    assert.equal(localCells[1], '', 'a record saved without signing has no signature');
    await look(t, page, '11-query');
  });

  it('explains an empty query result', async (t) => {
    await page.getByLabel('Class').selectOption('network_invites');
    await page.getByLabel('Depth').fill('0');
    await page.getByLabel('Relations').fill('');
    await page.getByRole('button', { name: 'Run query' }).click();
    await page.getByRole('status').filter({ hasText: 'No network_invites records found.' }).waitFor();
    await page.getByText('Depth 0 reads only your own pod').waitFor();
    await look(t, page, '12-query-empty');
  });

  it("opens GraphiQL with the owner's token", async (t) => {
    await tab('GraphQL explorer').click();
    await page.locator('.graphiql-container').waitFor();
    // The editors load their CodeMirror modes lazily: run the query once it is in the editor.
    await page.locator('.graphiql-query-editor .CodeMirror').filter({ hasText: 'given_name' }).waitFor();
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.graphiql-response').filter({ hasText: '"given_name": "Ada"' }).waitFor();
    await look(t, page, '13-graphiql');
  });

  const assetId = randomUUID();

  it('makes a UUID with "New", says a bad one at the field, and adds a signed asset', async (t) => {
    await tab('Data').click();
    await classLink('public assets').click();
    await page.getByRole('heading', { name: 'Add a record' }).waitFor();
    const id = page.getByLabel(/^asset id/);
    await id.fill('a1');
    await page.getByLabel(/^asset type/).fill('note');
    await page.getByRole('button', { name: 'Add to public assets' }).click();
    await page.locator('.field-error').filter({ hasText: 'asset id is not a UUID' }).waitFor();
    await look(t, page, '14-asset-bad-uuid');
    await page.getByRole('button', { name: 'New asset id' }).click();
    assert.match(await id.inputValue(), UUID);
    // A date-time picker, filled with now for a new record.
    assert.equal(await page.getByLabel(/^created timestamp/).getAttribute('type'), 'datetime-local');
    assert.notEqual(await page.getByLabel(/^created timestamp/).inputValue(), '');
    await id.fill(assetId);
    await page.getByLabel(/^title/).fill('Signed note');
    await page.getByLabel(/^contents/).fill('Written and signed in the web app.');
    await page.getByLabel('Sign with my membership').check();
    await page.getByRole('button', { name: 'Add to public assets' }).click();
    await page.getByRole('status').filter({ hasText: 'Added to public assets, signed.' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Signed note' });
    const cell = row.getByRole('cell').first();
    await cell.filter({ hasText: '✓ signed by' }).waitFor();
    assert.equal(await cell.textContent(), `✓ signed by ${shortMember(pod1)}`);
    await look(t, page, '15-assets-signed');
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
    await look(t, page, '16-assets-changed');
  });

  it('offers an enum field as a select of exactly its values, says a missing choice at the field, and keeps the choice', async (t) => {
    await tab('Data').click();
    await classLink('moods').click();
    await page.getByRole('heading', { name: 'Add a record' }).waitFor();
    const mood = page.getByLabel('mood (required)', { exact: true });
    const weather = page.getByLabel('weather', { exact: true });
    assert.equal(await mood.and(page.locator('select')).count(), 1, 'mood is a select');
    assert.equal(await weather.and(page.locator('select')).count(), 1, 'weather is a select');
    // The required field's empty choice is a prompt (choosing nothing is refused, below).
    assert.deepEqual(await optionsOf(mood), [['', '(choose one)'], ...MOODS.map((m) => [m, m])]);
    assert.deepEqual(await optionsOf(weather), [['', '(not set)'], ...WEATHERS.map((w) => [w, w])]);
    await page.getByLabel(/^note/).fill('Grey day');
    await page.getByRole('button', { name: 'Add to moods' }).click();
    await page.locator('.field-error').filter({ hasText: 'mood is required' }).waitFor();
    assert.equal(await mood.getAttribute('aria-invalid'), 'true');
    await look(t, page, '19-moods-required');
    await mood.selectOption('calm');
    await weather.selectOption('rainy');
    const cells = await addMoodAndReadBack(page, 'Grey day');
    assert.ok(cells.includes('calm') && cells.includes('rainy'), `the saved choices in ${cells.join(' | ')}`);
    await look(t, page, '20-moods-saved');
  });

  it('deletes the person record after a confirm step, then creates it again', async (t) => {
    await classLink('person').click();
    assert.equal(await page.getByLabel(/^given name/).inputValue(), 'Ada');
    await page.getByRole('button', { name: 'Delete person' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm deleting person' });
    await confirm.waitFor();
    await look(t, page, '17-person-delete-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Delete person' }).click();
    await confirm.getByRole('button', { name: 'Yes, delete person' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted person.' }).waitFor();
    await page.reload();
    await page.getByText('There is no person record yet').waitFor();
    await page.getByLabel(/^given name/).fill('Ada');
    await page.getByLabel(/^family name/).fill('Again');
    await page.getByLabel(/^email/).fill('ada@pod1.example');
    await page.getByRole('button', { name: 'Save person' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved person.' }).waitFor();
  });

  it('grants a scoped token for an app, lists it and revokes it', async (t) => {
    await page.getByRole('link', { name: 'Security', exact: true }).click();
    const panel = page.getByLabel('Tokens for apps', { exact: true });
    await panel.getByLabel('Classes (comma-separated)').fill('public_assets');
    await panel.getByLabel('Label').fill('photo frame');
    await panel.getByRole('button', { name: 'Grant token' }).click();
    const shown = await panel.locator('[data-token]').textContent();
    assert.match(shown ?? '', /^st\./);
    const row = panel.getByRole('row').filter({ hasText: 'photo frame' });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /public_assets.*read/);
    await look(t, page, '18-scoped-token');
    // The token works against the pod until it is revoked.
    const request = {
      url: `/api/v1/data/service-${pod1.memberships[0]?.service_id ?? 0}`,
      token: shown ?? '',
    };
    const ask = () =>
      page.evaluate(
        `(({ url, token }) => fetch(url, { method: 'POST', headers: { authorization: 'Bearer ' + token,
          'content-type': 'application/json' }, body: JSON.stringify({ query: '{ public_assets_connection { total_count } }' }) })
          .then((r) => r.status))(${JSON.stringify(request)})`,
      ) as Promise<number>;
    assert.equal(await ask(), 200);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal(await ask(), 401);
  });

  it('fits every page into 390 px, with a plain query box instead of GraphiQL', async (t) => {
    // Logged in since the countdown test.
    await phone.goto(`${base}/`);
    await phone.getByRole('link', { name: SERVICE_NAME, exact: true }).waitFor();
    const pages: [string, string, () => Promise<unknown>][] = [
      ['home', '/', () => phone.getByRole('heading', { name: 'Your services' }).waitFor()],
      ['person', `/service/4294929430/data/person`, () => phone.getByLabel(/^given name/).waitFor()],
      ['member', `/service/4294929430/data/member`, () => phone.getByText('Your pod fills this').waitFor()],
      ['assets', `/service/4294929430/data/public_assets`, () => phone.getByText('Changed note').waitFor()],
      ['links', `/service/4294929430/links`, () => phone.getByText('Auntie Bea').first().waitFor()],
      [
        'network',
        `/service/4294929430/network`,
        () => phone.locator('.network-graph canvas').first().waitFor(),
      ],
      [
        'query',
        `/service/4294929430/query`,
        () => phone.getByRole('button', { name: 'Run query' }).waitFor(),
      ],
      [
        'explorer',
        `/service/4294929430/explorer`,
        () => phone.getByRole('textbox', { name: 'Query' }).waitFor(),
      ],
    ];
    const overflows: string[] = [];
    for (const [name, path, ready] of pages) {
      await phone.goto(`${base}${path}`);
      await ready();
      if (name === 'query') {
        await phone.getByLabel('Class').selectOption('person');
        await phone.getByLabel('Depth').fill('1');
        await phone.getByRole('button', { name: 'Run query' }).click();
        await phone.getByRole('row').filter({ hasText: 'Bea' }).waitFor();
      }
      if (name === 'links') {
        // With the label form open: its field and buttons fit too.
        await phone.getByRole('button', { name: 'Label Auntie Bea' }).click();
        await phone.getByRole('button', { name: 'Save label' }).waitFor();
      }
      if (name === 'explorer') {
        assert.equal(await phone.locator('.graphiql-container').count(), 0, 'no GraphiQL on a phone');
        await phone.getByRole('button', { name: 'Run', exact: true }).click();
        await phone.getByLabel('Answer').filter({ hasText: '"given_name": "Ada"' }).waitFor();
      }
      const overflow = await sidewaysOverflow(phone);
      if (overflow > 0) overflows.push(`${name}: ${overflow} px wider than the screen`);
      await look(t, phone, `${String(pages.findIndex(([n]) => n === name) + 1).padStart(2, '0')}-${name}`);
    }
    assert.deepEqual(overflows, []);
  });

  // What the 1280 px tests prove, where a phone layout could break it (issue 15: "at 1280 and 390 px").
  const phoneData = (className: string) => phone.goto(`${base}/service/4294929430/data/${className}`);

  it('shows forms by the contract’s permissions at 390 px: read-only without Save or Delete, none for pod classes', async (t) => {
    await phoneData('member');
    await phone.getByText('Your pod fills this in itself').waitFor();
    await phone.getByText(member(pod1)).waitFor();
    assert.equal(await phone.getByRole('button', { name: /Save|Delete/ }).count(), 0);
    assert.equal(await phone.locator('form.input-form').count(), 0);
    await phoneData('incoming_assets');
    await phone.getByText('Your pod fills this in itself').waitFor();
    assert.equal(await phone.getByRole('heading', { name: 'Add a record' }).count(), 0);
    await look(t, phone, '20-incoming-assets');
    // The owner's own record does have both, on the screen.
    await phoneData('person');
    for (const name of ['Save person', 'Delete person']) {
      assert.ok(await onScreen(phone, phone.getByRole('button', { name })), `${name} within the width`);
    }
  });

  it('says errors at the field in plain words at 390 px, and sends nothing', async (t) => {
    const email = phone.getByLabel(/^email/);
    assert.equal(await email.inputValue(), 'ada@pod1.example');
    await email.fill('not-an-email');
    await phone.getByRole('button', { name: 'Save person' }).click();
    const emailError = phone.locator('.field-error').filter({ hasText: 'email must be an email address' });
    await emailError.waitFor();
    assert.equal(await email.getAttribute('aria-invalid'), 'true');
    assert.ok(await onScreen(phone, emailError), 'the error is within the phone’s width');
    await look(t, phone, '21-person-email-error');
    await phone.reload();
    await phone.getByLabel(/^email/).waitFor();
    assert.equal(await phone.getByLabel(/^email/).inputValue(), 'ada@pod1.example', 'nothing was saved');

    await phoneData('public_assets');
    await phone.getByRole('heading', { name: 'Add a record' }).waitFor();
    const id = phone.getByLabel(/^asset id/);
    await id.fill('a1');
    await phone.getByLabel(/^asset type/).fill('note');
    await phone.getByRole('button', { name: 'Add to public assets' }).click();
    const idError = phone.locator('.field-error').filter({ hasText: 'asset id is not a UUID' });
    await idError.waitFor();
    assert.ok(await onScreen(phone, idError), 'the error is within the phone’s width');
    const make = phone.getByRole('button', { name: 'New asset id' });
    assert.ok(await onScreen(phone, make), '“New” is within the phone’s width');
    await make.click();
    assert.match(await id.inputValue(), UUID);
    assert.equal(await phone.getByLabel(/^created timestamp/).getAttribute('type'), 'datetime-local');
    await look(t, phone, '22-asset-new-uuid');
  });

  it('offers the enum fields as selects of exactly their values at 390 px, and keeps the choice', async (t) => {
    await phoneData('moods');
    // The record added at 1280 px.
    await phone.getByRole('row').filter({ hasText: 'Grey day' }).waitFor();
    const mood = phone.getByLabel('mood (required)', { exact: true });
    const weather = phone.getByLabel('weather', { exact: true });
    assert.equal(await mood.and(phone.locator('select')).count(), 1, 'mood is a select');
    assert.deepEqual(await optionsOf(mood), [['', '(choose one)'], ...MOODS.map((m) => [m, m])]);
    assert.deepEqual(await optionsOf(weather), [['', '(not set)'], ...WEATHERS.map((w) => [w, w])]);
    assert.ok(await onScreen(phone, mood), 'the select is within the phone’s width');
    await mood.selectOption('happy');
    await phone.getByLabel(/^note/).fill('Walk in the sun');
    await look(t, phone, '24-moods-chosen');
    const cells = await addMoodAndReadBack(phone, 'Walk in the sun');
    assert.ok(cells.includes('happy'), `the saved choice in ${cells.join(' | ')}`);
    assert.ok(!cells.some((c) => WEATHERS.includes(c)), 'no weather, as none was chosen');
    assert.equal(await sidewaysOverflow(phone), 0);
    await look(t, phone, '25-moods-saved');
  });

  it('draws the network with names at 390 px, and explains an empty query result', async (t) => {
    await phone.goto(`${base}/service/4294929430/network`);
    await networkWithAuntieBea(phone);

    await phone.goto(`${base}/service/4294929430/query`);
    await phone.getByLabel('Class').selectOption('person');
    await phone.getByLabel('Depth').fill('1');
    await phone.getByRole('button', { name: 'Run query' }).click();
    const remote = phone.getByRole('row').filter({ hasText: 'Bea' });
    await remote.waitFor();
    assert.equal(await remote.getByRole('cell').first().textContent(), `Auntie Bea ${shortMember(pod2)}…`);
    await phone.getByLabel('Class').selectOption('network_invites');
    await phone.getByLabel('Depth').fill('0');
    await phone.getByRole('button', { name: 'Run query' }).click();
    const empty = phone.getByRole('status').filter({ hasText: 'No network_invites records found.' });
    await empty.waitFor();
    await phone.getByText('Depth 0 reads only your own pod').waitFor();
    assert.ok(await onScreen(phone, empty), 'the explanation is within the phone’s width');
    assert.equal(await sidewaysOverflow(phone), 0);
    await look(t, phone, '23-query-empty');
  });

  it('has no serious or critical accessibility violation on any page (axe-core)', () => {
    assert.deepEqual(
      violations.map(
        ({ where, violation }) =>
          `${where}: ${violation.id} (${violation.impact}) ${violation.help} at ${violation.nodes.map((n) => n.target.join(' ')).join(', ')}`,
      ),
      [],
    );
  });

  it('ran under its Content-Security-Policy without a violation or a page error', () => {
    assert.deepEqual(problems, []);
  });
});
