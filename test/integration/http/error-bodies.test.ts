/**
 * Every refusal of the shared server base carries the JSON error body of spec §4 with a code, also the
 * ones fastify and Node's HTTP parser make before any route runs and those a library answers without a
 * body. Found by the fuzz suite (test/fuzz/network.test.ts): a URL with a stray `%` (400), a path
 * segment over the router's length limit (414), a header section over 16 KiB (431) and broken request
 * bytes (400) were answered with fastify's own bodies, graphql-http's 406 and 415 with none.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { request } from 'undici';
import type { Agent } from 'undici';
import { createHttpsServer, httpsUrl, listeningPort } from '../../../src/http/index.js';
import type { HttpsApp } from '../../../src/http/index.js';
import { createTlsAgent } from '../../../src/network/index.js';
import { accountFqdn, credentialTlsOptions } from '../../../src/pki/index.js';
import { codedRefusal } from '../../../src/pod/routes/graphql/graphql-errors.js';
import { makeHierarchy, NETWORK } from '../../fixtures/pki.js';

const SERVER_NAME = accountFqdn(NETWORK, randomUUID());

interface Answer {
  readonly status: number;
  readonly code: unknown;
}

function codeOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
  } catch {
    return `not JSON: ${text.slice(0, 100)}`;
  }
}

describe('JSON error bodies for refusals made outside the routes', () => {
  let app: HttpsApp;
  let agent: Agent;
  let url = '';
  let rootCaPem = '';

  const get = async (path: string, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await request(`${url}${path}`, { dispatcher: agent, headers });
    const text = await response.body.text();
    return { status: response.statusCode, code: codeOf(text) };
  };

  /** Raw bytes over TLS; the status and error code of what comes back. */
  const raw = (bytes: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const { port } = new URL(url);
      const socket = connect({
        host: '127.0.0.1',
        port: Number(port),
        ca: rootCaPem,
        servername: SERVER_NAME,
      });
      const chunks: Buffer[] = [];
      socket.on('secureConnect', () => socket.write(bytes));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const [head = '', body = ''] = text.split('\r\n\r\n');
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), code: codeOf(body) });
      });
    });

  before(async () => {
    const h = await makeHierarchy();
    rootCaPem = h.root.credential.certPem;
    const credential = await h.accountsCa.issueCredential(SERVER_NAME);
    app = createHttpsServer({
      tls: credentialTlsOptions(credential),
      logger: pino({ level: 'silent' }),
      rateLimit: false,
    });
    app.get('/things/:id', async () => ({ ok: true }));
    // As graphql-http answers a request it cannot serve: a status and no body at all.
    app.get('/unacceptable', async (_request, reply) => reply.code(406).send());
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = httpsUrl('127.0.0.1', listeningPort(app));
    agent = createTlsAgent({ rootCaPem, servername: SERVER_NAME });
  });

  after(async () => {
    await agent?.close();
    await app?.close();
  });

  it('answers a malformed URL with 400 and a code', async () => {
    assert.deepEqual(await get('/things/%'), { status: 400, code: 'BYODA_ERR_BAD_REQUEST' });
  });

  it('answers a path parameter over the router limit with 414 and a code', async () => {
    assert.deepEqual(await get(`/things/${'9'.repeat(400)}`), { status: 414, code: 'BYODA_ERR_BAD_REQUEST' });
  });

  it('answers a header section over the size limit with 431 and a code', async () => {
    assert.deepEqual(await get('/things/1', { 'x-big': 'x'.repeat(20_000) }), {
      status: 431,
      code: 'BYODA_ERR_TOO_LARGE',
    });
  });

  it('answers bytes the HTTP parser refuses with 400 and a code', async () => {
    assert.deepEqual(await raw('GET /things/1 HTTP/1.1\r\nno colon here\r\n\r\n'), {
      status: 400,
      code: 'BYODA_ERR_BAD_REQUEST',
    });
  });

  it('gives a refusal answered without a body the JSON error body', async () => {
    assert.deepEqual(await get('/unacceptable'), { status: 406, code: 'BYODA_ERR_BAD_REQUEST' });
  });

  it('leaves answers with a body and successful ones as they are', async () => {
    assert.deepEqual(await get('/things/1'), { status: 200, code: undefined });
    assert.deepEqual(await get('/nothing-here'), { status: 404, code: 'BYODA_ERR_NOT_FOUND' });
  });

  it('gives the errors of graphql-http refusals (405 for a mutation over GET) a code', () => {
    const payload = JSON.stringify({ errors: [{ message: 'Cannot perform mutations over GET' }] });
    let sent: unknown;
    codedRefusal(undefined, { statusCode: 405 }, payload, (_err, next) => (sent = next));
    assert.deepEqual(JSON.parse(String(sent)), {
      errors: [
        { message: 'Cannot perform mutations over GET', extensions: { code: 'BYODA_ERR_BAD_REQUEST' } },
      ],
    });
    codedRefusal(undefined, { statusCode: 200 }, payload, (_err, next) => (sent = next));
    assert.equal(sent, payload);
  });
});
