/**
 * The HTTP-01 responder (src/pod/acme/http-challenge.ts) on a real port: a pending token is answered
 * with its key authorization, and nothing else is: unknown or removed tokens, malformed tokens, other
 * paths, other methods, and bytes that are not HTTP.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HttpChallengeResponder } from '../../../../src/pod/acme/http-challenge.js';

function get(port: number, path: string, method = 'GET') {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('HTTP-01 challenge responder', () => {
  const responder = new HttpChallengeResponder();
  let port: number;
  before(async () => {
    port = await responder.listen('127.0.0.1', 0);
  });
  after(() => responder.close());

  it('answers a pending token with its key authorization, and stops once it is removed', async () => {
    responder.add('tok_EN-1', 'tok_EN-1.thumbprint');
    assert.deepEqual(await get(port, '/.well-known/acme-challenge/tok_EN-1'), {
      status: 200,
      body: 'tok_EN-1.thumbprint',
    });
    responder.remove('tok_EN-1');
    const gone = await get(port, '/.well-known/acme-challenge/tok_EN-1');
    assert.equal(gone.status, 404);
    assert.equal((JSON.parse(gone.body) as { error: { code: string } }).error.code, 'BYODA_ERR_NOT_FOUND');
  });

  it('refuses malformed tokens, other paths and other methods with a JSON error', async () => {
    responder.add('abc', 'abc.key');
    const cases: [string, string, number, RegExp][] = [
      ['/.well-known/acme-challenge/a%2F..', 'GET', 400, /token/],
      ['/.well-known/acme-challenge/', 'GET', 400, /token/],
      [`/.well-known/acme-challenge/${'a'.repeat(300)}`, 'GET', 400, /token/],
      ['/', 'GET', 404, /acme-challenge/],
      ['/api/v1/pod/account', 'GET', 404, /acme-challenge/],
      ['/.well-known/acme-challenge/abc', 'POST', 405, /method/],
      ['/.well-known/acme-challenge/abc', 'DELETE', 405, /method/],
    ];
    for (const [path, method, status, message] of cases) {
      const answer = await get(port, path, method);
      assert.equal(answer.status, status, `${method} ${path}`);
      assert.match(answer.body, message);
    }
  });

  it('survives bytes that are not HTTP and keeps answering', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end('\x16\x03\x01 not http\r\n\r\n'));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.resume();
    });
    assert.equal((await get(port, '/.well-known/acme-challenge/abc')).body, 'abc.key');
  });
});
