/**
 * Clients of a running pod for the pod tests (not a test file): HTTPS agents that trust the network
 * root and check the pod's name (web port: the account FQDN; member port: a member FQDN, via SNI),
 * optionally presenting a client certificate, and small helpers for the owner API and GraphQL.
 */
import { readFile } from 'node:fs/promises';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { request } from 'undici';
import type { Agent } from 'undici';
import { createClient } from 'graphql-ws';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createTlsAgent } from '../../../src/network/index.js';
import { credentialTlsOptions, readCredential } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import type { PodInfo } from '../../fixtures/network-harness.js';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: unknown;
}

export function tlsAgent(rootCaPem: string, servername: string, credential?: Credential): Agent {
  return createTlsAgent({ rootCaPem, servername, ...(credential ? { credential } : {}) });
}

export async function send(
  agent: Agent,
  url: string,
  options: {
    method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
    headers?: Record<string, string>;
    body?: string;
  } = {},
): Promise<HttpAnswer> {
  const response = await request(url, {
    dispatcher: agent,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  const text = await response.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text, json };
}

/** POST `body` as JSON; without a body, a bare POST (no content type). */
export function postJson(agent: Agent, url: string, body: unknown, headers: Record<string, string> = {}) {
  if (body === undefined)
    return send(agent, url, { method: 'POST', headers: { accept: 'application/json', ...headers } });
  return send(agent, url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export function login(agent: Agent, pod: PodInfo, username: string, password: string): Promise<HttpAnswer> {
  return postJson(agent, `${pod.webUrl}/api/v1/pod/authtoken`, { username, password });
}

export async function ownerToken(agent: Agent, pod: PodInfo): Promise<string> {
  const answer = await login(agent, pod, pod.username, pod.password);
  const token = (answer.json as { auth_token?: unknown } | undefined)?.auth_token;
  if (answer.status !== 200 || typeof token !== 'string') throw new Error(`login failed: ${answer.text}`);
  return token;
}

export interface GraphqlAnswer extends HttpAnswer {
  readonly data: Record<string, unknown> | null | undefined;
  readonly errors: { message: string; path?: string[]; extensions?: { code?: string } }[];
}

/** POST a GraphQL request to `<baseUrl>/api/v1/data/service-<id>`. */
export async function graphql(
  agent: Agent,
  baseUrl: string,
  serviceId: number,
  query: string,
  options: { variables?: Record<string, unknown>; token?: string; accept?: string } = {},
): Promise<GraphqlAnswer> {
  const answer = await send(agent, `${baseUrl}/api/v1/data/service-${serviceId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: options.accept ?? 'application/graphql-response+json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
  });
  const body = (answer.json ?? {}) as {
    data?: Record<string, unknown> | null;
    errors?: GraphqlAnswer['errors'];
  };
  return { ...answer, data: body.data, errors: body.errors ?? [] };
}

/** The codes of a GraphQL answer's errors. */
export function codes(answer: GraphqlAnswer): string[] {
  return answer.errors.map((e) => e.extensions?.code ?? '?');
}

/** A credential of a pod's data folder (e.g. `member-<S>`), decrypted with the pod's passphrase. */
export async function podCredential(pod: PodInfo, name: string): Promise<Credential> {
  const passphrase = (await readFile(join(pod.dataDir, 'passphrase'), 'utf8')).trim();
  return readCredential(join(pod.dataDir, 'pki'), name, passphrase);
}

/** Records with their `null` fields left out (GraphQL answers null for fields that have no value). */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner !== null) result[key] = withoutNulls(inner);
  }
  return result;
}

export interface WsOptions {
  readonly rootCaPem: string;
  readonly servername: string;
  readonly credential?: Credential;
  readonly headers?: Record<string, string>;
  readonly connectionParams?: Record<string, unknown>;
}

/**
 * A graphql-ws client over TLS (optionally mutual) to `<baseUrl>/api/v1/data/service-<id>`; no retries,
 * so a refused connection fails the test at once.
 */
export function wsClient(baseUrl: string, serviceId: number, options: WsOptions): Client {
  const tls = {
    ca: options.rootCaPem,
    servername: options.servername,
    ...(options.credential ? credentialTlsOptions(options.credential) : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  };
  class TlsWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, tls);
    }
  }
  return createClient({
    url: `${baseUrl.replace(/^https:/, 'wss:')}/api/v1/data/service-${serviceId}`,
    webSocketImpl: TlsWebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(options.connectionParams ? { connectionParams: options.connectionParams } : {}),
  });
}

/** The first result of a subscription (or its error), after `trigger` ran once it is subscribed. */
export async function firstEvent(
  client: Client,
  query: string,
  trigger: () => Promise<unknown>,
  timeoutMs = 5000,
): Promise<{
  data?: unknown;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}> {
  const iterator = client.iterate({ query });
  const first = iterator.next();
  // The server acknowledges the subscription only by sending events; give it a moment to register.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await trigger();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no subscription event')), timeoutMs);
  });
  try {
    const step = await Promise.race([first, timeout]);
    return step.done ? {} : step.value;
  } catch (err) {
    // graphql-ws rejects with the error list when the server refuses the operation.
    if (Array.isArray(err)) return { errors: err as { message: string }[] };
    throw err;
  } finally {
    clearTimeout(timer);
    await iterator.return?.();
  }
}

export interface RawAnswer {
  /** Whether the TLS session was resumed (abbreviated handshake). */
  readonly reused: boolean;
  /** The session ticket the server gave, for resuming later. */
  readonly session: Buffer | undefined;
  readonly status: number;
  readonly body: string;
}

/**
 * One HTTP/1.1 POST over a fresh TLS connection, optionally resuming `session`: what a client that
 * caches TLS sessions does, which undici agents of this project never do (so tests do it by hand).
 */
export function rawTlsPost(
  url: string,
  path: string,
  body: string,
  tlsOptions: { ca: string; servername: string; credential?: Credential; session?: Buffer },
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let session: Buffer | undefined;
    const socket = tlsConnect({
      host: hostname,
      port: Number(port),
      ca: tlsOptions.ca,
      servername: tlsOptions.servername,
      ...(tlsOptions.credential ? credentialTlsOptions(tlsOptions.credential) : {}),
      ...(tlsOptions.session ? { session: tlsOptions.session } : {}),
    });
    const chunks: Buffer[] = [];
    let reused = false;
    socket.on('session', (ticket: Buffer) => (session = ticket));
    socket.on('secureConnect', () => {
      // Asked now: once the socket is closed it no longer knows.
      reused = socket.isSessionReused();
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${tlsOptions.servername}\r\ncontent-type: application/json\r\n` +
          `accept: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({
        reused,
        session,
        status,
        body: text.split('\r\n\r\n').slice(1).join('\r\n\r\n'),
      });
    });
  });
}
