import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { requestJson, requestText } from '../../../src/network/index.js';

/** Answers each path with a fixed status and body, to see how the client reads them. */
const ROUTES: Record<string, [number, string]> = {
  '/ok': [200, '{"answer":42}'],
  '/refused': [403, '{"error":{"code":"BYODA_ERR_FORBIDDEN","message":"not yours","path":"body/x"}}'],
  '/html-error': [502, '<html>bad gateway</html>'],
  '/teapot': [418, 'no'],
  '/not-json': [200, 'hello'],
  '/odd-code': [400, '{"error":{"code":"rm -rf","message":"x"}}'],
};

describe('requestJson', () => {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url === '/echo') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ method: request.method, type: request.headers['content-type'], body }));
        return;
      }
      const [status, text] = ROUTES[request.url ?? ''] ?? [404, ''];
      response.writeHead(status).end(text);
    });
  });
  const agent = new Agent();
  let base = '';

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await agent.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends JSON and parses the JSON answer', async () => {
    assert.deepEqual(await requestJson(agent, `${base}/ok`, { method: 'GET' }), { answer: 42 });
    assert.deepEqual(await requestJson(agent, `${base}/echo`, { method: 'PUT', body: { a: 1 } }), {
      method: 'PUT',
      type: 'application/json',
      body: '{"a":1}',
    });
  });

  it('turns an error body into a ByodaError with the server’s code, status and path', async () => {
    await assert.rejects(requestJson(agent, `${base}/refused`, { method: 'GET' }), {
      name: 'ByodaError',
      code: 'BYODA_ERR_FORBIDDEN',
      status: 403,
      message: 'not yours',
      path: 'body/x',
    });
  });

  it('keeps the status of answers not in our format, without trusting odd codes', async () => {
    await assert.rejects(requestJson(agent, `${base}/html-error`, { method: 'GET' }), {
      code: 'BYODA_ERR_UNREACHABLE',
      status: 502,
    });
    await assert.rejects(requestJson(agent, `${base}/teapot`, { method: 'GET' }), {
      code: 'BYODA_ERR_BAD_REQUEST',
      status: 418,
    });
    await assert.rejects(requestJson(agent, `${base}/odd-code`, { method: 'GET' }), {
      code: 'BYODA_ERR_BAD_REQUEST',
    });
  });

  it('refuses a success that is not JSON, and reports an unreachable server as 502', async () => {
    await assert.rejects(requestJson(agent, `${base}/not-json`, { method: 'GET' }), {
      code: 'BYODA_ERR_UNREACHABLE',
    });
    assert.equal(await requestText(agent, `${base}/not-json`), 'hello');
    await assert.rejects(
      requestJson(agent, 'http://127.0.0.1:1/x?secret=1', { method: 'GET' }),
      (err: Error) => {
        assert.equal((err as { code?: string }).code, 'BYODA_ERR_UNREACHABLE');
        assert.ok(!err.message.includes('secret'), 'no query string in messages');
        return true;
      },
    );
  });
});
