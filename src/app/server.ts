/**
 * A reference app server (spec §12; docs/protocol.md, "Apps and claims"): HTTPS with the app's TLS
 * cert (`<app_id>.apps-<S>.<net>`), client certificates requested and checked per route, the claim
 * routes, and its name registered at the directory with its own certificate once it listens.
 *
 * ```ts
 * const server = new AppServer();
 * const { url, fqdn } = await server.start({ dataDir, passphrase });
 * await server.stop();
 * ```
 */
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import {
  createClientIdentityVerifier,
  createHttpsServer,
  httpsUrl,
  listeningPort,
  publishableAddress,
  silentLogger,
} from '../http/index.js';
import type { HttpsApp } from '../http/index.js';
import { DirectoryClient } from '../network/index.js';
import { appFqdn, credentialTlsOptions, readCredential, readRootCaCert } from '../pki/index.js';
import { ClaimStore } from './claim-store.js';
import { claimRoutes } from './claim-routes.js';
import { APP_FILES, appPath, readAppConfig } from './layout.js';
import type { AppKind } from './layout.js';
import { DEFAULT_REVIEW_POLICY } from './review.js';
import type { ReviewPolicy } from './review.js';

export interface AppStartOptions {
  readonly dataDir: string;
  readonly passphrase: string;
  readonly host?: string;
  readonly port?: number;
  /** The address the directory publishes (default: `host` when it is an IP address). */
  readonly publicAddress?: string;
  /** Overrides the directory URL stored at init. */
  readonly directoryUrl?: string;
  readonly policy?: ReviewPolicy;
  readonly logger?: Logger;
}

export interface AppAddress {
  readonly url: string;
  readonly port: number;
  readonly appId: string;
  readonly serviceId: number;
  readonly fqdn: string;
  readonly kind: AppKind;
  readonly network: string;
}

/** Claims bodies are one record; 256 KiB bounds what a client can send. */
export const APP_BODY_LIMIT = 256 * 1024;

export class AppServer {
  #app: HttpsApp | undefined;
  #claims: ClaimStore | undefined;

  async start(options: AppStartOptions): Promise<AppAddress> {
    const { dataDir, passphrase } = options;
    const config = await readAppConfig(dataDir);
    const { rootPem } = await readRootCaCert(dataDir);
    const tls = await readCredential(dataDir, APP_FILES.tls, passphrase);
    const data = await readCredential(dataDir, APP_FILES.data, passphrase);
    const fqdn = appFqdn(config.network, config.serviceId, config.appId);
    const clients = createClientIdentityVerifier(rootPem);
    const logger = options.logger ?? silentLogger();
    const app = createHttpsServer({
      tls: { ...credentialTlsOptions(tls), ca: rootPem, requestCert: true },
      logger,
      bodyLimit: APP_BODY_LIMIT,
      kind: 'app',
      clientIdentityOf: (request) => clients.identityOf(request.raw.socket as TLSSocket),
    });
    clients.watch(app.server);
    this.#app = app;
    this.#claims = new ClaimStore(appPath(dataDir, 'database'));
    let port = 0;
    const claims = this.#claims;
    void app.register(async (routes) => {
      claimRoutes(routes, {
        config,
        data,
        clients,
        claims,
        policy: options.policy ?? DEFAULT_REVIEW_POLICY,
        baseUrl: () => `https://${fqdn}:${port}`,
      });
    });
    const host = options.host ?? '127.0.0.1';
    await app.listen({ host, port: options.port ?? 0 });
    port = listeningPort(app);
    const directory = new DirectoryClient({
      url: options.directoryUrl ?? config.directoryUrl,
      network: config.network,
      rootCaPem: rootPem,
      credential: tls,
    });
    try {
      const address = options.publicAddress ?? publishableAddress(host);
      await directory.registerApp({
        appId: config.appId,
        serviceId: config.serviceId,
        port,
        ...(address !== undefined ? { address } : {}),
      });
    } finally {
      await directory.close();
    }
    return { url: httpsUrl(host, port), port, fqdn, ...config };
  }

  async stop(): Promise<void> {
    await this.#app?.close();
    this.#claims?.close();
    this.#app = undefined;
    this.#claims = undefined;
  }
}
