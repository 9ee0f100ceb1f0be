/**
 * Helpers for the directory tests: the directory as a real `byoda` process, clients with and without a
 * certificate, and credentials obtained the way a pod or service gets them. Not a test file itself.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { request } from 'undici';
import type { Agent } from 'undici';
import { DirectoryClient, createTlsAgent } from '../../../src/network/index.js';
import { accountFqdn, directoryFqdn, requestCredential } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';

export const run = promisify(execFile);
export const BYODA = fileURLToPath(new URL('../../../bin/byoda.js', import.meta.url));
export const NETWORK = 'byoda.test';

export interface ReadyLine {
  event: 'ready';
  url: string;
  port: number;
  dns: { host: string; port: number };
  network: string;
  root_ca: string;
}

export interface DirectoryProcess {
  readonly ready: ReadyLine;
  readonly child: ChildProcess;
  /** Lines printed on stdout after the ready line. */
  readonly laterLines: string[];
  /** SIGTERM, then the exit code (null if killed by a signal). */
  stop(): Promise<number | null>;
}

/** `byoda network init` then `byoda directory start --json`, resolved once the ready line is read. */
export async function startDirectoryProcess(dataDir: string): Promise<DirectoryProcess> {
  await run(process.execPath, [
    BYODA,
    'network',
    'init',
    '--local-secrets',
    '--network',
    NETWORK,
    '--data',
    dataDir,
    '--json',
  ]);
  const child = spawn(process.execPath, [BYODA, 'directory', 'start', '--data', dataDir, '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const laterLines: string[] = [];
  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within 90 s; stderr: ${stderr}`)), 90_000);
    void exited.then((code) => reject(new Error(`directory exited with ${code}: ${stderr}`)));
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as { event: string };
      if (parsed.event !== 'ready') return void laterLines.push(line);
      clearTimeout(timer);
      resolve(parsed as ReadyLine);
    });
  });
  return {
    ready,
    child,
    laterLines,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

export function nodeResolver(dnsPort: number): Resolver {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([`127.0.0.1:${dnsPort}`]);
  return resolver;
}

export { digShort } from '../../fixtures/dig.js';

export function client(url: string, rootCaPem: string, credential?: Credential): DirectoryClient {
  return new DirectoryClient({ url, network: NETWORK, rootCaPem, ...(credential ? { credential } : {}) });
}

/** A new account's TLS credential, registered through `directory` like a pod does it. */
export async function newAccount(
  directory: DirectoryClient,
  registration: { address?: string; port?: number } = {},
): Promise<{ accountId: string; credential: Credential }> {
  const accountId = randomUUID();
  const credential = await requestCredential(
    accountFqdn(NETWORK, accountId),
    directory.rootCaPem,
    async (csrPem) => (await directory.registerAccount({ csrPem, ...registration })).chainPem,
  );
  return { accountId, credential };
}

/** A raw JSON client for bad-input tests: any body, any content type. */
export function rawAgent(rootCaPem: string, credential?: Credential): Agent {
  return createTlsAgent({
    rootCaPem,
    servername: directoryFqdn(NETWORK),
    ...(credential ? { credential } : {}),
  });
}

export interface RawReply {
  status: number;
  body: { error?: { code: string; message: string; path?: string } } & Record<string, unknown>;
}

/** Sends `body` as is (a string is sent verbatim, anything else as JSON) and returns status and JSON. */
export async function raw(
  agent: Agent,
  url: string,
  method: 'GET' | 'POST' | 'PUT',
  body?: unknown,
  contentType = 'application/json',
): Promise<RawReply> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const response = await request(url, {
    dispatcher: agent,
    method,
    ...(payload !== undefined ? { body: payload, headers: { 'content-type': contentType } } : {}),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? (JSON.parse(text) as RawReply['body']) : {} };
}
