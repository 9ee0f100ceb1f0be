/**
 * Apps' data certificates (spec §12; docs/protocol.md, "Apps and claims"), fetched from each app's own
 * server: `GET https://<app_id>.apps-<S>.<net>:<port>/api/v1/app/data-cert`, the address and port from
 * the network's DNS (A and `_byoda._tcp` SRV records, as for pods). The app's TLS cert is checked to be
 * that app's, and the chain it serves to verify to the network root as that app's data cert of this
 * service, before a claim is checked with it. Verified leaves are kept an hour; a failure 10 seconds,
 * so that a page of records reviewed by an unreachable app costs one attempt.
 */
import { X509Certificate } from 'node:crypto';
import { Agent, request } from 'undici';
import { byodaSrvName, DnsNameNotFoundError } from '../dns/index.js';
import { ByodaError, isByodaError } from '../errors/index.js';
import { appFqdn, splitPemBundle, verifyChainBundle } from '../pki/index.js';
import type { PeerResolver } from './peer-pool.js';

export const APP_DATA_CERT_PATH = '/api/v1/app/data-cert';
const TTL_MS = 60 * 60_000;
const FAILURE_TTL_MS = 10_000;
const TIMEOUT_MS = 5_000;
const MAX_CHAIN_BYTES = 64 * 1024;

export interface AppDataCert {
  readonly leafPem: string;
  /** SHA-256 of the leaf's DER, lower-case hex (a claim's `cert_fingerprint`). */
  readonly fingerprint: string;
}

export interface AppDataCerts {
  get(appId: string): Promise<AppDataCert>;
}

export interface AppDataCertsOptions {
  readonly rootCaPem: string;
  readonly network: string;
  readonly serviceId: number;
  readonly resolver: PeerResolver;
}

export function createAppDataCerts(options: AppDataCertsOptions): AppDataCerts {
  const entries = new Map<
    string,
    { readonly value?: AppDataCert; readonly error?: unknown; readonly until: number }
  >();

  async function fetchCert(appId: string): Promise<AppDataCert> {
    const fqdn = appFqdn(options.network, options.serviceId, appId);
    const [addresses, srv] = await Promise.all([
      options.resolver.resolveA(fqdn).catch((err: unknown) => {
        if (err instanceof DnsNameNotFoundError) throw unreachable(`app ${appId} is not registered in DNS`);
        throw err;
      }),
      options.resolver.resolveSrv(byodaSrvName(fqdn)).catch(() => []),
    ]);
    const address = addresses[0];
    const port = srv[0]?.port;
    if (address === undefined || port === undefined)
      throw unreachable(`app ${appId} has no address or port in DNS`);
    // One connection per fetch (a fetch is rare: kept an hour). TLS checks the app's chain to the root
    // and, by `servername`, that its certificate names the app's FQDN.
    const agent = new Agent({
      connect: { ca: options.rootCaPem, servername: fqdn },
      connectTimeout: TIMEOUT_MS,
    });
    let text: string;
    let status: number;
    try {
      const response = await request(`https://${address}:${port}${APP_DATA_CERT_PATH}`, {
        dispatcher: agent,
        headers: { host: fqdn },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      status = response.statusCode;
      text = await response.body.text();
    } finally {
      await agent.close();
    }
    const response = { statusCode: status };
    if (response.statusCode !== 200) throw unreachable(`app ${appId} answered ${response.statusCode}`);
    if (Buffer.byteLength(text) > MAX_CHAIN_BYTES)
      throw certError('the data certificate chain is far too large');
    const identity = await verifyChainBundle(text, options.rootCaPem);
    const fits =
      identity.type === 'app-data' &&
      identity.appId === appId &&
      identity.serviceId === options.serviceId &&
      identity.network === options.network;
    if (!fits) throw certError(`app ${appId} served a certificate that is not its app data certificate`);
    const leafPem = splitPemBundle(text)[0] ?? '';
    const fingerprint = new X509Certificate(leafPem).fingerprint256.replaceAll(':', '').toLowerCase();
    return { leafPem, fingerprint };
  }

  return {
    async get(appId) {
      const id = appId.toLowerCase();
      const known = entries.get(id);
      if (known && known.until > Date.now()) {
        if (known.value) return known.value;
        throw known.error;
      }
      try {
        const value = await fetchCert(id);
        entries.set(id, { value, until: Date.now() + TTL_MS });
        return value;
      } catch (error) {
        entries.set(id, { error, until: Date.now() + FAILURE_TTL_MS });
        throw isByodaError(error) ? error : unreachable(`app ${appId} cannot be reached`, error);
      }
    },
  };
}

function unreachable(message: string, cause?: unknown): ByodaError {
  return new ByodaError('BYODA_ERR_UNREACHABLE', message, cause === undefined ? {} : { cause });
}

function certError(message: string): ByodaError {
  return new ByodaError('BYODA_ERR_CERT_CHAIN', message);
}
