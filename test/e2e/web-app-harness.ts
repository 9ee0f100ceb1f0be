/**
 * What the web app's browser tests share (not a test file): `byoda up` as a child process, the pod's
 * TLS key checked before Chromium is told to trust it, the owner API from Node to prepare pods, and
 * the accessibility audit (axe-core run inside the page).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { Agent, request } from 'undici';
import { BYODA } from '../fixtures/network-harness.js';
import { LOADED_MACHINE_ENV } from '../fixtures/test-env.js';

export const CHROMIUM = '/usr/bin/chromium';
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const SERVICE_ID = 4294929430;
export const READY_TIMEOUT_MS = 90_000;
/** The flags of design/stack.md; playwright adds its own (headless, a temporary profile). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface PodInfo {
  name: string;
  fqdn: string;
  web_url: string;
  username: string;
  password_file: string;
  memberships: { service_id: number; member_id: string }[];
}

export interface NetworkJson {
  root_ca: string;
  pods: PodInfo[];
}

export const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Builds web/dist when it is missing (a fresh clone's `npm ci` has built it already). */
export async function ensureWebBuild(): Promise<void> {
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
export class UpProcess {
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
export async function verifiedSpkiHash(pod: PodInfo, rootCaPem: string): Promise<string> {
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
export class OwnerApi {
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

const require = createRequire(import.meta.url);
/** axe-core's browser bundle, evaluated in the page over the DevTools protocol (the CSP does not apply). */
const AXE_SOURCE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/** The serious and critical WCAG 2.x A/AA violations axe-core finds on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  // A string, run in the page: Node's types know no `document` (the test runs outside the page).
  const violations = (await page.evaluate(`(async () => {
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  })()`)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** How far the page is wider than the window (0: nothing overflows sideways). */
export function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as Promise<number>;
}
