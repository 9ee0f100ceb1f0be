/**
 * The pod's client of a service's API (spec §4): the signed contract, the certificates that verify
 * it, and membership certificates. Connections present the account TLS cert (the service signs member
 * CSRs only for accounts, over mutual TLS) and accept only a server cert naming the service's FQDN and
 * chaining to the network root, whatever address DNS gave.
 */
import type { Agent } from 'undici';
import { ByodaError } from '../../errors/index.js';
import { createTlsAgent, requestJson, requestText } from '../../network/index.js';
import type { Credential } from '../../pki/index.js';

/** Paths of the service API (src/service routes), fixed by spec §4 and docs/protocol.md. */
const SERVICE_API = {
  contract: '/api/v1/service/contract',
  dataCert: '/api/v1/service/data-cert',
  networkDataCert: '/api/v1/service/network-data-cert',
  member: '/api/v1/service/member',
} as const;

export interface ServiceClientOptions {
  /** `https://host:port` of the service. */
  readonly url: string;
  /** `service.service-<id>.<net>`: the name its certificate must carry. */
  readonly fqdn: string;
  readonly rootCaPem: string;
  /** The account TLS cert, presented as client certificate. */
  readonly credential: Credential;
  readonly timeoutMs?: number;
}

export interface MemberCsrInput {
  readonly csrPem: string;
  /** The address for the member's DNS name (default: the address the request comes from). */
  readonly address?: string;
  /** The member port; required with a member TLS CSR. */
  readonly port?: number;
}

export class ServiceClient {
  readonly url: string;
  readonly #agent: Agent;

  constructor(options: ServiceClientOptions) {
    this.url = options.url;
    this.#agent = createTlsAgent({
      rootCaPem: options.rootCaPem,
      servername: options.fqdn,
      credential: options.credential,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  /** The contract document as served: the latest version, or `version`. Verify it before use. */
  async getContract(version?: number): Promise<Record<string, unknown>> {
    const query = version === undefined ? '' : `?version=${version}`;
    const doc = await requestJson(this.#agent, this.#resolve(`${SERVICE_API.contract}${query}`), {
      method: 'GET',
    });
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw new ByodaError('BYODA_ERR_UNREACHABLE', 'the service did not answer with a contract');
    }
    return doc as Record<string, unknown>;
  }

  /** The service data cert chain (PEM, leaf first): verifies the service's contract signature. */
  getDataCert(): Promise<string> {
    return requestText(this.#agent, this.#resolve(SERVICE_API.dataCert));
  }

  /** The network data cert chain (PEM, leaf first): verifies the network's contract signature. */
  getNetworkDataCert(): Promise<string> {
    return requestText(this.#agent, this.#resolve(SERVICE_API.networkDataCert));
  }

  /** Has the service sign a member TLS or member data CSR; returns the chain PEM. */
  async requestMemberCert(input: MemberCsrInput): Promise<string> {
    const body = {
      csr: input.csrPem,
      ...(input.address !== undefined ? { address: input.address } : {}),
      ...(input.port !== undefined ? { port: input.port } : {}),
    };
    const reply = await requestJson(this.#agent, this.#resolve(SERVICE_API.member), { method: 'POST', body });
    const chain =
      typeof reply === 'object' && reply !== null ? (reply as Record<string, unknown>)['chain'] : null;
    if (typeof chain !== 'string') {
      throw new ByodaError('BYODA_ERR_UNREACHABLE', 'the service did not answer with a certificate chain');
    }
    return chain;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  #resolve(path: string): URL {
    return new URL(path, this.url);
  }
}
