/**
 * Recursive queries over the social graph (spec §8), from one pod's owner, and how many requests
 * they cost: each pod a forwarded query reaches writes one `federated query admitted` line for its
 * first visit and `federated query repeated` for each further one (docs/protocol.md, "In the pod"),
 * with the query id we chose, so counting those lines in every pod's log gives the visits.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetworkJson } from '../../src/local/index.js';
import type { OwnerClient } from './owner-client.js';
import { RELATION } from './populate.js';
import { sleep } from './up-process.js';

export interface QueryFigures {
  readonly pod: string;
  readonly degree: number;
  readonly depth: number;
  readonly latencyMs: number;
  /** Pods within `depth` hops in the generated graph (the asking pod not counted). */
  readonly reachable: number;
  /** Pods whose log has the query's `admitted` line. */
  readonly visited: number;
  /** `admitted` + `repeated` lines: every request the query made to a pod. */
  readonly requests: number;
  /** requests / visited: 1 when no pod was asked twice. */
  readonly requestsPerReachedPod: number;
  /** Distinct origins among the answer's edges (at most one page per pod). */
  readonly origins: number;
  readonly remoteErrors: number;
  readonly firstRemoteError?: string;
}

const QUERY = `query ($depth: Int!, $id: UUID!, $relations: [String!]) {
  public_assets_connection(depth: $depth, relations: $relations, query_id: $id, first: 100) {
    edges { origin }
    remote_errors { origin message }
  }
}`;

interface Answer {
  readonly edges: readonly { readonly origin: string | null }[];
  readonly remote_errors: readonly { readonly origin: string; readonly message: string }[];
}

export async function recursiveQuery(
  owner: OwnerClient,
  network: NetworkJson,
  dataDir: string,
  figures: { readonly degree: number; readonly depth: number; readonly reachable: number },
): Promise<QueryFigures> {
  const queryId = randomUUID();
  const started = performance.now();
  const data = await owner.data(QUERY, { depth: figures.depth, id: queryId, relations: [RELATION] });
  const latencyMs = Math.round(performance.now() - started);
  const answer = data['public_assets_connection'] as Answer;
  // Log lines are written asynchronously; a moment lets the last ones reach the files.
  await sleep(500);
  const { admitted, repeated } = await countVisits(network, dataDir, queryId);
  const firstError = answer.remote_errors[0];
  return {
    pod: owner.pod.name,
    ...figures,
    latencyMs,
    visited: admitted,
    requests: admitted + repeated,
    requestsPerReachedPod: admitted === 0 ? 0 : round2((admitted + repeated) / admitted),
    origins: new Set(answer.edges.map((edge) => edge.origin)).size,
    remoteErrors: answer.remote_errors.length,
    ...(firstError ? { firstRemoteError: `${firstError.origin}: ${firstError.message}` } : {}),
  };
}

async function countVisits(
  network: NetworkJson,
  dataDir: string,
  queryId: string,
): Promise<{ admitted: number; repeated: number }> {
  let admitted = 0;
  let repeated = 0;
  for (const pod of network.pods) {
    const log = await readFile(join(dataDir, 'pods', pod.name, 'logs', 'pod.log'), 'utf8').catch(() => '');
    for (const line of log.split('\n')) {
      if (!line.includes(queryId)) continue;
      if (line.includes('"federated query admitted"')) admitted++;
      else if (line.includes('"federated query repeated"')) repeated++;
    }
  }
  return { admitted, repeated };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
