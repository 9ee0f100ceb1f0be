/**
 * The owner's sessions on the web port (docs/protocol.md "Owner sessions"), all behind the owner token:
 * `POST /api/v1/pod/authtoken/renew` (a fresh token of the same session, before the current one
 * expires, so that an app need not keep the password), `DELETE /api/v1/pod/authtoken` (log out: ends
 * the token's session), `GET /api/v1/pod/sessions` (the active ones) and
 * `DELETE /api/v1/pod/sessions/<id>` (ends one). An ended session's tokens are refused at once
 * (owner-token.ts asks the sessions on every request).
 */
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { ByodaError } from '../../errors/index.js';
import { clientAddress } from '../../http/index.js';
import { bearerToken } from '../auth/owner-token.js';
import type { SessionRecord } from '../auth/owner-sessions.js';
import type { PodContext } from '../context.js';

export const SESSION_PATHS = {
  renew: '/api/v1/pod/authtoken/renew',
  logout: '/api/v1/pod/authtoken',
  sessions: '/api/v1/pod/sessions',
  session: '/api/v1/pod/sessions/:sessionId',
} as const;

export interface TokenAnswer {
  readonly auth_token: string;
  readonly expires_at: string;
  readonly session_id: string;
}

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A new session for a login that succeeded, and its first token. */
export async function startSession(pod: PodContext, request: FastifyRequest): Promise<TokenAnswer> {
  const expiresAt = pod.tokens.nextExpiry();
  const session = pod.sessions.start(
    { client: clientAddress(request.ip), userAgent: request.headers['user-agent'] },
    expiresAt.getTime(),
  );
  return tokenAnswer(pod, session);
}

export function sessionRoutes(app: FastifyInstance, pod: PodContext, ownerOnly: onRequestHookHandler): void {
  app.post(SESSION_PATHS.renew, { onRequest: ownerOnly }, async (request) => {
    refuseBody(request);
    const sessionId = await sessionOf(pod, request);
    const renewed = pod.sessions.renew(sessionId, pod.tokens.nextExpiry().getTime());
    if (!renewed) {
      // Past its last renewal (MAX_SESSION_AGE_MS): the token still works until it expires.
      throw new ByodaError('BYODA_ERR_UNAUTHORIZED', 'this session cannot be renewed any more: log in again');
    }
    // The token renewed is left to expire (within the hour): a renewal answer lost on its way must
    // not lock the app out. Logging out ends both.
    return tokenAnswer(pod, renewed);
  });

  app.delete(SESSION_PATHS.logout, { onRequest: ownerOnly }, async (request, reply) => {
    refuseBody(request);
    pod.sessions.revoke(await sessionOf(pod, request));
    pod.logger.info('owner logged out');
    return reply.code(204).send();
  });

  app.get(SESSION_PATHS.sessions, { onRequest: ownerOnly }, async (request) => {
    const current = await sessionOf(pod, request);
    return { sessions: pod.sessions.list().map((session) => sessionJson(session, current)) };
  });

  app.delete<{ Params: { sessionId: string } }>(
    SESSION_PATHS.session,
    { onRequest: ownerOnly },
    async (request, reply) => {
      refuseBody(request);
      const { sessionId } = request.params;
      if (!SESSION_ID.test(sessionId)) {
        throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'sessionId: must be a session id (a lowercase UUID)', {
          status: 400,
          path: 'params/sessionId',
        });
      }
      if (!pod.sessions.revoke(sessionId)) {
        throw new ByodaError('BYODA_ERR_NOT_FOUND', `sessionId: no active session ${sessionId}`, {
          path: 'params/sessionId',
        });
      }
      pod.logger.info({ session_id: sessionId }, 'owner session ended');
      return reply.code(204).send();
    },
  );
}

async function tokenAnswer(pod: PodContext, session: SessionRecord): Promise<TokenAnswer> {
  const { token, expiresAt } = await pod.tokens.issue(session.sessionId, new Date(session.expiresAtMs));
  return { auth_token: token, expires_at: expiresAt.toISOString(), session_id: session.sessionId };
}

/** The session of the request's token (which the owner guard has verified). */
async function sessionOf(pod: PodContext, request: FastifyRequest): Promise<string> {
  const token = bearerToken(request.headers.authorization);
  const claims = token === null ? undefined : await pod.tokens.verify(token);
  if (claims?.sessionId === undefined) {
    throw new ByodaError('BYODA_ERR_UNAUTHORIZED', 'the owner token names no session');
  }
  return claims.sessionId;
}

/** These take no body; one sent is a client's mistake worth telling (e.g. a login sent to /renew). */
function refuseBody(request: FastifyRequest): void {
  const body = request.body;
  if (body === undefined || body === null) return;
  if (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return;
  throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'body: this request takes no body', {
    status: 400,
    path: 'body',
  });
}

function sessionJson(session: SessionRecord, current: string) {
  return {
    session_id: session.sessionId,
    created_at: new Date(session.createdAtMs).toISOString(),
    renewed_at: new Date(session.renewedAtMs).toISOString(),
    expires_at: new Date(session.expiresAtMs).toISOString(),
    client: session.client,
    user_agent: session.userAgent,
    current: session.sessionId === current,
  };
}
