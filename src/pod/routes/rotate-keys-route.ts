/**
 * `POST /api/v1/pod/rotate-keys` (owner token, web port only; docs/protocol.md "Key rotation"): new
 * keys for the account's certificates and for every membership's, or for the one of
 * `{"service_id": S}`. Answers `{rotated: [{name, not_after}]}` once every new certificate is in use.
 */
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { ByodaError } from '../../errors/index.js';
import { isServiceId } from '../../pki/index.js';
import type { PodContext } from '../context.js';

export const ROTATE_KEYS_PATH = '/api/v1/pod/rotate-keys';

export function rotateKeysRoute(
  app: FastifyInstance,
  pod: PodContext,
  ownerOnly: onRequestHookHandler,
): void {
  app.post(ROTATE_KEYS_PATH, { onRequest: ownerOnly }, async (request) => {
    const serviceId = readRotationBody(request.body);
    const rotation = pod.keyRotation;
    if (!rotation) {
      throw new ByodaError('BYODA_ERR_CONFLICT', 'the pod is starting or stopping: rotate its keys later');
    }
    const rotated = await rotation.rotate(serviceId);
    pod.logger.info({ certificates: rotated.map((r) => r.name) }, 'keys rotated');
    return { rotated: rotated.map((r) => ({ name: r.name, not_after: r.notAfter })) };
  });
}

/** The body `{service_id?}` (none at all is `{}`); the service id, when given. */
export function readRotationBody(body: unknown): number | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'the body must be a JSON object {"service_id"?: number}', {
      path: 'body',
    });
  }
  const fields = body as Readonly<Record<string, unknown>>;
  const unknown = Object.keys(fields).find((key) => key !== 'service_id');
  if (unknown !== undefined) {
    throw new ByodaError(
      'BYODA_ERR_BAD_REQUEST',
      `unknown field ${JSON.stringify(unknown)}: only service_id`,
      {
        path: `body/${unknown}`,
      },
    );
  }
  const serviceId = fields['service_id'];
  if (serviceId === undefined) return undefined;
  if (typeof serviceId !== 'number' || !isServiceId(serviceId)) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'service_id must be a service id (a whole number)', {
      path: 'body/service_id',
    });
  }
  return serviceId;
}
