/**
 * The client of the directory server (docs/protocol.md, "Directory API"), used by pods and services to
 * get their certificates signed, publish their addresses and ports, have contracts countersigned and
 * list the network's services. One keep-alive connection pool per client; the directory's certificate
 * must chain to the network root and name `dir.<network>`, whatever address it is reached at.
 *
 * ```ts
 * const rootCaPem = await DirectoryClient.fetchRootCa(url, { expectedFingerprint });
 * const anonymous = new DirectoryClient({ url, network, rootCaPem });
 * const { chainPem } = await anonymous.registerAccount({ csrPem, port });
 * ```
 */
import { createHash, X509Certificate } from 'node:crypto';
import { Agent } from 'undici';
import { ByodaError } from '../errors/index.js';
import { directoryFqdn, verifyRootCa } from '../pki/index.js';
import type { Credential } from '../pki/index.js';
import { DIRECTORY_PATHS, serviceContractPath, servicePath } from './directory-api.js';
import type {
  AccountCsrBody,
  AccountUpdateBody,
  ContractSignBody,
  AppUpdateBody,
  MemberUpdateBody,
  RevocationBody,
  ServiceCsrBody,
  ServiceUpdateBody,
} from './directory-api.js';
import { createTlsAgent, isRecord, requestJson, requestText } from './request-json.js';

export interface DirectoryClientOptions {
  /** The directory's base URL, e.g. `https://127.0.0.1:4433`. */
  readonly url: string;
  /** The network domain; the directory's certificate must name `dir.<network>`. */
  readonly network: string;
  readonly rootCaPem: string;
  /** Client certificate (account, service or member TLS cert) for the calls that need one. */
  readonly credential?: Credential;
  /** Milliseconds per request (default 30 s). */
  readonly timeoutMs?: number;
}

/** A CSR signed by the directory. */
export interface SignedCsr {
  /** The certificate, then its intermediates (not the root). */
  readonly chainPem: string;
  readonly rootCaPem: string;
}

/** What the directory's DNS says about a name after a (re-)registration. */
export interface Registration {
  readonly fqdn: string;
  readonly address: string;
  /** The port published as SRV record, if any. */
  readonly port: number | undefined;
}

export interface DirectoryService {
  readonly serviceId: number;
  /** Unset until the service registers its name. */
  readonly name: string | undefined;
  /** The latest contract version the directory countersigned or was told of. */
  readonly version: number | undefined;
  /** `service.service-<id>.<network>` */
  readonly fqdn: string;
}

export interface FetchRootCaOptions {
  /**
   * SHA-256 fingerprint of the root certificate (DER), hex with or without colons, any case. When
   * given, any other root is refused; without it the first answer is trusted (trust on first use).
   */
  readonly expectedFingerprint?: string;
  readonly timeoutMs?: number;
}

export class DirectoryClient {
  readonly url: string;
  readonly network: string;
  readonly rootCaPem: string;
  private readonly agent: Agent;

  constructor(options: DirectoryClientOptions) {
    this.url = baseUrl(options.url);
    this.network = options.network;
    this.rootCaPem = options.rootCaPem;
    this.agent = createTlsAgent({
      rootCaPem: options.rootCaPem,
      servername: directoryFqdn(options.network),
      ...(options.credential ? { credential: options.credential } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  /**
   * Sign an account TLS CSR (`<account_id>.accounts.<net>`; a new account needs no client cert) or an
   * account data CSR (needs the account's TLS cert as credential), and publish the account's address.
   */
  async registerAccount(input: { csrPem: string; address?: string; port?: number }): Promise<SignedCsr> {
    const body: AccountCsrBody = { csr: input.csrPem, ...addressAndPort(input) };
    return toSignedCsr(await this.call('POST', DIRECTORY_PATHS.account, body));
  }

  /** The signed revocation list and its chain, unverified (src/pki `verifyRevocationList`). */
  async getRevocations(): Promise<{ list: string; chain: string }> {
    const reply = await this.call('GET', DIRECTORY_PATHS.revocations);
    const { list, chain } = isRecord(reply) ? reply : {};
    if (typeof list !== 'string' || typeof chain !== 'string') {
      throw new ByodaError('BYODA_ERR_UNREACHABLE', 'the directory did not answer with a revocation list');
    }
    return { list, chain };
  }

  /** Revoke this client's own account or membership, or (a service) one of its members. */
  async revoke(body: RevocationBody): Promise<{ revokedAt: string }> {
    const reply = await this.call('POST', DIRECTORY_PATHS.revocations, body);
    const revokedAt = isRecord(reply) ? reply['revoked_at'] : undefined;
    return { revokedAt: typeof revokedAt === 'string' ? revokedAt : '' };
  }

  /** Publish a new address and/or port for the account of this client's credential. */
  async updateAccount(input: { address?: string; port?: number }): Promise<Registration> {
    const body: AccountUpdateBody = addressAndPort(input);
    return toRegistration(await this.call('PUT', DIRECTORY_PATHS.account, body));
  }

  /** Sign a service CA CSR (`service-ca.service-<id>.<net>`); a taken service id needs its TLS cert. */
  async registerService(input: { csrPem: string; name?: string }): Promise<SignedCsr> {
    const body: ServiceCsrBody = {
      csr: input.csrPem,
      ...(input.name !== undefined ? { name: input.name } : {}),
    };
    return toSignedCsr(await this.call('POST', DIRECTORY_PATHS.service, body));
  }

  /** Publish the service's address, port, name and contract version (credential: its TLS cert). */
  async updateService(
    serviceId: number,
    input: { name: string; version: number; address?: string; port: number },
  ): Promise<Registration> {
    const body: ServiceUpdateBody = {
      name: input.name,
      version: input.version,
      port: input.port,
      ...(input.address !== undefined ? { address: input.address } : {}),
    };
    return toRegistration(await this.call('PUT', servicePath(serviceId), body));
  }

  /**
   * Have the network countersign a contract the service has signed with its data key (credential: the
   * service's TLS cert). Returns the contract with both signatures.
   */
  async signContract(
    serviceId: number,
    input: { contract: Record<string, unknown>; dataCertChainPem: string },
  ): Promise<Record<string, unknown>> {
    const body: ContractSignBody = { contract: input.contract, data_cert_chain: input.dataCertChainPem };
    const reply = await this.call('POST', serviceContractPath(serviceId), body);
    if (!isRecord(reply) || !isRecord(reply['contract'])) throw unexpected('a contract');
    return reply['contract'];
  }

  /** Publish a membership's address and port (credential: the member's or the service's TLS cert). */
  async registerMember(input: {
    memberId: string;
    serviceId: number;
    address?: string;
    port: number;
  }): Promise<Registration> {
    const body: MemberUpdateBody = {
      member_id: input.memberId,
      service_id: input.serviceId,
      port: input.port,
      ...(input.address !== undefined ? { address: input.address } : {}),
    };
    return toRegistration(await this.call('PUT', DIRECTORY_PATHS.member, body));
  }

  /** Publish an app's address and port (spec §12); the client's credential is the app's TLS cert. */
  async registerApp(input: {
    appId: string;
    serviceId: number;
    address?: string;
    port: number;
  }): Promise<Registration> {
    const body: AppUpdateBody = {
      app_id: input.appId,
      service_id: input.serviceId,
      port: input.port,
      ...(input.address !== undefined ? { address: input.address } : {}),
    };
    return toRegistration(await this.call('PUT', DIRECTORY_PATHS.app, body));
  }

  async listServices(): Promise<DirectoryService[]> {
    const reply = await this.call('GET', DIRECTORY_PATHS.services);
    if (!isRecord(reply) || !Array.isArray(reply['services'])) throw unexpected('a list of services');
    return reply['services'].map(toDirectoryService);
  }

  /** The network data cert chain (PEM), which verifies the network's signatures on contracts. */
  async getNetworkDataCert(): Promise<string> {
    return requestText(this.agent, this.resolve(DIRECTORY_PATHS.networkData));
  }

  /** Close the connection pool; the client cannot be used afterwards. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  /**
   * Download the network root CA from a directory whose root we do not have yet: the TLS certificate is
   * not checked (there is nothing to check it against), so pin `expectedFingerprint` where the network
   * is not local. The answer must be a valid, self-signed network root.
   */
  static async fetchRootCa(url: string, options: FetchRootCaOptions = {}): Promise<string> {
    const agent = new Agent({
      connect: { rejectUnauthorized: false, minVersion: 'TLSv1.2' },
      headersTimeout: options.timeoutMs ?? 30_000,
      bodyTimeout: options.timeoutMs ?? 30_000,
    });
    try {
      const pem = await requestText(agent, new URL(DIRECTORY_PATHS.rootCa, baseUrl(url)));
      await verifyRootCa(pem);
      if (options.expectedFingerprint !== undefined) assertFingerprint(pem, options.expectedFingerprint);
      return pem;
    } finally {
      await agent.close();
    }
  }

  private call(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<unknown> {
    return requestJson(this.agent, this.resolve(path), { method, ...(body !== undefined ? { body } : {}) });
  }

  private resolve(path: string): URL {
    return new URL(path, this.url);
  }
}

/** SHA-256 of a certificate's DER, as lower-case hex pairs joined by colons (openssl's form). */
export function certificateFingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256.toLowerCase();
}

function assertFingerprint(pem: string, expected: string): void {
  const normalise = (hex: string): string => hex.replace(/:/g, '').toLowerCase();
  const actual = createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
  if (normalise(expected) !== actual) {
    throw new ByodaError(
      'BYODA_ERR_CERT_CHAIN',
      `the directory's root CA has fingerprint ${actual}, not the expected ${normalise(expected)}`,
    );
  }
}

function baseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CONFIG', `not a URL: ${JSON.stringify(url)}`, { cause });
  }
  if (parsed.protocol !== 'https:') {
    throw new ByodaError('BYODA_ERR_CONFIG', `the directory URL must use https: ${parsed.origin}`);
  }
  return parsed.origin;
}

function addressAndPort(input: { address?: string; port?: number }): { address?: string; port?: number } {
  return {
    ...(input.address !== undefined ? { address: input.address } : {}),
    ...(input.port !== undefined ? { port: input.port } : {}),
  };
}

function toSignedCsr(reply: unknown): SignedCsr {
  if (!isRecord(reply) || typeof reply['chain'] !== 'string' || typeof reply['root_ca'] !== 'string') {
    throw unexpected('a certificate chain');
  }
  return { chainPem: reply['chain'], rootCaPem: reply['root_ca'] };
}

function toRegistration(reply: unknown): Registration {
  if (!isRecord(reply) || typeof reply['fqdn'] !== 'string' || typeof reply['address'] !== 'string') {
    throw unexpected('a registration');
  }
  const port = reply['port'];
  return {
    fqdn: reply['fqdn'],
    address: reply['address'],
    port: typeof port === 'number' ? port : undefined,
  };
}

function toDirectoryService(entry: unknown): DirectoryService {
  if (!isRecord(entry) || typeof entry['service_id'] !== 'number' || typeof entry['fqdn'] !== 'string') {
    throw unexpected('a list of services');
  }
  const { name, version } = entry;
  return {
    serviceId: entry['service_id'],
    name: typeof name === 'string' ? name : undefined,
    version: typeof version === 'number' ? version : undefined,
    fqdn: entry['fqdn'],
  };
}

function unexpected(what: string): ByodaError {
  return new ByodaError('BYODA_ERR_UNREACHABLE', `the directory did not answer with ${what}`);
}
