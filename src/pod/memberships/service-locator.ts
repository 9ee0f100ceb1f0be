/**
 * Finding a service (spec §2): `service.service-<id>.<net>` through the directory's DNS server only,
 * its address from the A (else AAAA) records and its port from the SRV record `_byoda._tcp.<fqdn>`
 * (docs/protocol.md, "DNS"): in local mode every server has a port of its own on 127.0.0.1. Without an
 * SRV record the service is on the HTTPS port, 443.
 */
import { isIP } from 'node:net';
import { byodaSrvName } from '../../dns/index.js';
import type { DnsResolver } from '../../dns/index.js';
import { ByodaError } from '../../errors/index.js';
import { serviceFqdn } from '../../pki/index.js';

const DEFAULT_HTTPS_PORT = 443;

export interface ServiceLocation {
  readonly fqdn: string;
  /** `https://<address>:<port>`; connect with servername = `fqdn`. */
  readonly url: string;
}

export async function locateService(
  resolver: DnsResolver,
  network: string,
  serviceId: number,
): Promise<ServiceLocation> {
  const fqdn = serviceFqdn(network, serviceId);
  const [v4, srv] = await Promise.all([
    resolver.resolveA(fqdn).catch(notFoundAsService(serviceId)),
    resolver.resolveSrv(byodaSrvName(fqdn)).catch(() => []),
  ]);
  const address = v4[0] ?? (await resolver.resolveAaaa(fqdn).catch(notFoundAsService(serviceId)))[0];
  if (address === undefined) {
    throw new ByodaError('BYODA_ERR_NOT_FOUND', `service ${serviceId} has no address in the network's DNS`);
  }
  const port = srv[0]?.port ?? DEFAULT_HTTPS_PORT;
  const host = isIP(address) === 6 ? `[${address}]` : address;
  return { fqdn, url: `https://${host}:${port}` };
}

function notFoundAsService(serviceId: number): (err: unknown) => never {
  return (err) => {
    if (err instanceof ByodaError && err.status === 404) {
      throw new ByodaError('BYODA_ERR_NOT_FOUND', `service ${serviceId} is not registered in this network`, {
        cause: err,
      });
    }
    throw err;
  };
}
