/**
 * The client certificate identity over real TLS: a server that answers each connection with the
 * identity of its client, and clients that make a full handshake, then resume its session (which
 * gives the server the leaf alone).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect, createServer } from 'node:tls';
import type { ConnectionOptions, Server, TLSSocket } from 'node:tls';
import { createClientIdentityVerifier } from '../../../src/http/index.js';
import { accountFqdn, credentialTlsOptions } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { makeHierarchy, NETWORK } from '../../fixtures/pki.js';

interface Answer {
  readonly answer: string;
  readonly resumed: boolean;
  readonly session: Buffer | undefined;
}

/** One connection: the server's one-line answer, whether the session was resumed, and its ticket. */
async function ask(port: number, options: ConnectionOptions): Promise<Answer> {
  const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
  let session: Buffer | undefined;
  // TLS 1.3 sends session tickets after the handshake.
  socket.on('session', (ticket: Buffer) => (session = ticket));
  let resumed = false;
  socket.once('secureConnect', () => (resumed = socket.isSessionReused()));
  let answer = '';
  for await (const chunk of socket) answer += (chunk as Buffer).toString();
  return { answer, resumed, session };
}

describe('client identity over TLS', () => {
  let server: Server;
  let port = 0;
  let account: Credential;
  /** Same names, another network's root: the chain check alone tells it apart. */
  let foreign: Credential;
  /** An account that has not connected yet (a verified leaf is remembered, with or without its chain). */
  let newcomer: Credential;

  before(async () => {
    const h = await makeHierarchy();
    account = await h.accountsCa.issueCredential(accountFqdn(NETWORK, randomUUID()));
    foreign = await (await makeHierarchy()).accountsCa.issueCredential(accountFqdn(NETWORK, randomUUID()));
    newcomer = await h.accountsCa.issueCredential(accountFqdn(NETWORK, randomUUID()));
    const serverCredential = await h.accountsCa.issueCredential(accountFqdn(NETWORK, randomUUID()));
    const rootCaPem = h.root.credential.certPem;
    const clients = createClientIdentityVerifier(rootCaPem);
    server = createServer({
      ...credentialTlsOptions(serverCredential),
      ca: rootCaPem,
      requestCert: true,
      rejectUnauthorized: false,
    });
    clients.watch(server);
    server.on('secureConnection', (socket: TLSSocket) => {
      clients.identityOf(socket).then(
        (identity) => socket.end(identity ? `${identity.type}:${identity.accountId ?? ''}` : 'none'),
        (err: unknown) => socket.end(err instanceof Error ? err.message : 'error'),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers none for a client without a certificate', async () => {
    assert.equal((await ask(port, {})).answer, 'none');
  });

  it('recognises a resumed session by the leaf its full handshake verified', async () => {
    const options = credentialTlsOptions(account);
    const first = await ask(port, options);
    assert.equal(first.resumed, false);
    assert.equal(first.answer, `account:${account.identity.accountId ?? ''}`);
    assert.ok(first.session, 'the server sent a session ticket');
    const second = await ask(port, { ...options, session: first.session });
    assert.ok(second.resumed, 'the second connection resumed the first one’s session');
    assert.equal(second.answer, first.answer);
  });

  it('refuses a client whose chain ends at another root, though its names are right', async () => {
    const { answer } = await ask(port, credentialTlsOptions(foreign));
    assert.match(answer, /^client certificate refused/);
  });

  it('refuses a leaf sent without the intermediate that issued it', async () => {
    const { cert, key } = credentialTlsOptions(newcomer);
    const leafOnly = cert.slice(0, cert.indexOf('-----END CERTIFICATE-----') + 25);
    assert.match((await ask(port, { cert: leafOnly, key })).answer, /^client certificate refused/);
    assert.equal(
      (await ask(port, credentialTlsOptions(newcomer))).answer,
      `account:${newcomer.identity.accountId ?? ''}`,
      'the same leaf with its chain is still accepted',
    );
  });
});
