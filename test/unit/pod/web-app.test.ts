import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { toByodaError } from '../../../src/http/index.js';
import { NOT_BUILT_PAGE, WEB_APP_CSP, webAppRoutes } from '../../../src/pod/routes/web-app.js';

const SECRET = 'not for the browser';

/** The routes on a plain fastify with the servers' JSON error body, as the pod's web port has it. */
function appServing(root: string): FastifyInstance {
  const app = Fastify();
  app.setErrorHandler((error, _request, reply) => {
    const byoda = toByodaError(error as Error);
    void reply.code(byoda.status).send(byoda.toJSON());
  });
  app.get('/api/v1/pod/account', async () => ({ api: true }));
  webAppRoutes(app, { root });
  return app;
}

describe('the web app on the web port', () => {
  let base: string;
  let app: FastifyInstance;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'byoda-web-app-'));
    const dist = join(base, 'dist');
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(dist, 'assets', 'app-1234.js'), 'console.log(1);');
    await writeFile(join(dist, 'assets', 'app-1234.css'), 'body{}');
    await writeFile(join(dist, '.hidden'), SECRET);
    await writeFile(join(base, 'secret.txt'), SECRET);
    app = appServing(dist);
  });

  after(async () => {
    await app.close();
    await rm(base, { recursive: true, force: true });
  });

  it('serves index.html at / with a strict Content-Security-Policy', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.equal(res.headers['content-security-policy'], WEB_APP_CSP);
    assert.match(WEB_APP_CSP, /script-src 'self'(;|$)/);
    assert.doesNotMatch(WEB_APP_CSP, /unsafe-inline|unsafe-eval|\*/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.body, '<!doctype html><title>app</title>');
  });

  it('serves assets with their content type, cached for good', async () => {
    const js = await app.inject({ method: 'GET', url: '/assets/app-1234.js' });
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.match(String(js.headers['cache-control']), /immutable/);
    const css = await app.inject({ method: 'GET', url: '/assets/app-1234.css?v=1' });
    assert.match(String(css.headers['content-type']), /^text\/css/);
    const head = await app.inject({ method: 'HEAD', url: '/assets/app-1234.js' });
    assert.equal(head.statusCode, 200);
  });

  it("answers the app's own paths with index.html (SPA fallback)", async () => {
    for (const url of ['/service/4294929430/data/person', '/login', '/service/1/query?x=1']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /^text\/html/, url);
      assert.equal(res.headers['cache-control'], 'no-cache');
    }
  });

  it('leaves API paths to the API: known ones answer, unknown ones are JSON 404s', async () => {
    const known = await app.inject({ method: 'GET', url: '/api/v1/pod/account' });
    assert.deepEqual(known.json(), { api: true });
    const unknown = await app.inject({ method: 'GET', url: '/api/v1/nothing' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'BYODA_ERR_NOT_FOUND');
  });

  it('is a 404 for a missing file with an extension, not the page', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/gone-0000.js' });
    assert.equal(res.statusCode, 404);
    assert.match(String(res.headers['content-type']), /^application\/json/);
  });

  it('never reads outside the dist folder, nor dot files', async () => {
    for (const url of [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/.hidden',
      '/%2ehidden',
      '/..%5csecret.txt',
      '/%00',
      '/%E0%A4%A',
    ]) {
      const res = await app.inject({ method: 'GET', url });
      assert.ok(!res.body.includes(SECRET), `${url} must not read the secret`);
      assert.ok([200, 400, 404].includes(res.statusCode), `${url}: ${res.statusCode}`);
    }
  });

  it('says how to build the app when web/dist is missing', async () => {
    const bare = appServing(join(base, 'not-built'));
    try {
      const res = await bare.inject({ method: 'GET', url: '/' });
      assert.equal(res.statusCode, 503);
      assert.equal(res.body, NOT_BUILT_PAGE);
      assert.match(res.body, /npm run build:web/);
      const api = await bare.inject({ method: 'GET', url: '/api/v1/pod/account' });
      assert.deepEqual(api.json(), { api: true });
    } finally {
      await bare.close();
    }
  });
});
