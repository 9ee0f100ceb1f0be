/**
 * Who is asking the directory: the verified identity of the client certificate (src/http's
 * client-identity.ts verifies chains to the network root, also for resumed TLS sessions), or none.
 * Here it becomes the directory's `Requester` and the label of the request's log line.
 */
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { createClientIdentityVerifier } from '../http/index.js';
import type { PkiIdentity } from '../pki/index.js';
import { describeRequester } from './authorization.js';
import type { Requester } from './authorization.js';

export interface RequesterResolver {
  /** The verified identity, or undefined for no certificate; 401 for one that does not verify. */
  readonly requesterOf: (request: FastifyRequest) => Promise<Requester>;
  /** For the log line: who the request's client was, if the route asked. */
  readonly labelOf: (request: FastifyRequest) => string;
  /** Verify each client chain at its full handshake, while the intermediates are still at hand. */
  readonly watch: (server: TlsServer) => void;
}

export function createRequesterResolver(
  rootCaPem: string,
  isRevoked?: (identity: PkiIdentity) => Promise<boolean>,
): RequesterResolver {
  const clients = createClientIdentityVerifier(rootCaPem, isRevoked ? { isRevoked } : {});
  const labels = new WeakMap<FastifyRequest, string>();

  const requesterOf = async (request: FastifyRequest): Promise<Requester> => {
    try {
      const requester = await clients.identityOf(request.raw.socket as TLSSocket);
      labels.set(request, describeRequester(requester));
      return requester;
    } catch (err) {
      labels.set(request, 'invalid-certificate');
      throw err;
    }
  };

  return {
    requesterOf,
    labelOf: (request) => labels.get(request) ?? '-',
    watch: clients.watch,
  };
}
