/**
 * Helpers of the federation tests (not a test file): a pod's owner, logged in on its web port, who
 * joins the service and writes and reads through GraphQL; the project's own example contract; and the
 * pods' log lines about forwarded queries (src/pod/federation/federated-admission.ts), by which visits are counted.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Agent } from 'undici';
import { OwnerApi } from '../../../src/network/index.js';
import { podPaths } from '../../../src/pod/index.js';
import type { NetworkHarness, PodInfo } from '../../fixtures/network-harness.js';
import { graphql, tlsAgent } from '../pod/pod-clients.js';
import type { GraphqlAnswer } from '../pod/pod-clients.js';

/** The project's own example contract (service 4294929430, max_query_depth 3). */
export const EXAMPLE_CONTRACT = fileURLToPath(
  new URL('../../../contracts/addressbook.json', import.meta.url),
);

/** Where a pod's web port is, and how its owner logs in. */
export interface OwnedPod {
  readonly name: string;
  readonly webUrl: string;
  /** `<account_id>.accounts.<net>`: the web port's TLS name. */
  readonly fqdn: string;
  readonly username: string;
  readonly password: string;
}

export interface Edge {
  readonly origin: string | null;
  readonly node: Record<string, unknown>;
}

export interface RemoteError {
  readonly origin: string;
  readonly message: string;
  /** Asked only by the tests that check it. */
  readonly code?: string | null;
}

export interface Connection {
  readonly total_count: number;
  readonly edges: readonly Edge[];
  readonly remote_errors: readonly RemoteError[];
}

/** The owner of one pod, with a token, joined to the service. */
export class OwnerSession {
  readonly pod: OwnedPod;
  readonly serviceId: number;
  readonly memberId: string;
  readonly #agent: Agent;
  readonly #token: string;

  private constructor(pod: OwnedPod, serviceId: number, memberId: string, agent: Agent, token: string) {
    this.pod = pod;
    this.serviceId = serviceId;
    this.memberId = memberId;
    this.#agent = agent;
    this.#token = token;
  }

  /** Logs in on the pod's web port and joins the service through the owner API. */
  /** The owner's token (e.g. for a graphql-ws `connection_init`). */
  get token(): string {
    return this.#token;
  }

  static async join(pod: OwnedPod, rootCaPem: string, serviceId: number): Promise<OwnerSession> {
    const client = new OwnerApi({ webUrl: pod.webUrl, fqdn: pod.fqdn, rootCaPem });
    try {
      const { token } = await client.login(pod.username, pod.password);
      const joined = await client.join(serviceId);
      return new OwnerSession(pod, serviceId, joined.memberId, tlsAgent(rootCaPem, pod.fqdn), token);
    } finally {
      await client.close();
    }
  }

  /** Logs in on a pod that is a member already (e.g. a restored one) as the owner of `memberId`. */
  static async signIn(
    pod: OwnedPod,
    rootCaPem: string,
    serviceId: number,
    memberId: string,
  ): Promise<OwnerSession> {
    const client = new OwnerApi({ webUrl: pod.webUrl, fqdn: pod.fqdn, rootCaPem });
    try {
      const { token } = await client.login(pod.username, pod.password);
      return new OwnerSession(pod, serviceId, memberId, tlsAgent(rootCaPem, pod.fqdn), token);
    } finally {
      await client.close();
    }
  }

  query(query: string, variables?: Record<string, unknown>): Promise<GraphqlAnswer> {
    return graphql(this.#agent, this.pod.webUrl, this.serviceId, query, {
      token: this.#token,
      ...(variables ? { variables } : {}),
    });
  }

  /** A query that must answer without GraphQL errors; its data. */
  async data(query: string, variables?: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = await this.query(query, variables);
    assert.deepEqual(answer.errors, [], `${this.pod.name}: ${answer.text}`);
    assert.ok(answer.data, `${this.pod.name}: no data in ${answer.text}`);
    return answer.data;
  }

  /** A network link from this owner to `memberId` (spec §6: the relation the firewall checks). */
  async link(memberId: string, relation: string): Promise<void> {
    await this.data(
      'mutation($input: network_link_input!) { append_network_links(input: $input) { member_id } }',
      { input: { member_id: memberId, relation, created_timestamp: new Date().toISOString() } },
    );
  }

  async storePerson(person: Record<string, unknown>): Promise<void> {
    await this.data('mutation($input: person_input!) { mutate_person(input: $input) { given_name } }', {
      input: person,
    });
  }

  /** An asset in `public_assets` (anonymous read: every pod may read it, at any distance). */
  async publish(title: string): Promise<void> {
    await this.data('mutation($input: asset_input!) { append_public_assets(input: $input) { title } }', {
      input: {
        asset_id: randomUUID(),
        created_timestamp: new Date().toISOString(),
        asset_type: 'note',
        title,
      },
    });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/**
 * An owner session on each pod of `net`, in the pods' order, joined to the network's service; `names`
 * (one per pod) name them in the pods' logs and in failure messages.
 */
export async function joinEachPod<const Names extends readonly string[]>(
  net: NetworkHarness,
  names: Names,
): Promise<{ -readonly [K in keyof Names]: OwnerSession }> {
  assert.equal(names.length, net.pods.length, 'one name per pod');
  const sessions = await Promise.all(
    net.pods.map((pod, i) =>
      OwnerSession.join(
        { ...pod, name: names[i] ?? pod.name },
        net.directory.rootCaPem,
        net.service.serviceId,
      ),
    ),
  );
  return sessions as { -readonly [K in keyof Names]: OwnerSession };
}

/** The harness's record of the pod whose owner `session` is (its data folder, log, credentials). */
export function podOfSession(net: NetworkHarness, session: OwnerSession): PodInfo {
  const pod = net.pods.find((p) => p.webUrl === session.pod.webUrl);
  assert.ok(pod, `no pod of the network at ${session.pod.webUrl}`);
  return pod;
}

/** The connection a query asked under `field`. */
export function connectionOf(data: Record<string, unknown>, field: string): Connection {
  const connection = data[field];
  assert.ok(typeof connection === 'object' && connection !== null, `no ${field} in the answer`);
  return connection as Connection;
}

/** A pod's log line about a forwarded query that reached it (src/pod/federation/federated-admission.ts). */
export interface VisitLine {
  readonly msg: 'federated query admitted' | 'federated query repeated';
  readonly query_id: string;
  readonly origin: string;
  readonly depth: number;
  readonly distance?: number;
  readonly from: string;
}

const VISIT_MESSAGES = new Set(['federated query admitted', 'federated query repeated']);

/** The visit lines of `queryId` among parsed log lines. */
export function visitLines(lines: readonly Record<string, unknown>[], queryId: string): VisitLine[] {
  return lines.filter(
    (line): line is Record<string, unknown> & VisitLine =>
      typeof line['msg'] === 'string' && VISIT_MESSAGES.has(line['msg']) && line['query_id'] === queryId,
  );
}

/** The JSON lines of a pod process's log file (`<data>/logs/pod.log`); none before it exists. */
export async function podLogLines(dataDir: string): Promise<Record<string, unknown>[]> {
  let text: string;
  try {
    text = await readFile(podPaths(dataDir).logFile, 'utf8');
  } catch {
    return [];
  }
  const lines: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line being written while we read: the next read sees it whole.
    }
  }
  return lines;
}

/**
 * The visit lines of `queryId` in a pod process's log once there are at least `count`: the pod writes
 * its log asynchronously, so a line may land a moment after the answer it belongs to.
 */
export async function waitForVisits(dataDir: string, queryId: string, count: number): Promise<VisitLine[]> {
  const giveUp = Date.now() + 15_000;
  for (;;) {
    const visits = visitLines(await podLogLines(dataDir), queryId);
    if (visits.length >= count || Date.now() > giveUp) return visits;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
