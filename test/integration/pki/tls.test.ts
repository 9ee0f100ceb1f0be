import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { DetailedPeerCertificate, PeerCertificate, Server, TLSSocket } from 'node:tls';
import { credentialTlsOptions, memberFqdn, serviceFqdn, verifyChain } from '../../../src/pki/index.js';
import { makeHierarchy, newId } from '../../fixtures/pki.js';
import type { Credential } from '../../../src/pki/index.js';

/** What the server saw of a client. */
interface Seen {
  authorized: boolean;
  subjectCn: string;
  chainPem: string[];
}

/** The peer's chain as PEM, leaf first, from Node's linked `issuerCertificate` objects. */
function peerChainPem(socket: TLSSocket): string[] {
  const pems: string[] = [];
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  // Node links a self-signed certificate to itself: stop there.
  while (cert?.raw && pems.length < 10) {
    const lines = cert.raw.toString('base64').match(/.{1,64}/g) ?? [];
    pems.push(`-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`);
    cert = cert.issuerCertificate === cert ? undefined : cert.issuerCertificate;
  }
  return pems;
}

/** Connect as `client` with only the root as trust anchor; resolves with the server's certificate. */
function connectWith(
  port: number,
  client: Credential,
  rootPem: string,
  servername: string,
): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername,
      ca: [rootPem],
      ...credentialTlsOptions(client),
    });
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      // TLS 1.3 servers may reject the client certificate after the client's handshake completes; wait for
      // the server's reply to know the outcome.
      socket.once('data', () => {
        socket.end();
        resolve(peer);
      });
    });
    socket.once('error', reject);
    // A refused client certificate may end the connection with no error on the client side.
    socket.once('close', () => reject(new Error('the server closed the connection without answering')));
  });
}

describe('TLS with the network certificates', () => {
  let server: Server;
  let port = 0;
  let rootPem = '';
  let member: Credential;
  let strangerMember: Credential;
  const seen: Seen[] = [];
  const network = 'byoda.test';
  const serviceId = 12345;

  before(async () => {
    const h = await makeHierarchy(network, serviceId);
    rootPem = h.root.credential.certPem;
    const serviceTls = await h.serviceCa.issueCredential(serviceFqdn(network, serviceId));
    member = await h.membersCa.issueCredential(memberFqdn(network, serviceId, newId()));
    const other = await makeHierarchy('other.test', serviceId);
    strangerMember = await other.membersCa.issueCredential(memberFqdn('other.test', serviceId, newId()));

    server = createServer(
      { ...credentialTlsOptions(serviceTls), ca: [rootPem], requestCert: true, rejectUnauthorized: true },
      (socket) => {
        seen.push({
          authorized: socket.authorized,
          subjectCn: String(socket.getPeerCertificate().subject.CN),
          chainPem: peerChainPem(socket),
        });
        socket.end('ok');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('completes a mutual handshake between a service and a member with only the root as ca', async () => {
    const serverCert = await connectWith(port, member, rootPem, serviceFqdn(network, serviceId));
    assert.equal(serverCert.subject.CN, serviceFqdn(network, serviceId));
    const last = seen.at(-1);
    assert.equal(last?.authorized, true);
    assert.equal(last?.subjectCn, member.commonName);
  });

  it('gives the server the member chain, which verifyChain maps to the member identity', async () => {
    await connectWith(port, member, rootPem, serviceFqdn(network, serviceId));
    const [leaf, ...intermediates] = seen.at(-1)?.chainPem ?? [];
    assert.ok(leaf);
    const identity = await verifyChain(leaf, intermediates, rootPem);
    assert.equal(identity.type, 'member');
    assert.equal(identity.serviceId, serviceId);
    assert.equal(identity.memberId, member.identity.memberId);
  });

  it('refuses a client of another network', async () => {
    const before = seen.length;
    // The server drops the handshake (Node reports it to the client only as a closed connection).
    await assert.rejects(connectWith(port, strangerMember, rootPem, serviceFqdn(network, serviceId)));
    assert.equal(seen.length, before);
  });

  it("refuses a server name that the service's certificate does not carry", async () => {
    await assert.rejects(connectWith(port, member, rootPem, serviceFqdn(network, serviceId + 1)), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });
});
