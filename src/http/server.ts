/**
 * The HTTPS server base every BYODA server (directory, service, pod) is assembled on: a fastify instance
 * with TLS, a body limit, and one error handler that turns every failure into the JSON error body of
 * spec §4 (`{error: {code, message}}`) with a fitting status. No stack trace or internal path ever
 * leaves a server; unexpected errors are logged with their stack and answered with a generic 500.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import ajvCompiler from '@fastify/ajv-compiler';
import type { BuildCompilerFromPool } from '@fastify/ajv-compiler';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { Logger } from 'pino';
import { ByodaError, isByodaError } from '../errors/index.js';
import type { ErrorCode } from '../errors/index.js';
import { observeRequest } from '../metrics/index.js';
import type { MetricsRegistry } from '../metrics/index.js';
import {
  checkRateLimit,
  DEFAULT_RATE_LIMIT,
  rateLimitedError,
  rateLimitPluginOptions,
} from './rate-limit.js';
import { compiledOnFirstUse } from './first-use.js';
import type { ClientIdentityOf, OwnerOf, RateLimitSetting } from './rate-limit.js';
import { STATUS_PATH, statusBody } from './status.js';
import type { ServerKind } from './status.js';

export interface TlsOptions {
  /** PEM private key (may be encrypted; then give `passphrase`). */
  readonly key: string;
  readonly passphrase?: string;
  /** PEM certificate chain: leaf first, then intermediates. */
  readonly cert: string;
  /** CA certificates to verify client certificates against (mutual TLS). */
  readonly ca?: string;
  /**
   * Ask clients for a certificate. The handshake still succeeds without one (or with an untrusted one)
   * so that anonymous requests reach the application, which decides (spec §6).
   */
  readonly requestCert?: boolean;
}

export interface HttpServerOptions {
  readonly tls: TlsOptions;
  readonly logger: Logger;
  /** Largest accepted request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Requests per window per client (rate-limit.ts; default DEFAULT_RATE_LIMIT); `false`: none. */
  readonly rateLimit?: RateLimitSetting;
  /** How the server knows a client by its certificate, for the rate limit's key; else by address. */
  readonly clientIdentityOf?: ClientIdentityOf;
  /** Named in the health answer (`GET /api/v1/status`, status.ts), which every server has. */
  readonly kind?: ServerKind;
  /** How the server knows its owner by a verified token, for the owner's own, higher limit. */
  readonly ownerOf?: OwnerOf;
  /**
   * Where to record request counts and latencies (src/metrics), labelled with `kind` and this FQDN;
   * none when absent (no `--metrics-listen`).
   */
  readonly metrics?: { readonly registry: MetricsRegistry; readonly fqdn: string };
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** A fastify instance serving HTTPS, as the servers build on it. */
export type HttpsApp = ReturnType<typeof createHttpsServer>;

function lazyDefaultValidators(): BuildCompilerFromPool {
  const build = ajvCompiler();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options) as FastifySchemaCompiler<unknown>;
    // Fastify reads what a validator of Ajv's has (a call, `errors`, `schemaEnv`), which ours has too.
    return compiledOnFirstUse(compile) as unknown as ReturnType<BuildCompilerFromPool>;
  };
}

export function createHttpsServer(options: HttpServerOptions) {
  const { tls } = options;
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    https: {
      key: tls.key,
      ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
      cert: tls.cert,
      ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
      requestCert: tls.requestCert ?? false,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    // Keep-alive for pod-to-pod pools; close idle sockets eventually.
    keepAliveTimeout: 30_000,
    // Route params such as service ids are validated by the routes themselves.
    routerOptions: { ignoreTrailingSlash: true },
    // Refusals fastify makes before any route runs (a malformed or oversized URL, bytes that are not
    // HTTP) get the same JSON error body as every other refusal.
    frameworkErrors: handleError,
    clientErrorHandler: answerClientError,
    // Fastify's own validator compiler (its Ajv and settings), each route's schemas compiled on the
    // route's first request instead of all at the start (first-use.ts). Given as a factory, fastify
    // counts it as a custom compiler, which only means that it would not lower-case the property
    // names of a `headers` schema: no route has one. The directory and the service set their own.
    schemaController: { compilersFactory: { buildValidator: lazyDefaultValidators() } },
  });
  app.setErrorHandler(handleError);
  app.addHook('onSend', errorBodyWhenEmpty);
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  if (rateLimit !== false) {
    // One root hook rather than the plugin's per-route hooks: those are added only to routes declared
    // after the plugin has loaded, while this one covers every route, the 404 handler and WebSocket
    // upgrades, whenever they were declared. The plugin's decorator exists once it has loaded, so the
    // check is made at the first request.
    const limit = checkRateLimit(rateLimit);
    void app.register(
      fastifyRateLimit,
      rateLimitPluginOptions(limit, options.clientIdentityOf, options.ownerOf),
    );
    let check: ReturnType<typeof app.createRateLimit> | undefined;
    app.addHook('onRequest', async (request, reply) => {
      check ??= app.createRateLimit();
      const counter = check;
      const outcome = await counter(request);
      if (outcome.isAllowed || !outcome.isExceeded) {
        // A WebSocket upgrade carries operations for as long as it stays open: each counts too.
        furtherOperations.set(request.raw, async () => {
          const next = await counter(request);
          return next.isAllowed || !next.isExceeded
            ? undefined
            : rateLimitedError(limit, next.ttlInSeconds, next.max);
        });
        return;
      }
      void reply.header('retry-after', String(outcome.ttlInSeconds));
      throw rateLimitedError(limit, outcome.ttlInSeconds, outcome.max);
    });
  }
  const metrics = options.metrics;
  if (metrics) {
    // One counter and one histogram sample per answer, under the route's template (fastify's
    // `routeOptions.url`; undefined for the 404 handler), so random paths cannot grow the label set.
    const labels = { server: options.kind ?? 'https', fqdn: metrics.fqdn };
    app.addHook('onResponse', (request, reply, done) => {
      observeRequest(metrics.registry, labels, {
        method: request.method,
        route: request.routeOptions.url,
        status: reply.statusCode,
        seconds: reply.elapsedTime / 1000,
      });
      done();
    });
  }
  const startedAt = Date.now();
  // Health answers describe this moment: never from a cache.
  app.get(STATUS_PATH, (_request, reply) => {
    void reply.header('cache-control', 'no-store').send(statusBody(options.kind, startedAt));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send(new ByodaError('BYODA_ERR_NOT_FOUND', `no route for ${request.method} ${request.url}`).toJSON());
  });
  return app;
}

/** Per request (its raw message), how to count one more operation under the same client's limit. */
const furtherOperations = new WeakMap<object, () => Promise<ByodaError | undefined>>();

/**
 * Counts one more operation of a long-lived request (a graphql-ws subscribe message on an upgraded
 * WebSocket) under the client's rate limit: the refusal to send back, or undefined when allowed (also
 * on a server without a limit).
 */
export async function countFurtherOperation(request: FastifyRequest): Promise<ByodaError | undefined> {
  return furtherOperations.get(request.raw)?.();
}

/**
 * A refusal some library answered without a body (graphql-http's 406 and 415, for one) gets the JSON
 * error body of spec §4, so that every 4xx and 5xx names its code. A callback hook, not an async one:
 * it runs within `reply.send`, so a handler that sends without returning the reply (graphql-http's)
 * is not answered twice.
 */
function errorBodyWhenEmpty(
  _request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: null, payload: unknown) => void,
): void {
  const empty =
    payload === undefined ||
    payload === null ||
    payload === '' ||
    (Buffer.isBuffer(payload) && payload.length === 0);
  if (reply.statusCode < 400 || !empty) return done(null, payload);
  const status = reply.statusCode;
  const code = status >= 500 ? 'BYODA_ERR_INTERNAL' : 'BYODA_ERR_BAD_REQUEST';
  void reply.header('content-type', 'application/json; charset=utf-8');
  const error = new ByodaError(code, STATUS_CODES[status] ?? `status ${status}`, { status });
  done(null, JSON.stringify(error.toJSON()));
}

/**
 * Bytes that are not an HTTP request the parser accepts (a header section over the size limit, a
 * broken request line or chunk) never reach fastify's routing: answered here, on the socket, with the
 * JSON error body, then the connection is closed as the parser cannot find the next request.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, ErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'BYODA_ERR_TOO_LARGE', 'request header fields too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'BYODA_ERR_BAD_REQUEST', 'request timeout']
        : [400, 'BYODA_ERR_BAD_REQUEST', 'malformed HTTP request'];
  const body = JSON.stringify(new ByodaError(code, message, { status }).toJSON());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Maps any error thrown by a route or by fastify itself to the JSON error body. */
function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const byoda = toByodaError(error);
  if (byoda.status >= 500) {
    request.log.error({ err: error }, 'request failed');
  } else {
    request.log.info({ code: byoda.code, status: byoda.status, reason: byoda.message }, 'request refused');
  }
  void reply.code(byoda.status).send(byoda.toJSON());
}

/** Translates fastify's own errors (validation, body parsing, size) into ByodaErrors. */
export function toByodaError(error: FastifyError | Error): ByodaError {
  if (isByodaError(error)) return error;
  const fe = error as FastifyError;
  if (fe.validation && fe.validation.length > 0) {
    const first = fe.validation[0];
    const params = (first?.params ?? {}) as Record<string, unknown>;
    const missing = typeof params['missingProperty'] === 'string' ? `/${params['missingProperty']}` : '';
    const extra = typeof params['additionalProperty'] === 'string' ? `/${params['additionalProperty']}` : '';
    const where = `${fe.validationContext ?? 'body'}${first?.instancePath ?? ''}${missing}${extra}`;
    return new ByodaError('BYODA_ERR_BAD_REQUEST', `invalid ${where}: ${first?.message ?? 'bad value'}`, {
      status: 400,
      path: where,
    });
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ByodaError('BYODA_ERR_TOO_LARGE', 'request body too large', { status: 413 });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ByodaError('BYODA_ERR_BAD_REQUEST', 'unsupported content type', { status: 415 });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ByodaError('BYODA_ERR_BAD_REQUEST', 'empty JSON body', { status: 400 });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ByodaError('BYODA_ERR_BAD_REQUEST', 'invalid content length', { status: 400 });
    default:
      break;
  }
  if (error instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new ByodaError('BYODA_ERR_BAD_REQUEST', 'request body is not valid JSON', { status: 400 });
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new ByodaError('BYODA_ERR_BAD_REQUEST', fe.message, { status: fe.statusCode });
  }
  return new ByodaError('BYODA_ERR_INTERNAL', 'internal error', { status: 500 });
}
