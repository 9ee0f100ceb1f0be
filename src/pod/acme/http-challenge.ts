/**
 * The HTTP-01 responder (RFC 8555 §8.3): a plain-HTTP listener that answers
 * `GET /.well-known/acme-challenge/<token>` with the key authorization of a pending challenge and
 * nothing else. The CA connects to port 80 of the domain (Let's Encrypt) or to the port its
 * configuration names (pebble's `httpPort`); no pod data is ever reachable without TLS here.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ByodaError } from '../../errors/index.js';

export const CHALLENGE_PREFIX = '/.well-known/acme-challenge/';
/** RFC 8555 §8.3: tokens are base64url; anything else cannot be a pending one. */
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

export class HttpChallengeResponder {
  readonly #answers = new Map<string, string>();
  readonly #server: Server;

  constructor() {
    this.#server = createServer((request, response) => this.#answer(request, response));
    // Slow or silent clients are dropped: the CA's validation is one short request.
    this.#server.requestTimeout = 10_000;
    this.#server.headersTimeout = 5_000;
  }

  /** Listens; resolves with the port (useful with port 0). */
  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return (this.#server.address() as AddressInfo).port;
  }

  /** From now on `token` is answered with `keyAuthorization`. */
  add(token: string, keyAuthorization: string): void {
    this.#answers.set(token, keyAuthorization);
  }

  remove(token: string): void {
    this.#answers.delete(token);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #answer(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '').split('?')[0] ?? '';
    if (!path.startsWith(CHALLENGE_PREFIX)) {
      return refuse(response, 404, 'BYODA_ERR_NOT_FOUND', `only ${CHALLENGE_PREFIX}<token> is served here`);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return refuse(response, 405, 'BYODA_ERR_BAD_REQUEST', `method ${request.method ?? ''} not allowed`);
    }
    const token = path.slice(CHALLENGE_PREFIX.length);
    if (!TOKEN.test(token)) {
      return refuse(response, 400, 'BYODA_ERR_BAD_REQUEST', 'token: not a base64url ACME token');
    }
    const answer = this.#answers.get(token);
    if (answer === undefined)
      return refuse(response, 404, 'BYODA_ERR_NOT_FOUND', 'token: no pending challenge');
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : answer);
  }
}

function refuse(
  response: ServerResponse,
  status: number,
  code: 'BYODA_ERR_NOT_FOUND' | 'BYODA_ERR_BAD_REQUEST',
  message: string,
): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(new ByodaError(code, message, { status }).toJSON()));
}
