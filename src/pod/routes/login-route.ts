/**
 * The owner's login (spec §10): `POST /api/v1/pod/authtoken` with `{username, password}` and, once the
 * owner has enrolled a second factor (spec §12, second-factor.ts), `totp`: the authenticator's 6-digit
 * code or a recovery code (ignored, but still checked for its form, while none is enrolled) for a
 * short-lived JWT. Guessing is limited by src/pod/auth/login-limiter.ts: the attempt is counted before
 * the password is hashed, a wrong code is a failed login like a wrong password, and a refusal is a 429
 * with `Retry-After`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ByodaError } from '../../errors/index.js';
import { clientAddress } from '../../http/index.js';
import type { PodContext } from '../context.js';
import { MAX_PASSWORD_LENGTH, verifyPassword } from '../auth/password.js';
import { parseSecondFactorCode } from '../auth/totp.js';
import { requestState } from './request-state.js';
import { startSession } from './session-routes.js';

export const AUTH_TOKEN_PATH = '/api/v1/pod/authtoken';

interface LoginBody {
  username: string;
  password: string;
  totp?: string;
}

const loginBodySchema = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH },
    totp: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;

export function loginRoute(app: FastifyInstance, pod: PodContext): void {
  app.post<{ Body: LoginBody }>(
    AUTH_TOKEN_PATH,
    { schema: { body: loginBodySchema }, preValidation: refuseUnknownFields(loginBodySchema.properties) },
    (request, reply) => login(pod, request, reply),
  );
}

/**
 * Fastify's validator drops properties a schema does not list (`removeAdditional`) instead of failing,
 * which would let a misspelt field pass unnoticed; this refuses them first, naming the field.
 */
export function refuseUnknownFields(properties: Record<string, unknown>) {
  return async (request: FastifyRequest): Promise<void> => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
    const unknown = Object.keys(body).find((name) => !Object.hasOwn(properties, name));
    if (unknown !== undefined) {
      throw new ByodaError('BYODA_ERR_BAD_REQUEST', `invalid body/${unknown}: unknown field`, {
        status: 400,
        path: `body/${unknown}`,
      });
    }
  };
}

/**
 * Username and password (and code) for a token. The password is hashed even for a wrong username, so
 * that timing does not tell which usernames exist. With a second factor enrolled, a login without a
 * code is answered BYODA_ERR_TOTP_REQUIRED whether the password was right or not, and a wrong password
 * or code gets one and the same answer: the password alone is then never confirmed to anyone.
 */
async function login(
  pod: PodContext,
  request: FastifyRequest<{ Body: LoginBody }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { username, password } = request.body;
  const code =
    request.body.totp === undefined ? undefined : parseSecondFactorCode(request.body.totp, 'totp', true);
  const state = requestState(request);
  state.requester = { kind: 'anonymous' };
  const attempt = pod.limiter.begin(clientAddress(request.ip));
  if (!attempt.allowed) {
    const whose = attempt.by === 'client' ? 'from this address' : 'for this account';
    const error = new ByodaError(
      'BYODA_ERR_RATE_LIMITED',
      `too many failed logins ${whose}; retry in ${attempt.retryAfterSeconds} s`,
    );
    state.failure = { code: error.code, reason: error.message };
    return reply
      .code(error.status)
      .header('retry-after', String(attempt.retryAfterSeconds))
      .send(error.toJSON());
  }
  const passwordMatches = await verifyPassword(password, pod.account.passwordHash);
  const passwordRight = passwordMatches && username === pod.account.username;
  if (pod.secondFactor.enrolled) {
    // Counted as a failure by begin(): otherwise this answer would be a free password oracle.
    if (code === undefined) {
      throw new ByodaError(
        'BYODA_ERR_TOTP_REQUIRED',
        'this account has a second factor: give totp, the 6-digit code of its authenticator or a recovery code',
      );
    }
    // The code is checked (and spent) only with the right password.
    if (!passwordRight || !(await pod.secondFactor.check(code))) {
      throw new ByodaError('BYODA_ERR_UNAUTHORIZED', 'wrong username, password or code');
    }
  } else if (!passwordRight) {
    throw new ByodaError('BYODA_ERR_UNAUTHORIZED', 'wrong username or password');
  }
  pod.limiter.succeeded(attempt);
  state.requester = { kind: 'owner' };
  return reply.send(await startSession(pod, request));
}
