/**
 * The verified identity of a member-port client's certificate (spec §3): its chain, checked in the
 * application against the network root. No certificate, or a chain that does not verify, is no
 * identity (the request is then anonymous, spec §6), never a TLS failure.
 *
 * A resumed TLS session carries only the client's leaf, not its intermediates, so its chain cannot be
 * verified then. Chains are therefore verified at each full handshake (`watch`), and each leaf that
 * verified is remembered by fingerprint until it expires: the network has no revocation, and a resumed
 * session is bound to the full handshake that created it, on this server. Each connection is verified
 * once and its identity shared by all its requests (keep-alive pools of other pods reuse them).
 * (The directory and the service keep the same rule for their callers.)
 */
import { X509Certificate } from 'node:crypto';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { isByodaError } from '../errors/index.js';
import { peerCertificateChainOf } from '../http/index.js';
import { verifyChain } from '../pki/index.js';
import type { PkiIdentity } from '../pki/index.js';

/** Verified leaves kept; beyond this the oldest is forgotten (and verified again if it returns). */
const MAX_REMEMBERED_LEAVES = 10_000;

export class ClientVerifier {
  readonly #rootCaPem: string;
  readonly #leaves = new Map<string, { identity: PkiIdentity; notAfter: number }>();
  readonly #connections = new WeakMap<TLSSocket, Promise<PkiIdentity | null>>();

  constructor(rootCaPem: string) {
    this.#rootCaPem = rootCaPem;
  }

  /** Verifies each client chain at its full handshake, while its intermediates are at hand. */
  watch(server: TlsServer): void {
    server.on('secureConnection', (socket: TLSSocket) => {
      if (!socket.isSessionReused()) void this.identify(socket);
    });
  }

  /** The identity of the connection's client certificate, or null (none, or not trusted). */
  identify(socket: TLSSocket): Promise<PkiIdentity | null> {
    let pending = this.#connections.get(socket);
    if (!pending) {
      pending = this.#verifyPeer(socket);
      this.#connections.set(socket, pending);
    }
    return pending;
  }

  async #verifyPeer(socket: TLSSocket): Promise<PkiIdentity | null> {
    const [leaf, ...intermediates] = peerCertificateChainOf(socket);
    if (leaf === undefined) return null;
    const cert = new X509Certificate(leaf);
    const remembered = this.#leaves.get(cert.fingerprint256);
    if (remembered && remembered.notAfter > Date.now()) return remembered.identity;
    try {
      const identity = await verifyChain(leaf, intermediates, this.#rootCaPem);
      this.#remember(cert, identity);
      return identity;
    } catch (err) {
      if (isByodaError(err)) return null;
      throw err;
    }
  }

  #remember(cert: X509Certificate, identity: PkiIdentity): void {
    if (this.#leaves.size >= MAX_REMEMBERED_LEAVES) {
      const oldest = this.#leaves.keys().next();
      if (!oldest.done) this.#leaves.delete(oldest.value);
    }
    this.#leaves.set(cert.fingerprint256, { identity, notAfter: Date.parse(cert.validTo) });
  }
}
