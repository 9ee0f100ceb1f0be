/**
 * Standing suite, durability (issue 11): a real pod process under a loop of owner GraphQL appends is
 * killed with SIGKILL at random moments and restarted on the same data folder, again and again. At
 * the end every append the pod acknowledged (a 200 answer naming the record) must be there when read
 * back, and `PRAGMA integrity_check` must say `ok` for every SQLite file of the folder.
 *
 * A kill lands anywhere: between requests, in the middle of a write, during a checkpoint of the WAL,
 * or while the pod is still starting (every fifth kill comes before the pod says it is ready). The
 * moments come from a seeded generator whose seed the test prints (`BYODA_SEED=<seed>` replays
 * them); `BYODA_SOAK=10` makes it ten times as many cycles. Each restart is one `byoda pod start` on
 * the folder, never a whole new network, and costs a few seconds of CPU: most of this suite's time.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { RATE_LIMIT_ENV } from '../../src/http/index.js';
import { NetworkHarness } from '../fixtures/network-harness.js';
import type { PodInfo } from '../fixtures/network-harness.js';
import { SOAK } from '../fixtures/soak.js';
import { seededRandom } from '../fixtures/seeded-random.js';
import { EXAMPLE_CONTRACT, OwnerSession } from '../integration/federation/owner-session.js';
import { graphql, tlsAgent } from '../integration/pod/pod-clients.js';
import { integrityChecks, killDuringStartup, readAllAssetIds } from './pod-restarts.js';
import type { OwnerClient } from './pod-restarts.js';

/** Kill cycles: 8 in `npm test` (each is a pod start, about 6 s on a loaded CI machine), 80 with BYODA_SOAK=10. */
const CYCLES = Math.max(1, Math.round(8 * SOAK));
/** Appends in flight at once: enough that a kill often lands in the middle of one. */
const WRITERS = 3;
/** How long the pod serves writes before it is killed, in milliseconds: drawn from this range. */
const SERVE_MS = { min: 50, max: 800 };
/** Every this many cycles the kill lands while the pod starts rather than while it serves. */
const STARTUP_KILL_EVERY = 5;

const APPEND = 'mutation($input: asset_input!) { append_public_assets(input: $input) { asset_id } }';

interface LoopFigures {
  attempts: number;
  readonly acknowledged: Set<string>;
  /** Answers other than an acknowledgement (a 5xx, say): none is expected. */
  readonly refused: string[];
  /** Requests that got no answer at all (the pod was down, or died under them): expected. */
  unanswered: number;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('durability: a pod killed with SIGKILL under a write loop (issue 11)', () => {
  let net: NetworkHarness;
  let client: OwnerClient;

  before(async () => {
    // Only this file's pod processes inherit it: a write loop is far above the per-client default
    // limit, and a 429 is not an acknowledged write, so it would only blur what the test counts.
    process.env[RATE_LIMIT_ENV] = '0';
    net = await NetworkHarness.start({ pods: 1, contract: EXAMPLE_CONTRACT });
    const pod = net.pods[0]!;
    const owner = await OwnerSession.join(pod, net.directory.rootCaPem, net.service.serviceId);
    await owner.close();
    // The agent names the pod by its TLS name, not its port, so it serves every restart.
    client = {
      agent: tlsAgent(net.directory.rootCaPem, pod.fqdn),
      token: owner.token,
      serviceId: net.service.serviceId,
    };
  });

  after(async () => {
    await client?.agent.close();
    await net?.stop();
  });

  it(`keeps every acknowledged append through ${CYCLES} kills, and every database intact`, async (t) => {
    const rng = seededRandom();
    t.diagnostic(`seed ${rng.seed} (BYODA_SEED=${rng.seed} replays the kill moments)`);
    let pod = net.pods[0]!;
    const figures: LoopFigures = { attempts: 0, acknowledged: new Set(), refused: [], unanswered: 0 };
    let done = false;
    const writer = async (): Promise<void> => {
      while (!done) await appendOnce(client, pod, figures);
    };
    const writers = Array.from({ length: WRITERS }, writer);
    let startupKills = 0;
    try {
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        if (cycle % STARTUP_KILL_EVERY === 0) {
          // This cycle's kill lands while the pod starts; the next cycle starts it for real.
          await killDuringStartup(net, pod, rng.between(0, 2000));
          startupKills += 1;
          continue;
        }
        if (!pod.process.running) pod = await net.restartPod(pod);
        // Killed only once it has acknowledged a write, so that every cycle puts writes at stake.
        await untilAcknowledged(figures, figures.acknowledged.size + 1);
        await pause(rng.between(SERVE_MS.min, SERVE_MS.max));
        await pod.process.kill('SIGKILL');
      }
      pod = await net.restartPod(pod);
      await pause(300);
    } finally {
      done = true;
      await Promise.all(writers);
    }

    const stored = await readAllAssetIds(client, pod);
    const lost = [...figures.acknowledged].filter((id) => !stored.has(id));
    t.diagnostic(
      `kill cycles ${CYCLES} (${startupKills} of them while the pod started); appends sent ` +
        `${figures.attempts}, acknowledged ${figures.acknowledged.size}, unanswered ` +
        `${figures.unanswered}; stored ${stored.size}; lost ${lost.length}`,
    );
    assert.deepEqual(figures.refused, [], 'no append got an error answer');
    assert.deepEqual(lost, [], 'every acknowledged append is stored');

    await pod.process.stop();
    const checks = await integrityChecks(pod.dataDir);
    t.diagnostic(`integrity_check: ${checks.map((c) => `${c.file} ${c.result}`).join(', ')}`);
    assert.ok(checks.length >= 2, 'account.db and the membership database were checked');
    for (const check of checks) assert.equal(check.result, 'ok', check.file);
  });
});

/** Waits until `count` appends are acknowledged (a fresh pod may be slow to answer its first). */
async function untilAcknowledged(figures: LoopFigures, count: number): Promise<void> {
  const giveUp = Date.now() + 60_000;
  while (figures.acknowledged.size < count) {
    if (Date.now() > giveUp) throw new Error('the restarted pod acknowledged no write within a minute');
    await pause(10);
  }
}

/** One append with a fresh id; acknowledged only when the pod's answer names that id. */
async function appendOnce(client: OwnerClient, pod: PodInfo, figures: LoopFigures): Promise<void> {
  const id = randomUUID();
  figures.attempts += 1;
  const input = { asset_id: id, created_timestamp: new Date().toISOString(), asset_type: 'note' };
  let answer: Awaited<ReturnType<typeof graphql>>;
  try {
    answer = await graphql(client.agent, pod.webUrl, client.serviceId, APPEND, {
      token: client.token,
      variables: { input },
    });
  } catch {
    // Down, or killed while the request was in flight: nothing was promised. Wait for the restart.
    figures.unanswered += 1;
    await pause(50);
    return;
  }
  const node = answer.data?.['append_public_assets'] as { asset_id?: unknown } | undefined;
  if (answer.status === 200 && answer.errors.length === 0 && node?.asset_id === id) {
    figures.acknowledged.add(id);
  } else {
    figures.refused.push(`${answer.status} ${answer.text.slice(0, 200)}`);
  }
}
