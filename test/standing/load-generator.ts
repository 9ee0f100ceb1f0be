/**
 * The load suite's traffic, in a process of its own (not a test file), so that the test process's
 * event loop neither slows the load down nor is counted in it. Takes a `LoadPlan` as JSON in the
 * environment variable BYODA_TEST_LOAD, runs `concurrency` clients for `durationMs` that each pick,
 * request by request, an owner read, an owner append (web port, owner JWT) or a member read (member
 * port, mutual TLS with another member's certificate), and prints one `LoadReport` line as JSON.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { seededRandom } from '../fixtures/seeded-random.js';

export interface LoadPlan {
  readonly durationMs: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly serviceId: number;
  readonly rootCaPem: string;
  readonly owner: { readonly url: string; readonly fqdn: string; readonly token: string };
  /** The member port of the same pod, asked as another member (`cert` and `key` are PEM). */
  readonly member: {
    readonly url: string;
    readonly fqdn: string;
    readonly cert: string;
    readonly key: string;
  };
}

export type RequestKind = 'owner read' | 'owner append' | 'member read';

export interface KindFigures {
  requests: number;
  ok: number;
  /** 429: the rate limit at work, expected under load. */
  limited: number;
  /** Any other status; `failures` holds a few of them. */
  errors: number;
  serverErrors: number;
  /** No answer at all (connection refused or reset). */
  unanswered: number;
  latenciesMs: number[];
}

export interface LoadReport {
  readonly elapsedMs: number;
  readonly kinds: Record<RequestKind, Omit<KindFigures, 'latenciesMs'> & { p50Ms: number; p95Ms: number }>;
  /** Up to ten failed requests, for the test's message. */
  readonly failures: readonly string[];
}

const QUERIES: Record<RequestKind, string> = {
  'owner read':
    '{ public_assets_connection(first: 20) { total_count edges { node { asset_id title } } } ' +
    'person_connection { edges { node { given_name email } } } }',
  'owner append': 'mutation($input: asset_input!) { append_public_assets(input: $input) { asset_id } }',
  'member read':
    '{ public_assets_connection(first: 20) { edges { node { title } } } ' +
    'person_connection { edges { node { given_name } } } }',
};

/** Of every ten requests: four owner reads, two appends, four member reads. */
const MIX: readonly RequestKind[] = [
  'owner read',
  'owner read',
  'owner read',
  'owner read',
  'owner append',
  'owner append',
  'member read',
  'member read',
  'member read',
  'member read',
];

async function run(plan: LoadPlan): Promise<LoadReport> {
  const rng = seededRandom(plan.seed);
  const ownerAgent = new Agent({ connect: { ca: plan.rootCaPem, servername: plan.owner.fqdn } });
  const memberAgent = new Agent({
    connect: {
      ca: plan.rootCaPem,
      servername: plan.member.fqdn,
      cert: plan.member.cert,
      key: plan.member.key,
    },
  });
  const fresh = (): KindFigures => ({
    requests: 0,
    ok: 0,
    limited: 0,
    errors: 0,
    serverErrors: 0,
    unanswered: 0,
    latenciesMs: [],
  });
  const figures: Record<RequestKind, KindFigures> = {
    'owner read': fresh(),
    'owner append': fresh(),
    'member read': fresh(),
  };
  const failures: string[] = [];
  const started = Date.now();
  const end = started + plan.durationMs;

  const one = async (kind: RequestKind): Promise<void> => {
    const owner = kind !== 'member read';
    const variables =
      kind === 'owner append'
        ? {
            input: {
              asset_id: randomUUID(),
              created_timestamp: new Date().toISOString(),
              asset_type: 'note',
              title: 'load',
            },
          }
        : {};
    const figure = figures[kind];
    figure.requests += 1;
    const sent = performance.now();
    try {
      const response = await request(
        `${owner ? plan.owner.url : plan.member.url}/api/v1/data/service-${plan.serviceId}`,
        {
          dispatcher: owner ? ownerAgent : memberAgent,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/graphql-response+json',
            ...(owner ? { authorization: `Bearer ${plan.owner.token}` } : {}),
          },
          body: JSON.stringify({ query: QUERIES[kind], variables }),
        },
      );
      const text = await response.body.text();
      figure.latenciesMs.push(performance.now() - sent);
      const status = response.statusCode;
      const hasErrors = status === 200 && /"errors"\s*:\s*\[\s*\{/.test(text);
      if (status === 200 && !hasErrors) figure.ok += 1;
      else if (status === 429) figure.limited += 1;
      else {
        figure.errors += 1;
        if (status >= 500) figure.serverErrors += 1;
        if (failures.length < 10) failures.push(`${kind}: ${status} ${text.slice(0, 200)}`);
      }
    } catch (err) {
      figure.unanswered += 1;
      if (failures.length < 10) failures.push(`${kind}: ${(err as Error).message}`);
    }
  };

  const client = async (): Promise<void> => {
    while (Date.now() < end) await one(MIX[rng.between(0, MIX.length - 1)]!);
  };
  await Promise.all(Array.from({ length: plan.concurrency }, client));
  await Promise.all([ownerAgent.close(), memberAgent.close()]);

  const kinds = Object.fromEntries(
    Object.entries(figures).map(([kind, { latenciesMs, ...counts }]) => [
      kind,
      { ...counts, p50Ms: percentile(latenciesMs, 0.5), p95Ms: percentile(latenciesMs, 0.95) },
    ]),
  ) as LoadReport['kinds'];
  return { elapsedMs: Date.now() - started, kinds, failures };
}

function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!);
}

const plan = JSON.parse(process.env.BYODA_TEST_LOAD ?? '{}') as LoadPlan;
process.stdout.write(`${JSON.stringify(await run(plan))}\n`);
