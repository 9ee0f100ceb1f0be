/**
 * One request through the browser proxy (docs/protocol.md "Browser proxy"): to the pod's web port over
 * TLS verified against the network root with the account FQDN as the name to check, so that the
 * proxy never hands a browser's token to anything but that pod. Only end-to-end headers a browser's
 * app needs go out (no cookies, no proxy headers the browser sent); the answer is read up to a size
 * limit and within a time limit, and passed back without hop-by-hop headers or cookies: every pod shares
 * the proxy's one origin, so a cookie of one would be sent to all.
 */
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { ByodaError } from '../errors/index.js';
import type { PodWebPort } from './pod-locator.js';

export interface ForwardLimits {
  /** Largest answer passed back, in bytes. */
  readonly maxResponseBytes: number;
  /** Milliseconds for the pod's headers, and again between the bytes of its body. */
  readonly timeoutMs: number;
}

export interface ForwardRequest {
  readonly method: string;
  /** The path on the pod, with its query string. */
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer | undefined;
  /** The browser's address, passed on as X-Forwarded-For. */
  readonly client: string;
  /** `/<account_id>`: where the pod's paths are on the proxy, passed on as X-Forwarded-Prefix. */
  readonly prefix: string;
}

export interface ForwardAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

const REQUEST_HEADERS = [
  'accept',
  'accept-language',
  'authorization',
  'cache-control',
  'content-type',
  'if-modified-since',
  'if-none-match',
  'user-agent',
] as const;

const DROPPED_ANSWER_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'proxy-authenticate',
  'set-cookie',
  'trailer',
]);

/** Keep-alive pools to pods, one per web port and name; closed with the proxy. */
export class PodPools {
  readonly #rootCaPem: string;
  readonly #pools = new Map<string, Pool>();

  constructor(rootCaPem: string) {
    this.#rootCaPem = rootCaPem;
  }

  of(pod: PodWebPort): Pool {
    const origin = `https://${pod.host.includes(':') ? `[${pod.host}]` : pod.host}:${pod.port}`;
    const key = `${origin} ${pod.fqdn}`;
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = new Pool(origin, {
        connections: 8,
        connect: { ca: this.#rootCaPem, servername: pod.fqdn, rejectUnauthorized: true },
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => undefined)));
  }
}

export async function forward(
  pool: Pool,
  pod: PodWebPort,
  request: ForwardRequest,
  limits: ForwardLimits,
): Promise<ForwardAnswer> {
  const headers: Record<string, string> = {
    host: pod.fqdn,
    'x-forwarded-for': request.client,
    'x-forwarded-prefix': request.prefix,
  };
  for (const name of REQUEST_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  let answer: Dispatcher.ResponseData;
  try {
    answer = await pool.request({
      method: request.method as Dispatcher.HttpMethod,
      path: request.path,
      headers,
      body: request.body ?? null,
      headersTimeout: limits.timeoutMs,
      bodyTimeout: limits.timeoutMs,
    });
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_UNREACHABLE', `the pod ${pod.fqdn} did not answer`, { cause });
  }
  const body = await readLimited(answer.body, limits.maxResponseBytes, pod.fqdn);
  const passed: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value !== undefined && !DROPPED_ANSWER_HEADERS.has(name.toLowerCase())) passed[name] = value;
  }
  return { status: answer.statusCode, headers: passed, body };
}

async function readLimited(
  body: Dispatcher.ResponseData['body'],
  max: number,
  fqdn: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      size += bytes.length;
      if (size > max) {
        body.destroy();
        throw new ByodaError('BYODA_ERR_ANSWER_TOO_LARGE', `the answer of ${fqdn} is over ${max} bytes`, {
          status: 502,
        });
      }
      chunks.push(bytes);
    }
  } catch (err) {
    if (err instanceof ByodaError) throw err;
    throw new ByodaError('BYODA_ERR_UNREACHABLE', `the answer of ${fqdn} broke off`, { cause: err });
  }
  return Buffer.concat(chunks);
}
