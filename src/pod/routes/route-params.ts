/**
 * The `service-<service_id>` path segment of the pod's routes (spec §4). A service id is written in
 * decimal without leading zeros (docs/protocol.md, "PKI"), so each membership has exactly one path.
 */
import { ByodaError } from '../../errors/index.js';
import { isServiceId } from '../../pki/index.js';

export interface ServiceParams {
  readonly serviceId: string;
}

export function parseServiceIdParam(text: string): number {
  const value = /^(0|[1-9]\d{0,9})$/.test(text) ? Number(text) : NaN;
  if (!isServiceId(value)) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', `'service-${text}' does not name a service id`, {
      path: 'params/serviceId',
    });
  }
  return value;
}
