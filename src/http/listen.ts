/** Where a started server listens, the same way for the directory, the service and the pod. */
import { isIP } from 'node:net';
import { ByodaError } from '../errors/index.js';
import type { HttpsApp } from './server.js';

/** Hosts that mean "every interface": no address anyone could connect to. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** The HTTPS URL of `host` and `port` (an IPv6 address in brackets). */
export function httpsUrl(host: string, port: number): string {
  return `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** The TCP port a listening app is bound to (the one the OS chose for port 0). */
export function listeningPort(app: HttpsApp): number {
  const bound = app.server.address();
  if (bound === null || typeof bound === 'string') {
    throw new ByodaError('BYODA_ERR_INTERNAL', 'the server is not listening on a port');
  }
  return bound.port;
}

/**
 * The address to publish at the directory for a server listening on `host`: `host` itself when it is
 * one IP address, else none (a wildcard or a name), and the directory takes the caller's address.
 */
export function publishableAddress(host: string): string | undefined {
  return isIP(host) && !WILDCARD_HOSTS.has(host) ? host : undefined;
}
