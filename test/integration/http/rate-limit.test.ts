/**
 * The rate limit of the shared server base over real TLS sockets: a server with a tiny limit (5 a
 * minute), clients that present no certificate (counted by address) or a certificate of the network
 * (counted by its identity), a WebSocket upgrade that counts like any request, and the refusal as the
 * JSON error body with `retry-after`, logged as a refused request.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import websocket from '@fastify/websocket';
import pino from 'pino';
import { request } from 'undici';
import type { Agent } from 'undici';
import WebSocket from 'ws';
import {
  createClientIdentityVerifier,
  createHttpsServer,
  DEFAULT_RATE_LIMIT,
  httpsUrl,
  listeningPort,
} from '../../../src/http/index.js';
import type { HttpsApp, RateLimitSetting } from '../../../src/http/index.js';
import { createTlsAgent } from '../../../src/network/index.js';
import { accountFqdn, credentialTlsOptions } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { makeHierarchy, NETWORK } from '../../fixtures/pki.js';

const LIMIT = 5;
const SERVER_NAME = accountFqdn(NETWORK, randomUUID());

interface Answer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly json: unknown;
}

async function get(agent: Agent, url: string): Promise<Answer> {
  const response = await request(url, { dispatcher: agent });
  const text = await response.body.text();
  const retryAfter = response.headers['retry-after'];
  return {
    status: response.statusCode,
    retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
    json: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

/** `count` requests one after the other; their statuses. */
async function statuses(agent: Agent, url: string, count: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await get(agent, url)).status);
  return seen;
}

/** `count` requests, ten at a time; their statuses. */
async function burst(agent: Agent, url: string, count: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, () => get(agent, url));
    seen.push(...(await Promise.all(batch)).map((answer) => answer.status));
  }
  return seen;
}

/** Opens a WebSocket; resolves with 'open' or the status the server refused the upgrade with. */
function upgrade(url: string, rootCaPem: string, credential?: Credential): Promise<string> {
  return new Promise((resolve) => {
    // A variable, as `servername` (a TLS connection option ws passes on) is not in ws's own type.
    const tls = {
      ca: rootCaPem,
      servername: SERVER_NAME,
      ...(credential ? credentialTlsOptions(credential) : {}),
    };
    const socket = new WebSocket(url.replace('https:', 'wss:'), tls);
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(String(response.statusCode));
      socket.terminate();
    });
    socket.once('error', (err) => resolve(`error: ${err.message}`));
  });
}

describe('rate limit of the server base', () => {
  let rootCaPem = '';
  let clientA: Credential;
  let clientB: Credential;
  let serverCredential: Credential;
  const apps: HttpsApp[] = [];
  const agents: Agent[] = [];
  const logLines: Record<string, unknown>[] = [];

  const agent = (credential?: Credential): Agent => {
    const made = createTlsAgent({
      rootCaPem,
      servername: SERVER_NAME,
      ...(credential ? { credential } : {}),
    });
    agents.push(made);
    return made;
  };

  /** A server whose `/hello` answers `{ok: true}`, whose `/ws` is a WebSocket, with `rateLimit`. */
  const start = async (rateLimit: RateLimitSetting | undefined): Promise<string> => {
    const clients = createClientIdentityVerifier(rootCaPem);
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
    const app = createHttpsServer({
      tls: { ...credentialTlsOptions(serverCredential), ca: rootCaPem, requestCert: true },
      logger,
      ...(rateLimit !== undefined ? { rateLimit } : {}),
      clientIdentityOf: (req) => clients.identityOf(req.raw.socket as TLSSocket),
    });
    clients.watch(app.server);
    void app.register(websocket);
    void app.register(async (routes) => {
      routes.get('/hello', async () => ({ ok: true }));
      routes.get('/ws', { websocket: true }, (socket) => socket.send('hi'));
    });
    apps.push(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
    return httpsUrl('127.0.0.1', listeningPort(app));
  };

  before(async () => {
    const h = await makeHierarchy();
    rootCaPem = h.root.credential.certPem;
    serverCredential = await h.accountsCa.issueCredential(SERVER_NAME);
    clientA = await h.accountsCa.issueCredential(accountFqdn(NETWORK, randomUUID()));
    clientB = await h.accountsCa.issueCredential(accountFqdn(NETWORK, randomUUID()));
  });

  after(async () => {
    await Promise.all(agents.map((made) => made.close()));
    await Promise.all(apps.map((app) => app.close()));
  });

  it('answers the request over the limit with 429, the JSON error body and retry-after', async () => {
    const url = await start({ max: LIMIT, windowMs: 60_000 });
    const anonymous = agent();
    assert.deepEqual(await statuses(anonymous, `${url}/hello`, LIMIT), Array(LIMIT).fill(200));
    const refused = await get(anonymous, `${url}/hello`);
    assert.equal(refused.status, 429);
    const body = refused.json as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'BYODA_ERR_RATE_LIMITED');
    assert.match(
      body.error.message,
      /too many requests: at most 5 in a minute from one client; retry in \d+ s/,
    );
    assert.ok(refused.retryAfter !== undefined, 'retry-after is sent');
    const seconds = Number(refused.retryAfter);
    assert.ok(seconds >= 1 && seconds <= 60, `retry-after ${refused.retryAfter} is within the window`);
    // Unknown paths count too: a client cannot probe around the limit.
    assert.equal((await get(anonymous, `${url}/no-such-path`)).status, 429);
    const logged = logLines.find((line) => line['code'] === 'BYODA_ERR_RATE_LIMITED');
    assert.ok(logged, 'the refusal is logged');
    assert.equal(logged['msg'], 'request refused');
    assert.equal(logged['status'], 429);
  });

  it('counts a client with a certificate by its identity, not by its address', async () => {
    const url = await start({ max: LIMIT, windowMs: 60_000 });
    const a = agent(clientA);
    assert.deepEqual(await statuses(a, `${url}/hello`, LIMIT + 1), [...Array(LIMIT).fill(200), 429]);
    // Same address, another certificate: its own count.
    const b = agent(clientB);
    assert.deepEqual(await statuses(b, `${url}/hello`, 2), [200, 200]);
    // Same address, no certificate: counted by the address, which A's requests did not use up.
    assert.equal((await get(agent(), `${url}/hello`)).status, 200);
  });

  it('counts WebSocket upgrades as requests and refuses them over the limit', async () => {
    const url = await start({ max: 2, windowMs: 60_000 });
    assert.equal(await upgrade(`${url}/ws`, rootCaPem, clientA), 'open');
    assert.equal((await get(agent(clientA), `${url}/hello`)).status, 200);
    assert.equal(await upgrade(`${url}/ws`, rootCaPem, clientA), '429');
    assert.equal(await upgrade(`${url}/ws`, rootCaPem, clientB), 'open');
  });

  it('limits by default to DEFAULT_RATE_LIMIT, and not at all with false', async () => {
    const limited = await start(undefined);
    const unlimited = await start(false);
    const { max } = DEFAULT_RATE_LIMIT;
    const overLimited = await burst(agent(), `${limited}/hello`, max + 1);
    assert.equal(overLimited.filter((status) => status === 200).length, max);
    assert.equal(overLimited.filter((status) => status === 429).length, 1);
    const overUnlimited = await burst(agent(), `${unlimited}/hello`, max + 1);
    assert.deepEqual(new Set(overUnlimited), new Set([200]));
  });

  it('refuses a limit that cannot work at start, naming the option', () => {
    const build = (rateLimit: RateLimitSetting) => () =>
      createHttpsServer({
        tls: credentialTlsOptions(serverCredential),
        logger: pino({ level: 'silent' }),
        rateLimit,
      });
    assert.throws(build({ max: 0 }), { code: 'BYODA_ERR_CONFIG', message: /rateLimit\.max/ });
    assert.throws(build({ max: 1.5 }), { code: 'BYODA_ERR_CONFIG', message: /rateLimit\.max/ });
    assert.throws(build({ max: 5, windowMs: 0 }), {
      code: 'BYODA_ERR_CONFIG',
      message: /rateLimit\.windowMs/,
    });
  });
});
