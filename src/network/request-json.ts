/**
 * JSON over (mutual) TLS, as every BYODA client speaks it: a pooled keep-alive undici `Agent` that
 * trusts only the network root and may present a client certificate, and one request function that
 * turns the servers' JSON error bodies (spec §4: `{error: {code, message}}`) back into ByodaErrors, so
 * that a refusal at the far end surfaces with the same code and status as if it had happened here.
 */
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import { Agent, buildConnector, request } from 'undici';
import { BoundedMap } from '../bounded/index.js';
import { ByodaError } from '../errors/index.js';
import type { ErrorCode } from '../errors/index.js';
import { credentialTlsOptions } from '../pki/index.js';
import type { Credential } from '../pki/index.js';

export interface TlsAgentOptions {
  /** The network root CA (PEM): the only certificate the server's chain may lead to. */
  readonly rootCaPem: string;
  /**
   * The name the server's certificate must carry (`dir.<net>`, `service.service-<id>.<net>`, ...), also
   * sent as SNI. Needed because local networks are reached by IP address (`https://127.0.0.1:PORT`).
   */
  readonly servername?: string;
  /** Presented as the client certificate (mutual TLS); anonymous when absent. */
  readonly credential?: Credential;
  /** Milliseconds to wait for the response headers, and between body chunks (default 30 s). */
  readonly timeoutMs?: number;
}

export interface JsonRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Serialised as JSON; no body is sent when undefined. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** A BYODA JSON answer is small; a far larger one is a misbehaving server, not data to buffer. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const ERROR_CODE = /^BYODA_ERR_[A-Z_]+$/;

/**
 * TLS contexts by trust root and client identity. Given `ca`, `cert` and `key`, Node builds a new
 * context (parsing the root, the chain and the key) for every connection; a context made once serves
 * every connection and every agent of the same root and credential. With a thousand pods in one
 * process that is thousands of parses at start-up saved. Anonymous contexts by root PEM (a process
 * knows a handful of roots); client ones weakly by credential object, so they go with it, and by the
 * chain it holds now: a renewed credential (src/pki renewal.ts) gets a new context, which replaces
 * the old one.
 */
const ANONYMOUS_CONTEXT_LIMIT = 16;
const anonymousContexts = new BoundedMap<string, SecureContext>(ANONYMOUS_CONTEXT_LIMIT);
interface ClientContext {
  readonly chainPem: string;
  readonly context: SecureContext;
}
const clientContexts = new WeakMap<Credential, Map<string, ClientContext>>();

function tlsContext(rootCaPem: string, credential: Credential | undefined): SecureContext {
  const known = credential
    ? currentContext(clientContexts.get(credential)?.get(rootCaPem), credential)
    : anonymousContexts.get(rootCaPem);
  if (known) return known;
  const context = createSecureContext({
    ca: rootCaPem,
    ...(credential ? credentialTlsOptions(credential) : {}),
    minVersion: 'TLSv1.2',
  });
  if (credential) {
    const byRoot = clientContexts.get(credential) ?? new Map<string, ClientContext>();
    byRoot.set(rootCaPem, { chainPem: credential.chainPem, context });
    clientContexts.set(credential, byRoot);
  } else {
    anonymousContexts.set(rootCaPem, context);
  }
  return context;
}

function currentContext(known: ClientContext | undefined, credential: Credential): SecureContext | undefined {
  return known && known.chainPem === credential.chainPem ? known.context : undefined;
}

/**
 * A keep-alive connection pool for one trust root and (optionally) one client identity. Each new
 * connection presents the chain the credential holds at that moment: after a renewal, connections
 * already open keep the old (still valid) certificate until they close, new ones get the new one.
 */
export function createTlsAgent(options: TlsAgentOptions): Agent {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let builtFor: string | undefined;
  let connector: buildConnector.connector | undefined;
  return new Agent({
    connect: (connectOptions, callback) => {
      const chainPem = options.credential?.chainPem;
      if (connector === undefined || chainPem !== builtFor) {
        connector = buildConnector({
          secureContext: tlsContext(options.rootCaPem, options.credential),
          ...(options.servername !== undefined ? { servername: options.servername } : {}),
          // A resumed TLS session gives the server our leaf certificate without its intermediates, and
          // BYODA servers verify the chain we send (they have only the root): always do a full
          // handshake. Keep-alive pooling keeps the number of handshakes low.
          maxCachedSessions: 0,
        });
        builtFor = chainPem;
      }
      connector(connectOptions, callback);
    },
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
}

/**
 * Send a request and parse its JSON answer. A 4xx/5xx answer throws a ByodaError with the server's code,
 * message and status; a server that cannot be reached, or answers something that is not JSON, throws
 * BYODA_ERR_UNREACHABLE (502). The caller narrows the returned `unknown`.
 */
export async function requestJson(agent: Agent, url: string | URL, options: JsonRequest): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const { status, text } = await send(agent, url, {
    method: options.method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const parsed = parseJson(text);
  if (status >= 400) throw remoteError(status, parsed, url);
  if (parsed === undefined) {
    throw new ByodaError('BYODA_ERR_UNREACHABLE', `${describe(url)} answered ${status} without a JSON body`);
  }
  return parsed;
}

/** `GET` a text resource (a PEM file); errors as for `requestJson`. */
export async function requestText(agent: Agent, url: string | URL): Promise<string> {
  const { status, text } = await send(agent, url, { method: 'GET', headers: {} });
  if (status >= 400) throw remoteError(status, parseJson(text), url);
  return text;
}

interface RawRequest {
  readonly method: JsonRequest['method'];
  readonly headers: Record<string, string>;
  readonly body?: string | undefined;
}

async function send(
  agent: Agent,
  url: string | URL,
  raw: RawRequest,
): Promise<{ status: number; text: string }> {
  try {
    const response = await request(url, {
      dispatcher: agent,
      method: raw.method,
      headers: raw.headers,
      ...(raw.body !== undefined ? { body: raw.body } : {}),
    });
    return { status: response.statusCode, text: await readBounded(response.body) };
  } catch (cause) {
    if (cause instanceof ByodaError) throw cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ByodaError('BYODA_ERR_UNREACHABLE', `cannot reach ${describe(url)}: ${reason}`, { cause });
  }
}

async function readBounded(body: AsyncIterable<Buffer | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      throw new ByodaError('BYODA_ERR_UNREACHABLE', 'the server answered with an oversized body');
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The ByodaError a server's error answer stands for; a body not in our format still keeps its status. */
function remoteError(status: number, body: unknown, url: string | URL): ByodaError {
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : undefined;
  const code =
    error && typeof error['code'] === 'string' && ERROR_CODE.test(error['code']) ? error['code'] : undefined;
  const message = error && typeof error['message'] === 'string' ? error['message'] : undefined;
  const path = error && typeof error['path'] === 'string' ? error['path'] : undefined;
  if (code !== undefined && message !== undefined) {
    // A code this version does not know is still passed on as the server said it.
    return new ByodaError(code as ErrorCode, message, { status, ...(path !== undefined ? { path } : {}) });
  }
  const fallback: ErrorCode = status >= 500 ? 'BYODA_ERR_UNREACHABLE' : 'BYODA_ERR_BAD_REQUEST';
  return new ByodaError(fallback, `${describe(url)} answered ${status}`, { status });
}

/** The origin and path of a URL, without a query string that could carry something private. */
function describe(url: string | URL): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'the server';
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
