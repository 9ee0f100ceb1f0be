/**
 * Standing suite, load (issue 11): a few seconds (5 s; `BYODA_SOAK=10`: 50 s) of mixed traffic on one
 * pod process: its owner reading and appending on the web port, and another member reading on the
 * member port over mutual TLS, from a load generator in a process of its own (load-generator.ts).
 * Reported: requests of each kind, 429s (the per-client rate limit at work: expected, not errors),
 * other errors, latencies, and the pod's resident memory before and after. Asserted: no 5xx, no error
 * other than a 429, every request answered, and every acknowledged append readable afterwards.
 * Nothing is asserted about speed (that belongs to `npm run bench`).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { credentialTlsOptions, memberFqdn } from '../../src/pki/index.js';
import { NETWORK, NetworkHarness } from '../fixtures/network-harness.js';
import { mib, residentBytes } from '../fixtures/process-memory.js';
import { SOAK } from '../fixtures/soak.js';
import { seedFromEnv } from '../fixtures/seeded-random.js';
import { EXAMPLE_CONTRACT, joinEachPod } from '../integration/federation/owner-session.js';
import type { OwnerSession } from '../integration/federation/owner-session.js';
import { podCredential } from '../integration/pod/pod-clients.js';
import type { LoadPlan, LoadReport } from './load-generator.js';

const DURATION_MS = Math.max(1000, Math.round(5000 * SOAK));
/** Requests in flight at once. */
const CONCURRENCY = 8;
/** Generous: a pod's caches and SQLite's page cache grow under load; a leak grows without end. */
const MAX_RSS_GROWTH = 256 * 2 ** 20;

const GENERATOR = fileURLToPath(new URL('./load-generator.ts', import.meta.url));

/** Runs the load generator with `plan` and returns its report. */
function generateLoad(plan: LoadPlan): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', GENERATOR], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BYODA_TEST_LOAD: JSON.stringify(plan) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the load generator exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as LoadReport);
    });
  });
}

describe('load: mixed owner and member traffic on one pod (issue 11)', () => {
  let net: NetworkHarness;
  let owner: OwnerSession;
  let visitor: OwnerSession;

  before(async () => {
    net = await NetworkHarness.start({ pods: 2, contract: EXAMPLE_CONTRACT });
    [owner, visitor] = await joinEachPod(net, ['owner', 'visitor']);
    await Promise.all([
      owner.storePerson({ given_name: 'Olive', family_name: 'Owner', email: 'olive@example.org' }),
      owner.link(visitor.memberId, 'friend'),
      owner.publish('an asset before the load'),
    ]);
  });

  after(async () => {
    await Promise.all([owner?.close(), visitor?.close()]);
    await net?.stop();
  });

  it(`answers ${DURATION_MS / 1000} s of mixed traffic without errors, memory reported`, async (t) => {
    const pod = net.pods[0]!;
    const serviceId = net.service.serviceId;
    const seed = seedFromEnv();
    const visitorTls = await podCredential(net.pods[1]!, `member-${serviceId}`);
    const rssBefore = await residentBytes(pod.process.child.pid);
    const report = await generateLoad({
      durationMs: DURATION_MS,
      concurrency: CONCURRENCY,
      seed,
      serviceId,
      rootCaPem: net.directory.rootCaPem,
      owner: { url: pod.webUrl, fqdn: pod.fqdn, token: owner.token },
      member: {
        url: pod.memberUrl,
        fqdn: memberFqdn(NETWORK, serviceId, owner.memberId),
        ...credentialTlsOptions(visitorTls),
      },
    });
    const rssAfter = await residentBytes(pod.process.child.pid);

    const kinds = Object.entries(report.kinds);
    const total = kinds.reduce((sum, [, k]) => sum + k.requests, 0);
    const errors = kinds.reduce((sum, [, k]) => sum + k.errors + k.unanswered, 0);
    const limited = kinds.reduce((sum, [, k]) => sum + k.limited, 0);
    t.diagnostic(
      `seed ${seed}; ${total} requests in ${report.elapsedMs} ms (${CONCURRENCY} at a time), ` +
        `error rate ${((100 * errors) / Math.max(1, total)).toFixed(2)} %, 429s ${limited}`,
    );
    for (const [kind, k] of kinds) {
      t.diagnostic(
        `${kind}: ${k.requests} requests, ${k.ok} ok, ${k.limited} 429, ${k.errors} errors ` +
          `(${k.serverErrors} 5xx), ${k.unanswered} unanswered; p50 ${k.p50Ms} ms, p95 ${k.p95Ms} ms`,
      );
    }
    const growth = rssBefore !== undefined && rssAfter !== undefined ? rssAfter - rssBefore : undefined;
    t.diagnostic(`pod RSS ${mib(rssBefore)} before, ${mib(rssAfter)} after (growth ${mib(growth)})`);

    for (const [kind, k] of kinds) assert.ok(k.ok > 0, `some ${kind} succeeded`);
    assert.equal(
      kinds.reduce((sum, [, k]) => sum + k.serverErrors, 0),
      0,
      `no 5xx: ${report.failures.join('\n')}`,
    );
    assert.equal(errors, 0, `no error but 429s: ${report.failures.join('\n')}`);
    if (growth !== undefined) assert.ok(growth < MAX_RSS_GROWTH, `the pod grew by ${mib(growth)}`);

    // Every append the pod acknowledged is there (plus the one made before the load).
    const data = await owner.data('{ public_assets_connection { total_count } }');
    const { total_count: count } = data['public_assets_connection'] as { total_count: number };
    assert.equal(count, report.kinds['owner append'].ok + 1);
  });
});
