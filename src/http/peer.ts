/**
 * What a TLS client presented: the certificate chain it sent, as PEM, for the application to verify
 * against the network root (spec §3). The TLS layer itself accepts any or no client certificate so
 * that the data firewall can treat such requests as anonymous instead of failing the handshake.
 */
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';

/** Most certificates a peer chain may have before we stop following it (loop and abuse guard). */
const MAX_CHAIN_LENGTH = 8;

/** The client's certificate chain, leaf first, as PEM strings; empty when it sent none. */
export function peerCertificateChain(request: FastifyRequest): string[] {
  return peerCertificateChainOf(request.raw.socket as TLSSocket);
}

/**
 * The same for a TLS socket, e.g. at its `secureConnection` event. Beware: on a resumed TLS session the
 * peer's intermediates are not available (OpenSSL keeps only the leaf in the session), so the chain
 * is the leaf alone; verify full chains at the handshake that created the session (see
 * client-identity.ts) or have clients not resume sessions.
 */
export function peerCertificateChainOf(socket: TLSSocket): string[] {
  if (typeof socket.getPeerCertificate !== 'function') return [];
  // An empty object (not null) when the client sent no certificate.
  const leaf = socket.getPeerCertificate(true) as Partial<DetailedPeerCertificate> | null;
  if (!leaf?.raw) return [];
  const chain: string[] = [];
  const seen = new Set<string>();
  let current: Partial<DetailedPeerCertificate> | undefined = leaf;
  while (current?.raw && chain.length < MAX_CHAIN_LENGTH) {
    const fingerprint = current.fingerprint256 ?? '';
    if (seen.has(fingerprint)) break;
    seen.add(fingerprint);
    chain.push(new X509Certificate(current.raw).toString());
    current = current.issuerCertificate;
  }
  return chain;
}
