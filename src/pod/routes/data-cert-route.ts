/**
 * `GET /api/v1/pod/data-cert/service-<service_id>` (spec §4, §9), public on both ports: the
 * membership's data cert chain (PEM, leaf first, no root), with which anyone verifies data and origin
 * signatures of this member up to the network root.
 *
 * `?x5t=<thumbprint>` asks for the data cert of that `x5t#S256` (docs/protocol.md, "Key rotation"):
 * the current one, or the one the last key rotation replaced, which signatures made before it name;
 * 404 for any other.
 */
import type { FastifyInstance } from 'fastify';
import { ByodaError } from '../../errors/index.js';
import { certThumbprint, isThumbprint } from '../../pki/index.js';
import type { PodContext } from '../context.js';
import { ANONYMOUS } from '../auth/requester.js';
import type { Membership } from '../memberships/membership.js';
import { requestState } from './request-state.js';
import { parseServiceIdParam } from './route-params.js';
import type { ServiceParams } from './route-params.js';

export const DATA_CERT_PATH = '/api/v1/pod/data-cert/service-:serviceId';

const PEM_TYPE = 'application/x-pem-file';

export function dataCertRoute(app: FastifyInstance, pod: PodContext): void {
  app.get<{ Params: ServiceParams; Querystring: Record<string, unknown> }>(
    DATA_CERT_PATH,
    async (request, reply) => {
      // Public: nobody needs to be identified, and the log line says so.
      requestState(request).requester ??= ANONYMOUS;
      const membership = pod.memberships.require(parseServiceIdParam(request.params.serviceId));
      const x5t = thumbprintParam(request.query);
      return reply
        .type(PEM_TYPE)
        .send(x5t === undefined ? membership.data.chainPem : chainOf(membership, x5t));
    },
  );
}

/** `x5t`, when given: exactly one SHA-256 thumbprint. */
function thumbprintParam(query: Record<string, unknown>): string | undefined {
  const value = query['x5t'];
  if (value === undefined) return undefined;
  if (!isThumbprint(value)) {
    throw new ByodaError(
      'BYODA_ERR_BAD_REQUEST',
      'x5t must be one SHA-256 certificate thumbprint (43 base64url characters)',
      { path: 'querystring/x5t' },
    );
  }
  return value;
}

function chainOf(membership: Membership, x5t: string): string {
  const { chainPem } = membership.data;
  if (certThumbprint(chainPem) === x5t) return chainPem;
  const previous = membership.previousDataChain;
  if (previous !== undefined && certThumbprint(previous) === x5t) return previous;
  throw new ByodaError(
    'BYODA_ERR_NOT_FOUND',
    `member ${membership.memberId} has no data certificate of thumbprint ${x5t}`,
  );
}
