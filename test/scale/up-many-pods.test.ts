/**
 * `byoda up` with more pods than its old limit of 50 (issue 12): every pod gets its own account,
 * membership and two ports, and network.json lists them all. Starting 51 pods takes about two minutes
 * of a loaded 2-core machine, so this runs in `npm run test:soak` (scripts/soak.sh), not in `npm test`;
 * `npm run bench:scale` goes to hundreds of pods.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UP_READY_TIMEOUT_MS, UpProcess, verifiedCommonName } from '../fixtures/up-process.js';

describe('byoda up with more pods than the old limit of 50', () => {
  // One more than the old limit is the point.
  const PODS = 51;
  let root = '';
  let up: UpProcess | undefined;

  before(async () => (root = await mkdtemp(join(tmpdir(), 'byoda-up-many-'))));
  after(async () => {
    await up?.stop('SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  it(`starts ${PODS} pods, each joined, and lists them all in network.json`, async () => {
    const dataDir = join(root, 'data');
    up = new UpProcess(['--data', dataDir, '--pods', String(PODS), '--json']);
    // Pods start 16 at a time on a loaded 2-core machine: allow for it (this is not a speed check).
    const net = await up.waitForNetworkFile(join(dataDir, 'network.json'), 4 * UP_READY_TIMEOUT_MS);
    assert.deepEqual(
      net.pods.map((pod) => pod.name),
      Array.from({ length: PODS }, (_, i) => `pod${i + 1}`),
    );
    const accounts = new Set(net.pods.map((pod) => pod.account_id));
    const members = new Set(net.pods.flatMap((pod) => pod.memberships.map((m) => m.member_id)));
    const ports = new Set(net.pods.flatMap((pod) => [pod.web_url, pod.member_url]));
    assert.equal(accounts.size, PODS, 'every pod has its own account');
    assert.equal(members.size, PODS, 'every pod joined the service once');
    assert.equal(ports.size, 2 * PODS, 'every pod listens on two ports of its own');
    const ca = await readFile(net.root_ca, 'utf8');
    const last = net.pods.at(-1)!;
    assert.equal(
      await verifiedCommonName(last.member_url, last.memberships[0]!.fqdn, ca),
      last.memberships[0]!.fqdn,
    );
    assert.equal(await up.stop('SIGINT'), 0, up.stderr);
  });
});
