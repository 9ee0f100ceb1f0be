/**
 * The client certificate identity shared by the three servers, over stand-in sockets that present a
 * chain (leaf first) and say whether their TLS session was resumed: a resumed one carries the leaf
 * alone, as OpenSSL keeps no intermediates in a session.
 */
import assert from 'node:assert/strict';
import { randomUUID, X509Certificate } from 'node:crypto';
import { before, describe, it, mock } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { ByodaError } from '../../../src/errors/index.js';
import { createClientIdentityVerifier } from '../../../src/http/index.js';
import { accountFqdn, splitPemBundle } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { makeHierarchy, NETWORK } from '../../fixtures/pki.js';
import type { Hierarchy } from '../../fixtures/pki.js';

interface PeerCert {
  raw: Buffer;
  fingerprint256: string;
  issuerCertificate?: PeerCert;
}

/** A socket whose client sent `chainPem` (or no certificate), on a full or a resumed session. */
function socketOf(chainPem: string | undefined, resumed = false): TLSSocket {
  const certs = splitPemBundle(chainPem ?? '').map((pem) => new X509Certificate(pem));
  const peer = certs.reduceRight<PeerCert | undefined>(
    (issuer, cert) => ({
      raw: cert.raw,
      fingerprint256: cert.fingerprint256,
      ...(issuer ? { issuerCertificate: issuer } : {}),
    }),
    undefined,
  );
  const socket = { getPeerCertificate: () => peer ?? {}, isSessionReused: () => resumed };
  return socket as unknown as TLSSocket;
}

async function refusal(promise: Promise<unknown>): Promise<ByodaError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ByodaError, String(err));
    return err;
  }
  assert.fail('expected the certificate to be refused');
}

describe('client identity', () => {
  let h: Hierarchy;
  let rootCaPem = '';
  const account = async (): Promise<Credential> =>
    h.accountsCa.issueCredential(accountFqdn(NETWORK, randomUUID()));

  before(async () => {
    h = await makeHierarchy();
    rootCaPem = h.root.credential.certPem;
  });

  it('is undefined for a client that sent no certificate', async () => {
    const clients = createClientIdentityVerifier(rootCaPem);
    assert.equal(await clients.identityOf(socketOf(undefined)), undefined);
  });

  it('verifies a full chain to the root and returns the identity it names', async () => {
    const clients = createClientIdentityVerifier(rootCaPem);
    const credential = await account();
    assert.deepEqual(await clients.identityOf(socketOf(credential.chainPem)), credential.identity);
  });

  it('refuses a chain of another root with 401, and so every request of that connection', async () => {
    const foreign = await makeHierarchy();
    const impostor = await foreign.accountsCa.issueCredential(accountFqdn(NETWORK, randomUUID()));
    const clients = createClientIdentityVerifier(rootCaPem);
    const socket = socketOf(impostor.chainPem);
    const err = await refusal(clients.identityOf(socket));
    assert.equal(err.status, 401);
    assert.equal(err.code, 'BYODA_ERR_UNAUTHORIZED');
    assert.match(err.message, /^client certificate refused: .*does not lead to/);
    // The chain's own error stays attached for the logs.
    assert.ok(err.cause instanceof ByodaError);
    assert.equal(err.cause.code, 'BYODA_ERR_CERT_CHAIN');
    assert.equal(await refusal(clients.identityOf(socket)), err, 'verified once per connection');
  });

  it('recognises a resumed session, which carries the leaf alone, by a leaf verified before', async () => {
    const clients = createClientIdentityVerifier(rootCaPem);
    const credential = await account();
    await clients.identityOf(socketOf(credential.chainPem));
    assert.deepEqual(await clients.identityOf(socketOf(credential.certPem, true)), credential.identity);
  });

  it('has a resumed session wait for the verification its first handshake started', async () => {
    const clients = createClientIdentityVerifier(rootCaPem);
    const credential = await account();
    // Not awaited: the resumption comes while the first handshake's chain is still being verified.
    const first = clients.identityOf(socketOf(credential.chainPem));
    const resumed = clients.identityOf(socketOf(credential.certPem, true));
    assert.deepEqual(await resumed, credential.identity);
    assert.deepEqual(await first, credential.identity);
  });

  it('names the resumption as the reason when a resumed session’s leaf was never verified', async () => {
    const clients = createClientIdentityVerifier(rootCaPem);
    const credential = await account();
    const err = await refusal(clients.identityOf(socketOf(credential.certPem, true)));
    assert.equal(err.status, 401);
    assert.match(err.message, /resumed TLS session carries no certificate chain/);
  });

  it('does not remember a chain that failed: the same leaf verifies with its whole chain next', async () => {
    const clients = createClientIdentityVerifier(rootCaPem);
    const credential = await account();
    // The leaf without its intermediates on a full handshake does not lead to the root.
    const err = await refusal(clients.identityOf(socketOf(credential.certPem)));
    assert.match(err.message, /does not lead to/);
    // Started at once: a remembered failure, pending or settled, would be handed to this one too.
    assert.deepEqual(await clients.identityOf(socketOf(credential.chainPem)), credential.identity);
    assert.deepEqual(await clients.identityOf(socketOf(credential.certPem, true)), credential.identity);
  });

  it('has a resumed session share a pending verification that fails, then forgets it', async () => {
    const clients = createClientIdentityVerifier(rootCaPem);
    const credential = await account();
    const failing = clients.identityOf(socketOf(credential.certPem));
    const resumed = clients.identityOf(socketOf(credential.certPem, true));
    await refusal(failing);
    await refusal(resumed);
    assert.deepEqual(await clients.identityOf(socketOf(credential.chainPem)), credential.identity);
  });

  /** A verifier remembering `maxRemembered` leaves, after full handshakes of two accounts in turn. */
  const twoVerified = async (maxRemembered: number) => {
    const clients = createClientIdentityVerifier(rootCaPem, { maxRemembered });
    const older = await account();
    const newer = await account();
    await clients.identityOf(socketOf(older.chainPem));
    await clients.identityOf(socketOf(newer.chainPem));
    return { clients, older, newer };
  };

  it('forgets the oldest verified leaf beyond its bound', async () => {
    const { clients, older, newer } = await twoVerified(1);
    assert.deepEqual(await clients.identityOf(socketOf(newer.certPem, true)), newer.identity);
    const err = await refusal(clients.identityOf(socketOf(older.certPem, true)));
    assert.match(err.message, /resumed TLS session carries no certificate chain/);
  });

  it('verifies at each full handshake of a watched server, not at a resumed one', async () => {
    const clients = createClientIdentityVerifier(rootCaPem);
    const credential = await account();
    const listeners: ((socket: TLSSocket) => void)[] = [];
    const server = {
      on: (event: string, listener: (socket: TLSSocket) => void) => {
        assert.equal(event, 'secureConnection', 'a full handshake is the TLS server event secureConnection');
        listeners.push(listener);
      },
    };
    clients.watch(server as unknown as Parameters<typeof clients.watch>[0]);
    assert.equal(listeners.length, 1);
    const resumedSocket = socketOf(credential.certPem, true);
    const fullSocket = socketOf(credential.chainPem);
    // A resumed session is not verified at its handshake: its chain is not there to verify.
    for (const listener of listeners) listener(resumedSocket);
    for (const listener of listeners) listener(fullSocket);
    assert.deepEqual(await clients.identityOf(resumedSocket), credential.identity);
    assert.deepEqual(await clients.identityOf(fullSocket), credential.identity);
  });

  it('keeps verified leaves up to its bound', async () => {
    const { clients, older, newer } = await twoVerified(2);
    assert.deepEqual(await clients.identityOf(socketOf(older.certPem, true)), older.identity);
    assert.deepEqual(await clients.identityOf(socketOf(newer.certPem, true)), newer.identity);
  });

  it('remembers a verified leaf until its notAfter, not a millisecond longer', async (t) => {
    const clients = createClientIdentityVerifier(rootCaPem);
    const credential = await account();
    await clients.identityOf(socketOf(credential.chainPem));
    const notAfter = Date.parse(new X509Certificate(credential.certPem).validTo);
    t.mock.timers.enable({ apis: ['Date'], now: notAfter - 1 });
    assert.deepEqual(await clients.identityOf(socketOf(credential.certPem, true)), credential.identity);
    t.mock.timers.setTime(notAfter);
    const err = await refusal(clients.identityOf(socketOf(credential.certPem, true)));
    assert.match(err.message, /resumed TLS session carries no certificate chain/);
  });

  it('keeps a later verification of the same leaf when an earlier one fails after it was forgotten', async () => {
    const clients = createClientIdentityVerifier(rootCaPem, { maxRemembered: 1 });
    const credential = await account();
    const other = await account();
    // All started at once: the failing one is forgotten (for `other`), then the leaf verifies anew.
    const failing = clients.identityOf(socketOf(credential.certPem));
    const otherVerified = clients.identityOf(socketOf(other.chainPem));
    const verified = clients.identityOf(socketOf(credential.chainPem));
    await refusal(failing);
    assert.deepEqual(await otherVerified, other.identity);
    assert.deepEqual(await verified, credential.identity);
    // The failure must not take away the verification that replaced it.
    assert.deepEqual(await clients.identityOf(socketOf(credential.certPem, true)), credential.identity);
  });

  it('gives the chain’s own reason on a resumed session that did carry intermediates', async () => {
    const clients = createClientIdentityVerifier(rootCaPem);
    const credential = await account();
    const wrongChain = `${credential.certPem}${h.membersCa.credential.certPem}`;
    const err = await refusal(clients.identityOf(socketOf(wrongChain, true)));
    assert.equal(err.status, 401);
    assert.match(err.message, /^client certificate refused: .*does not lead to root-ca/);
  });

  it('asks about revocation at every request: 403 once revoked, even on a verified connection', async () => {
    const revoked = new Set<string>();
    const isRevoked = mock.fn(async (identity: unknown) => revoked.has(JSON.stringify(identity)));
    const clients = createClientIdentityVerifier(rootCaPem, { isRevoked });
    const credential = await account();
    const socket = socketOf(credential.chainPem);
    assert.deepEqual(await clients.identityOf(socket), credential.identity);
    revoked.add(JSON.stringify(credential.identity));
    const err = await refusal(clients.identityOf(socket));
    assert.deepEqual(
      { status: err.status, code: err.code, message: err.message },
      { status: 403, code: 'BYODA_ERR_REVOKED', message: 'client certificate refused: it is revoked' },
    );
    // Another, unrevoked client is still let in; a client without a certificate is not asked about.
    const calls = isRevoked.mock.callCount();
    const other = await account();
    assert.deepEqual(await clients.identityOf(socketOf(other.chainPem)), other.identity);
    assert.equal(await clients.identityOf(socketOf(undefined)), undefined);
    assert.equal(isRevoked.mock.callCount(), calls + 1);
  });
});
