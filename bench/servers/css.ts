/**
 * The Community Solid Server (`@solid/community-server`, a devDependency of tooling/solid/, installed
 * there on first use so that the project's own install stays small) as a peer to compare with:
 * started through its own CLI in its own process with css-memory-https.json (its default config:
 * memory backend and WAC authorization, but served over HTTPS with the bench's certificate), logging
 * at `warn`. `put` stores a resource with the exact bytes a pod answered; reading it back is an
 * anonymous GET that the root container's public ACL allows.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import type { BenchTls } from './bare.js';

const TOOLING = fileURLToPath(new URL('../../tooling/solid/', import.meta.url));
const CLI = `${TOOLING}node_modules/@solid/community-server/bin/server.js`;
const CONFIG = fileURLToPath(new URL('./css-memory-https.json', import.meta.url));
/** Its start-up (Components.js wiring the whole server) takes tens of seconds on a small machine. */
const READY_TIMEOUT_MS = 180_000;

/** Installs tooling/solid/ from its lock file the first time a run needs the Solid server. */
function ensureInstalled(): void {
  if (existsSync(CLI)) return;
  console.error('bench: installing the Community Solid Server into tooling/solid/ (first use)');
  const npm = spawnSync('npm', ['ci', '--prefix', TOOLING, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (npm.status !== 0 || !existsSync(CLI)) throw new Error('bench: `npm ci --prefix tooling/solid` failed');
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export class SolidServer {
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #agent: Agent;

  private constructor(url: string, child: ChildProcess, agent: Agent) {
    this.url = url;
    this.#child = child;
    this.#agent = agent;
  }

  static async start(tls: BenchTls): Promise<SolidServer> {
    ensureInstalled();
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const args = [CLI, '-c', CONFIG, '-p', String(port), '-b', `${url}/`, '-l', 'warn'];
    const child = spawn(process.execPath, [...args, '--httpsKey', tls.keyFile, '--httpsCert', tls.certFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const agent = new Agent({ connect: { ca: tls.caPem, servername: tls.servername } });
    const server = new SolidServer(url, child, agent);
    const giveUp = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the Solid server exited (${child.exitCode}): ${stderr}`);
      try {
        const res = await request(`${url}/`, { dispatcher: agent });
        await res.body.dump();
        if (res.statusCode === 200) return server;
      } catch {
        // not listening yet
      }
      if (Date.now() > giveUp) {
        server.close();
        throw new Error(`the Solid server did not answer within ${READY_TIMEOUT_MS} ms: ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Stores `body` at `/bench/<name>` with `type`; returns its URL. */
  async put(name: string, type: string, body: string): Promise<string> {
    const target = `${this.url}/bench/${name}`;
    const res = await request(target, {
      dispatcher: this.#agent,
      method: 'PUT',
      headers: { 'content-type': type },
      body,
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`PUT ${target}: ${res.statusCode} ${text}`);
    return target;
  }

  close(): void {
    void this.#agent.close();
    this.#child.kill('SIGTERM');
  }
}
