/**
 * A client of a pod's owner API on the web port (spec §4, §10), for `byoda pod join`, `byoda up` and
 * tests: log in with the owner's password, then call the owner endpoints with the token. The pod's
 * certificate must name its account FQDN and chain to the network root, whatever address is used.
 */
import type { Agent } from 'undici';
import { ByodaError } from '../errors/index.js';
import { createTlsAgent, requestJson } from '../network/index.js';

export interface OwnerClientOptions {
  /** The pod's web URL, `https://host:port`. */
  readonly webUrl: string;
  /** `<account_id>.accounts.<net>` */
  readonly fqdn: string;
  readonly rootCaPem: string;
}

export interface JoinedMembership {
  readonly serviceId: number;
  readonly memberId: string;
  readonly fqdn: string;
  readonly contractVersion: number;
}

export class OwnerClient {
  readonly #agent: Agent;
  readonly #webUrl: string;
  #token: string | undefined;

  constructor(options: OwnerClientOptions) {
    this.#webUrl = options.webUrl;
    this.#agent = createTlsAgent({ rootCaPem: options.rootCaPem, servername: options.fqdn });
  }

  /** Logs in; later calls carry the token. Returns it, for callers that use it themselves. */
  async login(username: string, password: string): Promise<string> {
    const reply = await this.#call('POST', '/api/v1/pod/authtoken', { username, password });
    const token = field(reply, 'auth_token');
    if (typeof token !== 'string') throw unexpected('a token');
    this.#token = token;
    return token;
  }

  async join(serviceId: number): Promise<JoinedMembership> {
    const reply = await this.#call('POST', `/api/v1/pod/member/service-${serviceId}`);
    const memberId = field(reply, 'member_id');
    const fqdn = field(reply, 'fqdn');
    const version = field(reply, 'contract_version');
    if (typeof memberId !== 'string' || typeof fqdn !== 'string' || typeof version !== 'number') {
      throw unexpected('a membership');
    }
    return { serviceId, memberId, fqdn, contractVersion: version };
  }

  /** `GET /api/v1/pod/account` as the pod answers it. */
  account(): Promise<unknown> {
    return this.#call('GET', '/api/v1/pod/account');
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  #call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = this.#token ? { authorization: `Bearer ${this.#token}` } : {};
    return requestJson(this.#agent, new URL(path, this.#webUrl), {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
  }
}

function field(reply: unknown, name: string): unknown {
  return typeof reply === 'object' && reply !== null ? (reply as Record<string, unknown>)[name] : undefined;
}

function unexpected(what: string): ByodaError {
  return new ByodaError('BYODA_ERR_UNREACHABLE', `the pod did not answer with ${what}`);
}
