/**
 * The owner's second factor on the web port (spec §12; docs/protocol.md "Second factor (TOTP)"), all
 * behind the owner token: `GET /api/v1/pod/totp` (its state), `POST /api/v1/pod/totp` (a new pending
 * enrolment: `{otpauth_uri, recovery_codes}`; with one enrolled, it needs `{code}`),
 * `POST /api/v1/pod/totp/confirm {code}` (enrols it) and `POST /api/v1/pod/totp/disable {code}`.
 * Every code checked here counts with the login limiter like a login, so that a stolen token cannot
 * guess its way to turning the factor off.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { ByodaError } from '../../errors/index.js';
import { clientAddress } from '../../http/index.js';
import type { PodContext } from '../context.js';
import { parseSecondFactorCode } from '../auth/totp.js';
import { refuseUnknownFields } from './login-route.js';
import { requestState } from './request-state.js';

export const TOTP_PATHS = {
  totp: '/api/v1/pod/totp',
  totpConfirm: '/api/v1/pod/totp/confirm',
  totpDisable: '/api/v1/pod/totp/disable',
} as const;

interface CodeBody {
  code?: unknown;
}

const onlyCode = refuseUnknownFields({ code: true });

export function totpRoutes(app: FastifyInstance, pod: PodContext, ownerOnly: onRequestHookHandler): void {
  app.get(TOTP_PATHS.totp, { onRequest: ownerOnly }, async () => statusJson(pod));

  app.post<{ Body: CodeBody | undefined }>(
    TOTP_PATHS.totp,
    { onRequest: ownerOnly, preValidation: onlyCode },
    async (request, reply) => {
      if (pod.secondFactor.enrolled) {
        // Re-enrolment proves the factor in force (or a recovery code, for a lost authenticator).
        const code = parseSecondFactorCode(bodyOf(request).code, 'code', true);
        const refused = await limitedCheck(pod, request, reply, () => pod.secondFactor.check(code));
        if (refused) return refused;
      }
      const enrolment = await pod.secondFactor.begin(`${pod.account.username}@${pod.fqdn}`);
      pod.logger.info('second factor enrolment begun');
      return { otpauth_uri: enrolment.otpauthUri, recovery_codes: enrolment.recoveryCodes };
    },
  );

  app.post<{ Body: CodeBody | undefined }>(
    TOTP_PATHS.totpConfirm,
    { onRequest: ownerOnly, preValidation: onlyCode },
    async (request, reply) => {
      const code = parseSecondFactorCode(bodyOf(request).code, 'code', false);
      const refused = await limitedCheck(pod, request, reply, () => pod.secondFactor.confirm(code.code));
      if (refused) return refused;
      pod.logger.info('second factor enrolled');
      return statusJson(pod);
    },
  );

  app.post<{ Body: CodeBody | undefined }>(
    TOTP_PATHS.totpDisable,
    { onRequest: ownerOnly, preValidation: onlyCode },
    async (request, reply) => {
      const code = parseSecondFactorCode(bodyOf(request).code, 'code', true);
      if (!pod.secondFactor.enrolled) {
        throw new ByodaError('BYODA_ERR_CONFLICT', 'no second factor is enrolled');
      }
      const refused = await limitedCheck(pod, request, reply, () => pod.secondFactor.check(code));
      if (refused) return refused;
      pod.secondFactor.disable();
      pod.logger.info('second factor turned off');
      return statusJson(pod);
    },
  );
}

function bodyOf(request: FastifyRequest<{ Body: CodeBody | undefined }>): CodeBody {
  const body = request.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'the body must be a JSON object {code}');
  }
  return body;
}

/**
 * Runs the code check `check` as a login attempt of the login limiter: refused (429, sent here and
 * returned) while the client waits, a failure when the code is wrong (403), cleared when it is right.
 */
async function limitedCheck(
  pod: PodContext,
  request: FastifyRequest,
  reply: FastifyReply,
  check: () => Promise<boolean>,
): Promise<FastifyReply | undefined> {
  const attempt = pod.limiter.begin(clientAddress(request.ip));
  if (!attempt.allowed) {
    const error = new ByodaError(
      'BYODA_ERR_RATE_LIMITED',
      `too many wrong codes or logins; retry in ${attempt.retryAfterSeconds} s`,
    );
    requestState(request).failure = { code: error.code, reason: error.message };
    return reply
      .code(error.status)
      .header('retry-after', String(attempt.retryAfterSeconds))
      .send(error.toJSON());
  }
  if (!(await check())) {
    throw new ByodaError('BYODA_ERR_FORBIDDEN', 'code: wrong or already used', { path: '/code' });
  }
  pod.limiter.succeeded(attempt);
  return undefined;
}

function statusJson(pod: PodContext) {
  const status = pod.secondFactor.status();
  return {
    enrolled: status.enrolled,
    pending: status.pending,
    recovery_codes_left: status.recoveryCodesLeft,
  };
}
