/**
 * Who a TLS client is: the certificate chain it presented, verified to the network root (spec §3). The
 * TLS layer accepts any certificate or none (server.ts), so this check is what makes a certificate
 * count; the handshake has already proved that the client holds the leaf's key. The directory, the
 * service and the pod each map the identity to their own kinds of requester.
 *
 * Resumed TLS sessions carry only the client's leaf certificate, not its intermediates, so a chain
 * cannot be verified on them. Hence chains are verified at each full handshake (`watch`), and every
 * leaf that verified is remembered by its SHA-256 fingerprint until it expires: a certificate that
 * verified once stays verified, and a resumed session, which is bound to the handshake that created
 * it, is recognised by its leaf. Revocation is asked separately, per request (`isRevoked`). What is remembered is the verification
 * itself, while it runs, so that a quick resumption waits for the first handshake's result instead of
 * racing it. A chain that failed is not remembered: the same leaf may come with a valid chain next.
 */
import { X509Certificate } from 'node:crypto';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { BoundedMap } from '../bounded/index.js';
import { ByodaError } from '../errors/index.js';
import { verifyChain } from '../pki/index.js';
import type { PkiIdentity } from '../pki/index.js';
import { peerCertificateChainOf } from './peer.js';

/** Verified leaves kept by default; beyond this the oldest is forgotten (and verified again if it returns). */
export const DEFAULT_MAX_REMEMBERED_LEAVES = 10_000;

export interface ClientIdentityOptions {
  /** Verified leaves kept (default DEFAULT_MAX_REMEMBERED_LEAVES). */
  readonly maxRemembered?: number;
  /**
   * Whether the identity is on the network's revocation list (src/pki revocation.ts). Asked at every
   * call of `identityOf`, that is per request, not per connection: a connection (or a resumed TLS
   * session) made before the revocation is refused from the next request on.
   */
  readonly isRevoked?: (identity: PkiIdentity) => boolean | Promise<boolean>;
}

export interface ClientIdentityVerifier {
  /** Verify each client chain at its full handshake, while its intermediates are at hand. */
  readonly watch: (server: TlsServer) => void;
  /**
   * The verified identity of the connection's client certificate, or undefined when it sent none.
   * Rejects with a 401 ByodaError (`client certificate refused: <reason>`) for a chain that does not
   * verify. Verified once per connection, shared by all its requests (keep-alive clients reuse them).
   */
  readonly identityOf: (socket: TLSSocket) => Promise<PkiIdentity | undefined>;
}

interface Remembered {
  /** Pending while the first handshake's verification runs, so that a quick resumption waits for it. */
  readonly identity: Promise<PkiIdentity>;
  readonly notAfter: number;
}

export function createClientIdentityVerifier(
  rootCaPem: string,
  options: ClientIdentityOptions = {},
): ClientIdentityVerifier {
  const maxRemembered = options.maxRemembered ?? DEFAULT_MAX_REMEMBERED_LEAVES;
  const leaves = new BoundedMap<string, Remembered>(maxRemembered);
  const byConnection = new WeakMap<TLSSocket, Promise<PkiIdentity | undefined>>();

  const remember = (cert: X509Certificate, identity: Promise<PkiIdentity>): void => {
    leaves.set(cert.fingerprint256, { identity, notAfter: Date.parse(cert.validTo) });
  };

  const verifyPeer = async (socket: TLSSocket): Promise<PkiIdentity | undefined> => {
    const [leaf, ...intermediates] = peerCertificateChainOf(socket);
    if (leaf === undefined) return undefined;
    const cert = new X509Certificate(leaf);
    const remembered = leaves.get(cert.fingerprint256);
    let verification: Promise<PkiIdentity> | undefined;
    try {
      if (remembered && remembered.notAfter > Date.now()) return await remembered.identity;
      verification = verifyChain(leaf, intermediates, rootCaPem);
      remember(cert, verification);
      return await verification;
    } catch (cause) {
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
  };

  const verifiedOf = (socket: TLSSocket): Promise<PkiIdentity | undefined> => {
    let pending = byConnection.get(socket);
    if (!pending) {
      pending = verifyPeer(socket);
      byConnection.set(socket, pending);
      // Settled here too, so that a handshake-time failure is never an unhandled rejection.
      pending.catch(() => undefined);
    }
    return pending;
  };

  const { isRevoked } = options;
  const identityOf = async (socket: TLSSocket): Promise<PkiIdentity | undefined> => {
    const identity = await verifiedOf(socket);
    if (identity && (await isRevoked?.(identity))) {
      throw new ByodaError('BYODA_ERR_REVOKED', 'client certificate refused: it is revoked');
    }
    return identity;
  };

  return {
    identityOf,
    watch: (server) => {
      server.on('secureConnection', (socket: TLSSocket) => {
        if (!socket.isSessionReused()) void verifiedOf(socket);
      });
    },
  };
}
