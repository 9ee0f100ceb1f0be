/**
 * One running server per data folder, over real processes: a second `byoda pod|directory|service
 * start` on a folder in use exits non-zero with a clear message before it publishes anything, so the
 * first one's DNS records (dig) are unchanged; after `kill -9` of the first, a new start takes over.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { byodaSrvName } from '../../../src/dns/index.js';
import { ByodaProcess, NETWORK, NetworkHarness, runByoda } from '../../fixtures/network-harness.js';
import type { PodInfo } from '../../fixtures/network-harness.js';

const CONTRACT = fileURLToPath(new URL('../../../contracts/addressbook.json', import.meta.url));

describe('one server per data folder', () => {
  let net: NetworkHarness;
  let dnsArgs: string[];

  /** `dig +short` of `name` and `type` at the directory's DNS server. */
  async function dig(name: string, type: string): Promise<string> {
    const { execFile } = await import('node:child_process');
    const { host, port } = net.directory.dns;
    return new Promise((resolve, reject) =>
      execFile(
        'dig',
        [`@${host}`, '-p', String(port), '+time=2', '+tries=1', '+short', name, type],
        (err, stdout) => (err ? reject(err) : resolve(stdout.trim())),
      ),
    );
  }

  /** What the directory publishes for a server: its address and its port (SRV). */
  async function records(fqdn: string): Promise<string> {
    return `${await dig(fqdn, 'A')} | ${await dig(byodaSrvName(fqdn), 'SRV')}`;
  }

  before(async () => {
    net = await NetworkHarness.start({ pods: 1, contract: CONTRACT });
    dnsArgs = ['--dns', `${net.directory.dns.host}:${net.directory.dns.port}`];
  });

  after(() => net.stop());

  it('refuses a second byoda pod start and leaves the running pod’s DNS records alone', async () => {
    const pod = net.pods[0]!;
    const before = await records(pod.fqdn);
    assert.match(before, new RegExp(`\\b${new URL(pod.webUrl).port}\\b`), 'the SRV has the web port');
    const second = await runByoda(['pod', 'start', '--data', pod.dataDir, ...dnsArgs, '--json']);
    assert.notEqual(second.code, 0);
    assert.match(
      second.stderr,
      new RegExp(`data folder .*${pod.name} is in use by byoda pod start \\(pid ${pod.process.child.pid}\\)`),
    );
    assert.equal(await records(pod.fqdn), before);
  });

  it('refuses a second byoda directory start, and the first one’s DNS still answers', async () => {
    const soa = await dig(NETWORK, 'SOA');
    const second = await runByoda(['directory', 'start', '--data', net.directory.dataDir, '--json']);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /is in use by byoda directory start \(pid \d+\)/);
    assert.equal(await dig(NETWORK, 'SOA'), soa);
  });

  it('refuses a second byoda service start and leaves the service’s DNS records alone', async () => {
    const before = await records(net.service.fqdn);
    const second = await runByoda(['service', 'start', '--data', net.service.dataDir, ...dnsArgs, '--json']);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /is in use by byoda service start \(pid \d+\)/);
    assert.equal(await records(net.service.fqdn), before);
  });

  it('lets a new byoda pod start take over after the first was killed with SIGKILL', async () => {
    const pod: PodInfo = net.pods[0]!;
    const lockFile = join(pod.dataDir, 'byoda.lock');
    assert.match(await readFile(lockFile, 'utf8'), new RegExp(`^${pod.process.child.pid}\n`));
    pod.process.child.kill('SIGKILL');
    await pod.process.stop();
    const { process: proc, ready } = await ByodaProcess.start([
      'pod',
      'start',
      '--data',
      pod.dataDir,
      ...dnsArgs,
    ]);
    try {
      const webPort = new URL(String(ready['web_url'])).port;
      assert.match(await dig(byodaSrvName(pod.fqdn), 'SRV'), new RegExp(`\\b${webPort}\\b`));
      assert.match(await readFile(lockFile, 'utf8'), new RegExp(`^${proc.child.pid}\n`));
    } finally {
      assert.equal(await proc.stop(), 0);
    }
    await assert.rejects(readFile(lockFile), { code: 'ENOENT' }, 'a clean stop removes the lock');
  });
});
