/**
 * The benchmark as each pod's owner: log in on the web port with the username and password file of
 * network.json, then GraphQL over verified TLS (root CA of network.json, the pod's FQDN as SNI), as
 * any client of a local network does.
 */
import { readFile } from 'node:fs/promises';
import type { Agent } from 'undici';
import { createTlsAgent, requestJson } from '../../src/network/index.js';
import type { NetworkJson, PodJson } from '../../src/local/index.js';

/** A recursive query waits for every pod it reaches; the pods' own deadline ends it well before. */
const REQUEST_TIMEOUT_MS = 120_000;

export interface GraphqlResult {
  readonly data?: Record<string, unknown>;
  readonly errors?: readonly { readonly message: string }[];
}

export class OwnerClient {
  readonly pod: PodJson;
  readonly #agent: Agent;
  readonly #token: string;
  readonly #serviceId: number;

  private constructor(pod: PodJson, agent: Agent, token: string, serviceId: number) {
    this.pod = pod;
    this.#agent = agent;
    this.#token = token;
    this.#serviceId = serviceId;
  }

  static async login(network: NetworkJson, rootCaPem: string, pod: PodJson): Promise<OwnerClient> {
    const service = network.services[0];
    if (!service) throw new Error('network.json lists no service');
    const agent = createTlsAgent({ rootCaPem, servername: pod.fqdn, timeoutMs: REQUEST_TIMEOUT_MS });
    try {
      const password = (await readFile(pod.password_file, 'utf8')).split('\n')[0] ?? '';
      const answer = (await requestJson(agent, new URL('/api/v1/pod/authtoken', pod.web_url), {
        method: 'POST',
        body: { username: pod.username, password },
      })) as { auth_token?: unknown };
      if (typeof answer.auth_token !== 'string') throw new Error(`${pod.name}: no auth_token`);
      return new OwnerClient(pod, agent, answer.auth_token, service.service_id);
    } catch (err) {
      await agent.close();
      throw err;
    }
  }

  async graphql(query: string, variables: Record<string, unknown> = {}): Promise<GraphqlResult> {
    const url = new URL(`/api/v1/data/service-${this.#serviceId}`, this.pod.web_url);
    return (await requestJson(this.#agent, url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.#token}` },
      body: { query, variables },
    })) as GraphqlResult;
  }

  /** A query that must answer without GraphQL errors. */
  async data(query: string, variables: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const result = await this.graphql(query, variables);
    if (result.errors && result.errors.length > 0) {
      throw new Error(`${this.pod.name}: ${result.errors.map((e) => e.message).join('; ')}`);
    }
    if (!result.data) throw new Error(`${this.pod.name}: no data`);
    return result.data;
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}
