/**
 * The owner's reads through the pod's web port, each against a peer serving the exact same bytes, at
 * every concurrency of bench/load/concurrency.ts, in alternating rounds (bench/load/load-generator.ts):
 *
 * - the owner's single record (the address card) against the bare https + better-sqlite3 server;
 * - a page of 20 records against the bare server;
 * - the single record against the Community Solid Server holding those bytes as a resource.
 */
import { CONNECTIONS } from '../load/concurrency.js';
import { compare } from '../load/load-generator.js';
import type { LoadSuiteResult } from '../measure.js';
import type { Comparison } from '../stats.js';
import {
  PAGE_SIZE,
  bareJob,
  bareServer,
  benchNetwork,
  loadGenerator,
  solidServer,
} from '../servers/network.js';
import type { BenchPod, JobBase } from '../servers/network.js';

/** The read the issue measured: the owner's address card with a nested field. */
export const SINGLE_READ = '{ person { given_name family_name email home_address { street } } }';
export const PAGE_READ =
  `{ public_assets_connection(first: ${PAGE_SIZE}) ` +
  '{ edges { node { asset_id created_timestamp asset_type title } } } }';

/** The owner's request of `query` on `pod`, answered always with the same bytes (checked per answer). */
async function podRead(pod: BenchPod, query: string): Promise<{ job: JobBase; type: string; body: string }> {
  const { type, body } = await pod.answer(query);
  return { job: { ...pod.job(query), expectBody: body }, type, body };
}

async function againstBare(what: string, query: string, name: string): Promise<LoadSuiteResult> {
  const { a } = await benchNetwork();
  const bare = await bareServer();
  const subject = await podRead(a, query);
  const baseline = bareJob(bare, bare.serve(name, subject.type, subject.body), subject.job, subject.body);
  const comparisons: Comparison[] = [];
  for (const connections of CONNECTIONS) {
    comparisons.push(
      await compare(
        loadGenerator(),
        {
          baseline: { name: `bare https + better-sqlite3, same ${subject.body.length} bytes`, job: baseline },
          subject: { name: `pod, owner GraphQL ${what}`, job: subject.job },
        },
        connections,
      ),
    );
  }
  return {
    benchmark: `owner ${what} vs bare`,
    comparisons,
    notes: { query, answer_bytes: Buffer.byteLength(subject.body) },
  };
}

export function singleReadSuite(): Promise<LoadSuiteResult> {
  return againstBare('single read', SINGLE_READ, 'person');
}

export function pageReadSuite(): Promise<LoadSuiteResult> {
  return againstBare(`${PAGE_SIZE}-record page`, PAGE_READ, 'page');
}

export async function solidSuite(): Promise<LoadSuiteResult> {
  const [{ a }, solid] = await Promise.all([benchNetwork(), solidServer()]);
  const subject = await podRead(a, SINGLE_READ);
  const url = await solid.put('person.json', 'application/json', subject.body);
  const bare = await bareServer(); // only for the TLS name and root CSS serves with
  const baseline: JobBase = {
    url,
    method: 'GET',
    headers: { accept: 'application/json' },
    servername: bare.tls.servername,
    caPem: bare.tls.caPem,
    expectBody: subject.body,
  };
  const comparisons: Comparison[] = [];
  for (const connections of CONNECTIONS) {
    comparisons.push(
      await compare(
        loadGenerator(),
        {
          baseline: { name: 'Community Solid Server 7 (memory, WAC), GET of the same bytes', job: baseline },
          subject: { name: 'pod, owner GraphQL single read', job: subject.job },
        },
        connections,
      ),
    );
  }
  return {
    benchmark: 'owner single read vs Community Solid Server',
    comparisons,
    notes: { query: SINGLE_READ, answer_bytes: Buffer.byteLength(subject.body) },
  };
}
