/**
 * One log line per request (docs/design: "one line per request with requester kind and outcome"): who
 * asked, what, the status and, for a refusal, the error code and reason. Fastify's own two lines per
 * request are silenced by giving it a logger at `warn` (see `quietFastifyLogger`); its error logs for
 * 5xx answers still come through.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ByodaError } from '../errors/index.js';
import type { Logger } from 'pino';
import { toByodaError } from '../http/index.js';
import type { HttpsApp } from '../http/index.js';

const requesters = new WeakMap<FastifyRequest, string>();
const failures = new WeakMap<FastifyRequest, { code: string; reason: string }>();
const notes = new WeakMap<FastifyRequest, Readonly<Record<string, string>>>();

/** Record who is asking (a verified CN, or what was refused), for the request's log line. */
export function setRequester(request: FastifyRequest, requester: string): void {
  requesters.set(request, requester);
}

/** Add facts to the request's log line (e.g. the certificate issued), instead of a line of their own. */
export function noteOnRequest(request: FastifyRequest, facts: Readonly<Record<string, string>>): void {
  notes.set(request, { ...notes.get(request), ...facts });
}

/**
 * Answer with `error` without throwing it: for an expected 5xx (501 "not yet") that should be one log
 * line like a refusal, not an error report with a stack.
 */
export function replyWithError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: ByodaError,
): FastifyReply {
  failures.set(request, { code: error.code, reason: error.message });
  return reply.code(error.status).send(error.toJSON());
}

/** Adds the hooks to the root instance, so that every request (404s included) gets its line. */
export function addRequestLog(app: HttpsApp, logger: Logger): void {
  app.addHook('onError', async (request, _reply, error) => {
    const byoda = toByodaError(error);
    failures.set(request, { code: byoda.code, reason: byoda.message });
  });
  app.addHook('onResponse', async (request, reply) => {
    const failure = failures.get(request);
    logger.info(
      {
        req_id: request.id,
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        requester: requesters.get(request) ?? 'anonymous',
        ...notes.get(request),
        ...(failure ? { code: failure.code, reason: failure.reason } : {}),
      },
      'request',
    );
  });
}

/** A child of `logger` for fastify itself: no per-request info lines, warnings and errors kept. */
export function quietFastifyLogger(logger: Logger): Logger {
  const warn = logger.levels.values['warn'] ?? 40;
  const current = logger.levels.values[logger.level] ?? Number.POSITIVE_INFINITY;
  return logger.child({}, { level: current > warn ? logger.level : 'warn' });
}
