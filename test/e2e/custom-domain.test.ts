/**
 * A pod at its owner's own domain with a certificate from a real ACME CA (docs/protocol.md "Custom
 * domain"): pebble validates HTTP-01 for real on the pod's challenge port, resolving the name through a
 * DNS server this test runs (src/dns, `pod.example.com` -> 127.0.0.1). A network of real processes
 * (directory, service, two pods); pod1 is restarted with `--domain`. Node checks that the chain served
 * for the name validates against pebble's root (and that the pod's FQDN still gets the network
 * certificate); headless Chromium then opens the web app at `https://pod.example.com:<port>/` (host
 * rules map the name to 127.0.0.1; it trusts exactly the verified leaf's key), logs in with the owner's
 * one-time code (enrolled beforehand through the API) and runs a depth-1 query that reaches pod2. A restart serves the stored certificate; with pebble stopped past
 * the renewal time the pod keeps serving its certificate and retries, and once pebble is back it
 * renews and swaps the certificate while a request loop runs, without a failed request.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { DnsServer, Zone } from '../../src/dns/index.js';
import {
  CHROMIUM,
  CHROMIUM_FLAGS,
  CHROMIUM_SKIP,
  OwnerApi,
  ensureWebBuild,
  familyQueryRow,
  openNetworkQuery,
  unspentTotpCode,
} from '../fixtures/browser-network.js';
import type { PodInfo as NetworkPod } from '../fixtures/browser-network.js';
import { closedPort } from '../fixtures/closed-port.js';
import { NetworkHarness, runByodaJson } from '../fixtures/network-harness.js';
import type { PodInfo } from '../fixtures/network-harness.js';
import { Pebble, PEBBLE_SKIP } from '../fixtures/pebble.js';
import { LOADED_MACHINE_ENV } from '../fixtures/test-env.js';

const NAME = 'pod.example.com';
/** Renewal at two thirds: about 40 s after issue, time enough for the restart and browser steps on a loaded machine. */
const VALIDITY_SECONDS = 60;

interface Served {
  readonly serial: string;
  readonly leaf: X509Certificate;
}

/** The certificate served for `servername` on the port, verified against `ca` (rejects otherwise). */
function servedCertificate(port: number, servername: string, ca: string | string[]): Promise<Served> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca }, () => {
      const peer = socket.getPeerCertificate();
      socket.end();
      resolve({ serial: peer.serialNumber, leaf: new X509Certificate(peer.raw) });
    });
    socket.once('error', reject);
  });
}

/** One request on a new TLS connection (so each sees the certificate served now); its serial. */
function statusOverNewConnection(port: number, ca: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/status',
        servername: NAME,
        ca,
        agent: false,
        timeout: 10_000,
      },
      (response) => {
        const serial = (response.socket as TLSSocket).getPeerCertificate().serialNumber;
        response.resume();
        response.once('end', () =>
          response.statusCode === 200 ? resolve(serial) : reject(new Error(`status ${response.statusCode}`)),
        );
      },
    );
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}

function plainGet(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

async function until<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} within ${timeoutMs} ms (last: ${String(last)})`);
}

describe(
  'a custom domain with a certificate from a real ACME CA',
  { skip: PEBBLE_SKIP || CHROMIUM_SKIP },
  () => {
    let root: string;
    let dns: DnsServer;
    let pebble: Pebble;
    let net: NetworkHarness;
    let pod1: PodInfo;
    let challengePort: number;
    let firstRoot: string;
    let firstSerial: string;
    let member1 = '';
    let member2 = '';
    let totp = { secret: '', spentStep: 0 };
    const domainArgs = () => [
      '--domain',
      NAME,
      '--acme-directory',
      pebble.directoryUrl,
      '--acme-email',
      'owner@example.com',
      '--acme-http-port',
      String(challengePort),
    ];
    const domainEnv = () => ({
      ...LOADED_MACHINE_ENV,
      // Pebble's own TLS certificate is private: the pod's ACME client trusts it this way.
      NODE_EXTRA_CA_CERTS: pebble.tlsCertPath,
      BYODA_ACME_CHECK_MS: '500',
      BYODA_ACME_RETRY_MIN_MS: '250',
      BYODA_ACME_RETRY_MAX_MS: '1000',
    });
    const webPort = () => Number(new URL(pod1.webUrl).port);
    const podLog = () => readFile(join(pod1.dataDir, 'logs', 'pod.log'), 'utf8').catch(() => '');
    const asNetworkPod = (pod: PodInfo, memberId: string): NetworkPod => ({
      name: pod.name,
      fqdn: pod.fqdn,
      web_url: pod.webUrl,
      username: pod.username,
      password_file: join(pod.dataDir, 'password'),
      memberships: [{ service_id: net.service.serviceId, member_id: memberId }],
    });

    before(
      async () => {
        root = await mkdtemp(join(tmpdir(), 'byoda-acme-'));
        const zone = new Zone({ domain: 'example.com' });
        zone.setAddress(NAME, { a: '127.0.0.1' });
        dns = new DnsServer({ zone });
        const dnsAddress = await dns.start({ host: '127.0.0.1', port: 0 });
        challengePort = await closedPort();
        [pebble, net] = await Promise.all([
          Pebble.start({
            root,
            dnsPort: dnsAddress.port,
            httpPort: challengePort,
            validitySeconds: VALIDITY_SECONDS,
          }),
          NetworkHarness.start({ pods: 2 }),
          ensureWebBuild(),
        ]);
        const serviceId = String(net.service.serviceId);
        const [a, b] = net.pods as [PodInfo, PodInfo];
        const joined = await Promise.all(
          [a, b].map((pod) => runByodaJson(['pod', 'join', serviceId, '--data', pod.dataDir])),
        );
        member1 = String(joined[0]?.['member_id']);
        member2 = String(joined[1]?.['member_id']);
        pod1 = await net.restartPod(a, domainEnv(), domainArgs());
        // pod2 holds a person and links pod1 as family; pod1 links pod2, so its depth-1 query asks pod2.
        const owner2 = new OwnerApi(asNetworkPod(b, member2), net.directory.rootCaPem);
        const owner1 = new OwnerApi(asNetworkPod(pod1, member1), net.directory.rootCaPem);
        try {
          await owner2.login();
          await owner2.graphql('mutation ($i: person_input!) { mutate_person(input: $i) { given_name } }', {
            i: { given_name: 'Bea', family_name: 'Two', email: 'bea@pod2.example' },
          });
          const link = 'mutation ($i: network_link_input!) { append_network_links(input: $i) { member_id } }';
          const now = new Date().toISOString();
          await owner2.graphql(link, {
            i: { member_id: member1, relation: 'family', created_timestamp: now },
          });
          await owner1.login();
          await owner1.graphql(link, {
            i: { member_id: member2, relation: 'family', created_timestamp: now },
          });
          // The owner of pod1 has a one-time code: the browser login at the domain needs it.
          totp = await owner1.enrolTotp();
        } finally {
          await owner2.close();
          await owner1.close();
        }
      },
      { timeout: 180_000 },
    );

    after(async () => {
      await net?.stop();
      await pebble?.close();
      await dns?.stop();
      if (root) await rm(root, { recursive: true, force: true });
    });

    it('announces the domain and answers only pending challenges on the HTTP-01 port', async () => {
      assert.equal(pod1.ready?.['domain'], NAME);
      assert.equal(pod1.ready?.['domain_url'], `https://${NAME}:${webPort()}`);
      assert.equal(pod1.ready?.['acme_http_port'], challengePort);
      const unknown = await plainGet(challengePort, '/.well-known/acme-challenge/abcDEF123_-');
      assert.equal(unknown.status, 404);
      assert.match(unknown.body, /BYODA_ERR_NOT_FOUND/);
      const badToken = await plainGet(challengePort, '/.well-known/acme-challenge/..%2Fpod.json');
      assert.equal(badToken.status, 400);
      assert.match(badToken.body, /token/);
      const elsewhere = await plainGet(challengePort, '/api/v1/status');
      assert.equal(elsewhere.status, 404);
      const post = await plainGet(challengePort, '/.well-known/acme-challenge/abc', 'POST');
      assert.equal(post.status, 405);
    });

    it("serves pebble's certificate for the domain and the network's for the FQDN (SNI)", async () => {
      firstRoot = await pebble.rootPem();
      const served = await until('a certificate for the domain that chains to pebble', () =>
        servedCertificate(webPort(), NAME, firstRoot),
      );
      assert.ok(served.leaf.checkHost(NAME));
      firstSerial = served.serial;
      const network = await servedCertificate(webPort(), pod1.fqdn, net.directory.rootCaPem);
      assert.ok(network.leaf.checkHost(pod1.fqdn));
      await assert.rejects(servedCertificate(webPort(), pod1.fqdn, firstRoot), /certificate/);
      // Kept in the pod folder: the keys encrypted, files for the owner only.
      const acmeDir = join(pod1.dataDir, 'acme');
      for (const file of ['account.key', `${NAME}.key`, `${NAME}.pem`]) {
        assert.equal((await stat(join(acmeDir, file))).mode & 0o777, 0o600, file);
      }
      assert.match(await readFile(join(acmeDir, `${NAME}.key`), 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
      assert.match(await readFile(join(acmeDir, 'account.key'), 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
    });

    it('serves the stored certificate after a restart instead of ordering another', async () => {
      pod1 = await net.restartPod(pod1, domainEnv(), domainArgs());
      const served = await until('the stored certificate', () =>
        servedCertificate(webPort(), NAME, firstRoot),
      );
      assert.equal(served.serial, firstSerial);
      assert.match(await podLog(), /custom domain certificate loaded/);
    });

    it('opens the web app at the domain in Chromium, logs in with a one-time code and queries another pod', async () => {
      const served = await servedCertificate(webPort(), NAME, firstRoot);
      const spki = served.leaf.publicKey.export({ type: 'spki', format: 'der' });
      const hash = createHash('sha256').update(spki).digest('base64');
      let browser: Browser | undefined;
      try {
        browser = await chromium.launch({
          executablePath: CHROMIUM,
          args: [
            ...CHROMIUM_FLAGS,
            `--host-resolver-rules=MAP ${NAME} 127.0.0.1`,
            `--ignore-certificate-errors-spki-list=${hash}`,
          ],
        });
        const page = await browser.newPage();
        page.setDefaultTimeout(30_000);
        const problems: string[] = [];
        page.on('pageerror', (err) => problems.push(err.message));
        const response = await page.goto(`https://${NAME}:${webPort()}/`);
        assert.equal(response?.status(), 200);
        const password = (await readFile(join(pod1.dataDir, 'password'), 'utf8')).trim();
        await page.getByLabel('Username').fill(pod1.username);
        await page.getByLabel('Password').fill(password);
        await page.getByRole('button', { name: 'Log in' }).click();
        await page.getByLabel('One-time code').waitFor();
        // The code of the enrolment's time step was spent on its confirmation: one the pod has not seen.
        await page.getByLabel('One-time code').fill(await unspentTotpCode(totp.secret, totp.spentStep));
        await page.getByRole('button', { name: 'Log in' }).click();
        await page.getByRole('heading', { name: 'Your services' }).waitFor();
        await openNetworkQuery(page);
        const remote = await familyQueryRow(page, 'Bea');
        assert.equal(await remote.getByRole('cell').first().locator('code').getAttribute('title'), member2);
        assert.deepEqual(problems, []);
      } finally {
        await browser?.close();
      }
    });

    it('keeps serving while the CA is down, and renews once it is back without a failed request', async () => {
      const roots = [firstRoot];
      const serials: string[] = [];
      const failures: string[] = [];
      let looping = true;
      const loop = (async () => {
        while (looping) {
          await statusOverNewConnection(webPort(), roots).then(
            (serial) => serials.push(serial),
            (err: Error) => failures.push(err.message),
          );
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      try {
        await pebble.stop();
        const renewAt = (await servedCertificate(webPort(), NAME, firstRoot)).leaf;
        const from = Date.parse(renewAt.validFrom);
        const dueAt = from + ((Date.parse(renewAt.validTo) - from) * 2) / 3;
        // Past the renewal time, two failed orders: the pod retried and still serves its certificate.
        await until(
          'two failed orders after the renewal time',
          async () => {
            const failed = (await podLog()).match(/custom domain certificate order failed/g) ?? [];
            return Date.now() > dueAt && failed.length >= 2 ? true : undefined;
          },
          VALIDITY_SECONDS * 1000,
        );
        assert.ok(
          serials.length > 0 && serials.every((serial) => serial === firstSerial),
          'the first certificate throughout',
        );
        await pebble.restart();
        roots.push(await pebble.rootPem());
        await until('a renewed certificate in the request loop', () =>
          Promise.resolve(serials.some((serial) => serial !== firstSerial) ? true : undefined),
        );
      } finally {
        looping = false;
        await loop;
      }
      assert.deepEqual(failures, []);
      const renewed = await servedCertificate(webPort(), NAME, roots[1] ?? '');
      assert.notEqual(renewed.serial, firstSerial);
      assert.ok(renewed.leaf.checkHost(NAME));
      // Every answer came with the old certificate, then with the new one: one swap, no flapping.
      const firstNew = serials.findIndex((serial) => serial !== firstSerial);
      assert.ok(serials.slice(firstNew).every((serial) => serial === renewed.serial));
    });
  },
);
