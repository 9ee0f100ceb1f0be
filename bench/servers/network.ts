/**
 * What the load suites share, started once per `npm run bench` on first use and stopped at its end:
 * a BYODA network of real `byoda` processes (test/fixtures/network-harness.ts: directory with DNS,
 * the example addressbook service, two pods A and B, each owner logged in and joined), the bare
 * baseline server, the Community Solid Server and the load generator process. Pod A holds the owner's address card and 20
 * public assets; pod B a few public assets, for the proxied read.
 *
 * The pods run with BYODA_RATE_LIMIT_PER_MINUTE at its greatest value, so that the rate limiter's work
 * is measured while it never refuses a request of the bench.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkHarness } from '../../test/fixtures/network-harness.js';
import { EXAMPLE_CONTRACT, OwnerSession } from '../../test/integration/federation/owner-session.js';
import { LoadGenerator } from '../load/load-generator.js';
import type { LoadJob } from '../load/protocol.js';
import { BareServer, benchTls } from './bare.js';
import type { BenchTls } from './bare.js';
import { SolidServer } from './css.js';

export type JobBase = Omit<LoadJob, 'connections' | 'seconds'>;

/** One pod of the bench network and its logged-in owner. */
export class BenchPod {
  readonly name: string;
  readonly owner: OwnerSession;
  readonly #rootCaPem: string;

  constructor(name: string, owner: OwnerSession, rootCaPem: string) {
    this.name = name;
    this.owner = owner;
    this.#rootCaPem = rootCaPem;
  }

  get graphqlUrl(): string {
    return `${this.owner.pod.webUrl}/api/v1/data/service-${this.owner.serviceId}`;
  }

  /** The owner's GraphQL request as the web app sends it: keep-alive HTTPS, SNI = the pod, JWT. */
  job(query: string, variables: Record<string, unknown> = {}): JobBase {
    return {
      url: this.graphqlUrl,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${this.owner.token}`,
      },
      body: JSON.stringify({ query, variables }),
      servername: this.owner.pod.fqdn,
      caPem: this.#rootCaPem,
    };
  }

  /** The exact bytes and content type the pod answers `query` with (no GraphQL errors allowed). */
  async answer(query: string): Promise<{ type: string; body: string }> {
    const answer = await this.owner.query(query);
    if (answer.status !== 200 || answer.errors.length > 0) {
      throw new Error(`${this.name}: ${query} answered ${answer.status}: ${answer.text}`);
    }
    return { type: String(answer.headers['content-type']), body: answer.text };
  }
}

export interface BenchNetwork {
  readonly harness: NetworkHarness;
  readonly a: BenchPod;
  readonly b: BenchPod;
}

export const PAGE_SIZE = 20;

let network: Promise<BenchNetwork> | undefined;
let bare: Promise<BareServer> | undefined;
let solid: Promise<SolidServer> | undefined;
let tls: Promise<{ dir: string; tls: BenchTls }> | undefined;
let generator: LoadGenerator | undefined;

/** The one load generator process of the run. */
export function loadGenerator(): LoadGenerator {
  generator ??= LoadGenerator.start();
  return generator;
}

export function benchNetwork(): Promise<BenchNetwork> {
  network ??= startNetwork();
  return network;
}

async function startNetwork(): Promise<BenchNetwork> {
  process.env['BYODA_RATE_LIMIT_PER_MINUTE'] = '1000000';
  const harness = await NetworkHarness.start({ pods: 2, contract: EXAMPLE_CONTRACT });
  try {
    const [a, b] = await Promise.all(
      harness.pods.map(async (pod, i) => {
        const name = i === 0 ? 'A' : 'B';
        const owner = await OwnerSession.join(
          { ...pod, name },
          harness.directory.rootCaPem,
          harness.service.serviceId,
        );
        return new BenchPod(name, owner, harness.directory.rootCaPem);
      }),
    );
    if (!a || !b) throw new Error('the bench network has two pods');
    await a.owner.storePerson({
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: 'ada@example.org',
      home_address: { street: '12 St James Square', city: 'London', postal_code: 'SW1Y 4JH', country: 'GB' },
    });
    for (let i = 0; i < PAGE_SIZE; i++) await a.owner.publish(`asset ${i} of A`);
    for (let i = 0; i < 3; i++) await b.owner.publish(`asset ${i} of B`);
    return { harness, a, b };
  } catch (err) {
    await harness.stop();
    throw err;
  }
}

function benchTlsOnce(): Promise<{ dir: string; tls: BenchTls }> {
  tls ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'byoda-bench-'));
    return { dir, tls: await benchTls(dir) };
  })();
  return tls;
}

export function bareServer(): Promise<BareServer> {
  bare ??= benchTlsOnce().then(({ dir, tls }) => BareServer.start(dir, tls));
  return bare;
}

export function solidServer(): Promise<SolidServer> {
  solid ??= benchTlsOnce().then(({ tls }) => SolidServer.start(tls));
  return solid;
}

/** The bare server's request for the bytes it serves under `name` (same headers and body as `like`). */
export function bareJob(server: BareServer, url: string, like: JobBase, expectBody?: string): JobBase {
  return {
    ...like,
    url,
    servername: server.tls.servername,
    caPem: server.tls.caPem,
    ...(expectBody !== undefined ? { expectBody } : {}),
  };
}

/** Stops whatever was started (each only if it was). */
export async function stopShared(): Promise<void> {
  const stops: Promise<unknown>[] = [];
  if (network) {
    stops.push(
      network.then(async (net) => {
        await Promise.all([net.a.owner.close(), net.b.owner.close()]);
        await net.harness.stop();
      }),
    );
  }
  if (bare) stops.push(bare.then((server) => server.close()));
  if (solid) stops.push(solid.then((server) => server.close()));
  await Promise.allSettled(stops);
  generator?.close();
  if (tls) await rm((await tls).dir, { recursive: true, force: true });
  network = bare = solid = tls = undefined;
  generator = undefined;
}
