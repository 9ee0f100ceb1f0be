/**
 * Who is asking: the client certificate chain a TLS client presented, verified to the network root.
 * The TLS layer accepts any certificate or none (src/http), so this check is what makes a certificate
 * count; the handshake has already proved that the client holds the leaf's key.
 *
 * Resumed TLS sessions carry only the client's leaf certificate, not its intermediates, so a chain
 * cannot be verified on them. Hence chains are verified at each full handshake (`watch`), and every
 * leaf that verified is remembered by its SHA-256 fingerprint until it expires: a certificate that
 * verified once stays valid (the network has no revocation), so a resumed session, which is bound to
 * the handshake that created it, is recognised by its leaf.
 */
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ByodaError } from '../errors/index.js';
import { peerCertificateChainOf } from '../http/index.js';
import { verifyChain } from '../pki/index.js';
import type { PkiIdentity } from '../pki/index.js';
import { describeRequester } from './authorization.js';
import type { Requester } from './authorization.js';

/** Verified leaves kept; beyond this the oldest is forgotten (and verified again if it returns). */
const MAX_REMEMBERED_LEAVES = 10_000;

export interface RequesterResolver {
  /** The verified identity, or undefined for no certificate; 401 for one that does not verify. */
  readonly requesterOf: (request: FastifyRequest) => Promise<Requester>;
  /** For the log line: who the request's client was, if the route asked. */
  readonly labelOf: (request: FastifyRequest) => string;
  /** Verify each client chain at its full handshake, while the intermediates are still at hand. */
  readonly watch: (server: TlsServer) => void;
}

interface Remembered {
  /** Pending while the first handshake's verification runs, so that a quick resumption waits for it. */
  readonly identity: Promise<PkiIdentity>;
  readonly notAfter: number;
}

export function createRequesterResolver(rootCaPem: string): RequesterResolver {
  const leaves = new Map<string, Remembered>();
  const byConnection = new WeakMap<TLSSocket, Promise<Requester>>();
  const labels = new WeakMap<FastifyRequest, string>();

  const identify = (socket: TLSSocket): Promise<Requester> => {
    let pending = byConnection.get(socket);
    if (!pending) {
      pending = identifyPeer(socket, rootCaPem, leaves);
      byConnection.set(socket, pending);
      // Settled here too, so that a handshake-time failure is never an unhandled rejection.
      pending.catch(() => undefined);
    }
    return pending;
  };

  const requesterOf = async (request: FastifyRequest): Promise<Requester> => {
    try {
      const requester = await identify(request.raw.socket as TLSSocket);
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
    watch: (server) => {
      server.on('secureConnection', (socket: TLSSocket) => {
        if (!socket.isSessionReused()) void identify(socket);
      });
    },
  };
}

async function identifyPeer(
  socket: TLSSocket,
  rootCaPem: string,
  leaves: Map<string, Remembered>,
): Promise<Requester> {
  const [leaf, ...intermediates] = peerCertificateChainOf(socket);
  if (leaf === undefined) return undefined;
  const cert = new X509Certificate(leaf);
  const remembered = leaves.get(cert.fingerprint256);
  let verification: Promise<PkiIdentity> | undefined;
  try {
    if (remembered && remembered.notAfter > Date.now()) return await remembered.identity;
    verification = verifyChain(leaf, intermediates, rootCaPem);
    remember(leaves, cert, verification);
    return await verification;
  } catch (cause) {
    // A chain that failed is not remembered: the same leaf may come with a valid chain next time.
    if (verification && leaves.get(cert.fingerprint256)?.identity === verification) {
      leaves.delete(cert.fingerprint256);
    }
    const reason =
      socket.isSessionReused() && intermediates.length === 0
        ? 'a resumed TLS session carries no certificate chain; connect without session resumption'
        : cause instanceof ByodaError
          ? cause.message
          : 'it does not verify';
    throw new ByodaError('BYODA_ERR_UNAUTHORIZED', `client certificate refused: ${reason}`, {
      status: 401,
      cause,
    });
  }
}

function remember(
  leaves: Map<string, Remembered>,
  cert: X509Certificate,
  identity: Promise<PkiIdentity>,
): void {
  if (leaves.size >= MAX_REMEMBERED_LEAVES) {
    const oldest = leaves.keys().next();
    if (!oldest.done) leaves.delete(oldest.value);
  }
  leaves.set(cert.fingerprint256, { identity, notAfter: Date.parse(cert.validTo) });
}
