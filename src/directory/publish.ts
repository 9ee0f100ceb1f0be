/**
 * Publishing a registration in the zone: the A (or AAAA) record of a name and, when a port is given,
 * its SRV record `_byoda._tcp.<name>` with the name as target, which is how a peer learns the port of a
 * pod or service in local mode (docs/protocol.md, "DNS").
 */
import { byodaSrvName } from '../dns/index.js';
import type { Zone } from '../dns/index.js';
import type { RegistrationReply } from '../network/index.js';
import { addressRecord } from './inputs.js';

export function publishHost(
  zone: Zone,
  fqdn: string,
  address: string,
  port: number | undefined,
): RegistrationReply {
  zone.setAddress(fqdn, addressRecord(address));
  // Without a port the previous SRV record stays: a pod that only moved keeps its port.
  if (port !== undefined) zone.setService(byodaSrvName(fqdn), { port });
  return { fqdn, address, port: port ?? null };
}
