/**
 * Who is calling, from the client certificate of the TLS connection (spec §3). The TLS layer accepts
 * any certificate or none (so that public routes stay open), so a route that needs a caller relies on
 * the chain verified here, to the network root; the handshake has already proved that the client holds
 * the leaf's key.
 *
 * A resumed TLS session carries only the client's leaf, not its intermediates, so its chain cannot be
 * verified. Chains are therefore verified at each full handshake (`watch`), and each leaf that verified
 * is remembered by fingerprint until it expires: the network has no revocation, and a resumed session
 * is bound to the full handshake that created it. (The directory does the same, in
 * src/directory/requester.ts.)
 */
import { X509Certificate } from 'node:crypto';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { ByodaError, isByodaError } from '../errors/index.js';
import { peerCertificateChainOf } from '../http/index.js';
import { identityCn, verifyChain } from '../pki/index.js';
import type { PkiIdentity } from '../pki/index.js';
import { setRequester } from './request-log.js';

/** Verified leaves kept; beyond this the oldest is forgotten (and verified again if it returns). */
const MAX_REMEMBERED_LEAVES = 10_000;

export class ClientVerifier {
  readonly #rootCaPem: string;
  readonly #leaves = new Map<string, { identity: PkiIdentity; notAfter: number }>();
  readonly #connections = new WeakMap<TLSSocket, Promise<PkiIdentity | undefined>>();

  constructor(rootCaPem: string) {
    this.#rootCaPem = rootCaPem;
  }

  /** Verify each client chain at its full handshake, while its intermediates are at hand. */
  watch(server: TlsServer): void {
    server.on('secureConnection', (socket: TLSSocket) => {
      if (!socket.isSessionReused()) this.#identify(socket).catch(() => undefined);
    });
  }

  /**
   * The verified account of the caller. No certificate: 401. A certificate that does not chain to this
   * network's root: 401. A valid certificate of another kind (a member, a service): 403.
   */
  async authenticateAccount(request: FastifyRequest): Promise<PkiIdentity & { accountId: string }> {
    const identity = await this.#identifyRequest(request);
    if (!identity) {
      throw new ByodaError(
        'BYODA_ERR_UNAUTHORIZED',
        'a client certificate (the account TLS certificate) is required',
      );
    }
    const { accountId } = identity;
    if (identity.type !== 'account' || accountId === undefined) {
      throw new ByodaError(
        'BYODA_ERR_FORBIDDEN',
        `only an account TLS certificate may ask for a membership, not a ${identity.type} certificate`,
      );
    }
    return { ...identity, accountId };
  }

  async #identifyRequest(request: FastifyRequest): Promise<PkiIdentity | undefined> {
    try {
      const identity = await this.#identify(request.raw.socket as TLSSocket);
      if (identity) setRequester(request, identityCn(identity));
      return identity;
    } catch (err) {
      setRequester(request, 'untrusted-certificate');
      throw err;
    }
  }

  /** One verification per connection, shared by all its requests. */
  #identify(socket: TLSSocket): Promise<PkiIdentity | undefined> {
    let pending = this.#connections.get(socket);
    if (!pending) {
      pending = this.#verifyPeer(socket);
      this.#connections.set(socket, pending);
    }
    return pending;
  }

  async #verifyPeer(socket: TLSSocket): Promise<PkiIdentity | undefined> {
    const [leaf, ...intermediates] = peerCertificateChainOf(socket);
    if (leaf === undefined) return undefined;
    const cert = new X509Certificate(leaf);
    const remembered = this.#leaves.get(cert.fingerprint256);
    if (remembered && remembered.notAfter > Date.now()) return remembered.identity;
    try {
      const identity = await verifyChain(leaf, intermediates, this.#rootCaPem);
      this.#remember(cert, identity);
      return identity;
    } catch (err) {
      if (!isByodaError(err)) throw err;
      const reason =
        socket.isSessionReused() && intermediates.length === 0
          ? 'a resumed TLS session carries no certificate chain; connect again without resuming'
          : err.message;
      throw new ByodaError('BYODA_ERR_UNAUTHORIZED', `the client certificate is not trusted: ${reason}`, {
        cause: err,
      });
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
