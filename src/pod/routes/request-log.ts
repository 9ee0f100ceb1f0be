/**
 * One log line per request (docs/design: "one line per request with requester kind and outcome"): the
 * port, what was asked, who asked (the requester kind, and the member id for members), the status and,
 * for a refusal, the error code and reason; for GraphQL, the codes of the errors in the answer.
 * Fastify's own two lines per request are silenced by giving it a logger at `warn`.
 *
 * Off the hot path: a request answered with success (below 400) is logged at `debug`, so that a busy
 * pod at the default `info` level writes a line only for what was refused or failed (the lines that
 * matter for security and debugging); BYODA_LOG_LEVEL=debug brings every request back. A line is not
 * even assembled when its level is off.
 */
import type { Logger } from 'pino';
import { toByodaError } from '../../http/index.js';
import type { HttpsApp } from '../../http/index.js';
import { requestState } from './request-state.js';

export type PortName = 'web' | 'member';

export function addRequestLog(app: HttpsApp, logger: Logger, port: PortName): void {
  app.addHook('onError', async (request, _reply, error) => {
    const byoda = toByodaError(error);
    requestState(request).failure = { code: byoda.code, reason: byoda.message };
  });
  app.addHook('onResponse', async (request, reply) => {
    const { requester, failure, graphqlErrors } = requestState(request);
    const refused = failure !== undefined || (graphqlErrors !== undefined && graphqlErrors.length > 0);
    const level = requestLogLevel(reply.statusCode, refused);
    if (!logger.isLevelEnabled(level)) return;
    logger[level](
      {
        port,
        req_id: request.id,
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        // Refused before anyone was identified (a bad token, an unknown membership).
        requester: requester?.kind ?? 'unidentified',
        ...(requester?.kind === 'member' ? { member_id: requester.memberId } : {}),
        ...(failure ? { code: failure.code, reason: failure.reason } : {}),
        ...(graphqlErrors && graphqlErrors.length > 0 ? { graphql_errors: graphqlErrors } : {}),
      },
      'request',
    );
  });
}

/** `debug` for a success, `info` for a refusal or failure (also GraphQL errors in a 200 answer). */
export function requestLogLevel(status: number, refused: boolean): 'debug' | 'info' {
  return status < 400 && !refused ? 'debug' : 'info';
}

/** A child of `logger` for fastify itself: no per-request info lines, warnings and errors kept. */
export function quietFastifyLogger(logger: Logger): Logger {
  const warn = logger.levels.values['warn'] ?? 40;
  const current = logger.levels.values[logger.level] ?? Number.POSITIVE_INFINITY;
  return logger.child({}, { level: current > warn ? logger.level : 'warn' });
}
