/**
 * The operator's metrics endpoint: `GET /metrics` on a listener of its own (`--metrics-listen
 * HOST:PORT`), never on a server's public ports. Plain HTTP, as Prometheus scrapes by default: it is
 * meant for loopback or a private interface. With a token (`--metrics-token-file`) every scrape must
 * send `Authorization: Bearer <token>`; a listener on any address other than loopback must have one,
 * so that no misconfiguration publishes the metrics to whoever can reach the host.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { ByodaError } from '../errors/index.js';
import type { MetricsRegistry } from './metrics-registry.js';

export const METRICS_PATH = '/metrics';

export interface MetricsListenOptions {
  /** An IP address (127.0.0.1 unless the operator scrapes from elsewhere). */
  readonly host: string;
  /** 0: a free one. */
  readonly port: number;
  readonly metrics: MetricsRegistry;
  /** The bearer token scrapes must send; required unless `host` is a loopback address. */
  readonly token?: string;
  readonly logger?: Logger;
}

export interface MetricsListener {
  /** `http://HOST:PORT/metrics` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsListener(options: MetricsListenOptions): Promise<MetricsListener> {
  checkListenOptions(options);
  const expected = options.token !== undefined ? digest(options.token) : undefined;
  const server = createServer((request, response) => {
    void answer(request, response, options.metrics, expected).catch((err: unknown) => {
      options.logger?.error({ err }, 'metrics scrape failed');
      if (!response.headersSent) {
        sendError(response, new ByodaError('BYODA_ERR_INTERNAL', 'metrics could not be collected'));
      } else {
        response.destroy();
      }
    });
  });
  // Scrapes are small GETs: nothing needs a long header section or a slow client.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await listen(server, options.host, options.port);
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : options.port;
  const hostPart = isIP(options.host) === 6 ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostPart}:${port}${METRICS_PATH}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Throws BYODA_ERR_CONFIG for a host that is not an IP address or a public listener without a token. */
export function checkListenOptions(options: Pick<MetricsListenOptions, 'host' | 'token'>): void {
  if (isIP(options.host) === 0) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `--metrics-listen: the host must be an IP address, not '${options.host}'`,
    );
  }
  if (options.token === '')
    throw new ByodaError('BYODA_ERR_CONFIG', '--metrics-token-file: the token is empty');
  if (options.token === undefined && !isLoopback(options.host)) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `--metrics-listen: ${options.host} is not a loopback address; give --metrics-token-file so that only the operator can scrape`,
    );
  }
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  metrics: MetricsRegistry,
  expected: Buffer | undefined,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (path !== METRICS_PATH) {
    return sendError(
      response,
      new ByodaError('BYODA_ERR_NOT_FOUND', `no route for ${request.method} ${path}`),
    );
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    return sendError(
      response,
      new ByodaError('BYODA_ERR_BAD_REQUEST', `${request.method} is not allowed on ${METRICS_PATH}`, {
        status: 405,
      }),
    );
  }
  if (expected !== undefined && !authorized(request.headers.authorization, expected)) {
    response.setHeader('www-authenticate', 'Bearer realm="byoda-metrics"');
    return sendError(
      response,
      new ByodaError('BYODA_ERR_UNAUTHORIZED', 'the metrics need the operator’s bearer token'),
    );
  }
  const text = await metrics.metrics();
  response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
  response.end(request.method === 'HEAD' ? undefined : text);
}

/** Compares digests, so that the time taken says nothing about the token or its length. */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer (\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  return timingSafeEqual(digest(match[1]), expected);
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function sendError(response: ServerResponse, error: ByodaError): void {
  response.writeHead(error.status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(error.toJSON()));
}

function isLoopback(host: string): boolean {
  return host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (cause: Error): void =>
      reject(
        new ByodaError('BYODA_ERR_CONFIG', `cannot listen for metrics on ${host} port ${port}`, { cause }),
      );
    server.once('error', failed);
    server.listen({ host, port }, () => {
      server.off('error', failed);
      resolve();
    });
  });
}
