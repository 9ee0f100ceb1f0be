/**
 * The browser proxy (spec §12; docs/protocol.md "Browser proxy"): `https://proxy.<network>/<account_id>/<path>`
 * is `<path>` on that pod's web port. A browser trusts the proxy's certificate (ACME in production, the
 * network root locally), while pods keep certificates of the network's own root, which browsers do not
 * know. The member port is never reached: only account names are looked up (pod-locator.ts), and they
 * name web ports. Limits per client: the shared rate limit (src/http), the request body size, the
 * answer size and the time a pod may take.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { createResolver } from '../dns/index.js';
import { ByodaError } from '../errors/index.js';
import { clientAddress, createHttpsServer, httpsUrl, listeningPort } from '../http/index.js';
import type { HttpsApp, RateLimitSetting } from '../http/index.js';
import { isUuidV4, proxyFqdn } from '../pki/index.js';
import { PodPools, forward } from './forward.js';
import type { ForwardLimits } from './forward.js';
import { PodLocator } from './pod-locator.js';

export const DEFAULT_PROXY_LIMITS = {
  maxRequestBytes: 1024 * 1024,
  maxResponseBytes: 16 * 1024 * 1024,
  timeoutMs: 30_000,
} as const;

export interface ProxyStartOptions {
  readonly network: string;
  /** The network root: pods' certificates are verified against it. */
  readonly rootCaPem: string;
  /** The certificate browsers see for `proxy.<network>` (chain PEM) and its key. */
  readonly tls: { readonly cert: string; readonly key: string; readonly passphrase?: string };
  readonly dnsServer: { readonly host: string; readonly port: number };
  readonly host?: string;
  readonly port?: number;
  readonly logger: Logger;
  readonly limits?: Partial<ForwardLimits & { maxRequestBytes: number }>;
  readonly rateLimit?: RateLimitSetting;
}

export interface ProxyAddress {
  readonly url: string;
  readonly fqdn: string;
  readonly host: string;
  readonly port: number;
}

export class ProxyServer {
  #app: HttpsApp | undefined;
  #pools: PodPools | undefined;

  async start(options: ProxyStartOptions): Promise<ProxyAddress> {
    const limits = { ...DEFAULT_PROXY_LIMITS, ...options.limits };
    const app = createHttpsServer({
      tls: options.tls,
      logger: options.logger,
      bodyLimit: limits.maxRequestBytes,
      kind: 'proxy',
      ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
    });
    const locator = new PodLocator(createResolver(options.dnsServer), options.network);
    const pools = new PodPools(options.rootCaPem);
    // Bodies are passed on as bytes, whatever their type: the pod parses and validates them.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    app.get('/', async () => {
      throw new ByodaError('BYODA_ERR_NOT_FOUND', 'give a pod: https://proxy.<network>/<account_id>/');
    });
    const handle = async (
      request: FastifyRequest<{ Params: { accountId: string } }>,
      reply: FastifyReply,
    ) => {
      const accountId = parseAccountId(request.params.accountId);
      const prefix = `/${accountId}`;
      const path = request.url.slice(prefix.length);
      // `/<account_id>` alone: the app's pages need the trailing slash. (The router treats `/<id>/`
      // as `/<id>` too, so the two are told apart here by the URL itself.)
      if (path === '' || path.startsWith('?')) return reply.redirect(`${prefix}/${path}`, 308);
      const pod = await locator.locate(accountId);
      try {
        const answer = await forward(
          pools.of(pod),
          pod,
          {
            method: request.method,
            path,
            headers: request.headers,
            body: Buffer.isBuffer(request.body) ? request.body : undefined,
            client: clientAddress(request.ip),
            prefix,
          },
          limits,
        );
        return reply.code(answer.status).headers(answer.headers).send(answer.body);
      } catch (err) {
        locator.forget(accountId);
        throw err;
      }
    };
    app.all('/:accountId', handle);
    app.all('/:accountId/*', handle);

    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
    this.#app = app;
    this.#pools = pools;
    const host = options.host ?? '127.0.0.1';
    const port = listeningPort(app);
    return { url: httpsUrl(host, port), fqdn: proxyFqdn(options.network), host, port };
  }

  async stop(): Promise<void> {
    await this.#app?.close();
    await this.#pools?.close();
    this.#app = undefined;
    this.#pools = undefined;
  }
}

function parseAccountId(value: string): string {
  if (!isUuidV4(value)) {
    throw new ByodaError(
      'BYODA_ERR_BAD_REQUEST',
      'account_id: the first path segment must be an account id',
      {
        status: 400,
        path: 'account_id',
      },
    );
  }
  return value;
}
