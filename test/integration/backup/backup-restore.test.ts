/**
 * Backups of a serving pod and restores onto a new address (spec §12 "backups", docs/backup.md), over
 * real processes: a directory with its DNS server, the example addressbook service and two pods.
 *
 * Pod A holds a person and N public assets and links B as family. A is backed up with
 * `byoda pod backup` while its owner keeps appending, then destroyed (SIGKILL, folder deleted),
 * restored with `byoda pod restore` and started on 127.0.0.2 with new ports; B, unchanged, reads every
 * record over federation. Then the same again through S3 (s3rver on a free port, real HTTP), onto
 * 127.0.0.3.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import S3rver from 's3rver';
import { generateBackupKey } from '../../../src/backup/index.js';
import { ByodaProcess, NetworkHarness, runByoda } from '../../fixtures/network-harness.js';
import type { PodInfo } from '../../fixtures/network-harness.js';
import { LOADED_MACHINE_ENV } from '../../fixtures/test-env.js';
import {
  EXAMPLE_CONTRACT,
  OwnerSession,
  connectionOf,
  joinEachPod,
  podLogLines,
} from '../federation/owner-session.js';

const N = 40;
const WRITES_DURING_BACKUP = 25;
const MIKE = { given_name: 'Mike', family_name: 'Jones', email: 'mike@example.org' };

describe('pod backup and restore onto a new address', () => {
  let net: NetworkHarness;
  let a: OwnerSession;
  let b: OwnerSession;
  let work = '';
  let keyFile = '';
  let s3: S3rver | undefined;
  let s3Endpoint = '';
  const extra: ByodaProcess[] = [];

  before(async () => {
    net = await NetworkHarness.start({ pods: 2, contract: EXAMPLE_CONTRACT, podEnv: LOADED_MACHINE_ENV });
    [a, b] = await joinEachPod(net, ['A', 'B'] as const);
    await a.link(b.memberId, 'family');
    await b.link(a.memberId, 'family');
    await a.storePerson(MIKE);
    for (let i = 0; i < N; i += 1) await a.publish(`asset ${i}`);
    work = await mkdtemp(join(tmpdir(), 'byoda-backup-test-'));
    keyFile = join(work, 'backup.key');
    await writeFile(keyFile, `${generateBackupKey()}\n`, { mode: 0o600 });
    s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: join(work, 's3'),
      configureBuckets: [{ name: 'backups', configs: [] }],
    });
    const { address, port } = await s3.run();
    s3Endpoint = `http://${address}:${port}`;
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await Promise.all(extra.map((p) => p.stop()));
    await s3?.close();
    await net?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const s3Env = (): NodeJS.ProcessEnv => ({
    BYODA_S3_ENDPOINT: s3Endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
  });

  /** Backs up `dataDir` to `target` while A's owner keeps appending; the titles written before it began. */
  async function backupWhileWriting(
    session: OwnerSession,
    dataDir: string,
    target: string,
    env: NodeJS.ProcessEnv,
  ) {
    const before = await titlesOf(session);
    let writing = true;
    let written = 0;
    const writer = (async () => {
      // At most WRITES_DURING_BACKUP, so that B reads all of A's assets in one proxied page of 100.
      while (writing && written < WRITES_DURING_BACKUP) {
        await session.publish(`during backup ${written}`);
        written += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const result = await runByoda(
      ['pod', 'backup', '--data', dataDir, '--to', target, '--key-file', keyFile, '--json'],
      env,
    );
    writing = false;
    await writer;
    assert.equal(result.code, 0, result.stderr);
    const line = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    assert.equal(line['event'], 'backed_up');
    assert.ok(written > 0, 'the owner wrote while the backup ran');
    return { before, name: String(line['name']) };
  }

  async function destroy(pod: { process: ByodaProcess; dataDir: string }): Promise<void> {
    await pod.process.kill('SIGKILL');
    await rm(pod.dataDir, { recursive: true, force: true });
  }

  async function restoreAndStart(from: string, host: string, env: NodeJS.ProcessEnv): Promise<PodInfo> {
    const dataDir = join(work, `restored-${host}`);
    const result = await runByoda(
      ['pod', 'restore', '--from', from, '--data', dataDir, '--key-file', keyFile, '--json'],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    const { host: dnsHost, port } = net.directory.dns;
    const { process: proc, ready } = await ByodaProcess.start(
      ['pod', 'start', '--data', dataDir, '--host', host, '--dns', `${dnsHost}:${port}`],
      LOADED_MACHINE_ENV,
    );
    extra.push(proc);
    assert.ok(String(ready['web_url']).includes(host), `listens on ${host}`);
    return {
      ...a.pod,
      name: `A@${host}`,
      dataDir,
      accountId: String(ready['account_id']),
      fqdn: String(ready['fqdn']),
      username: 'owner',
      webUrl: String(ready['web_url']),
      memberUrl: String(ready['member_url']),
      process: proc,
    };
  }

  /** Every public asset title B reads from A's membership over federation (proxied to A's member port). */
  async function titlesReadByB(memberId: string): Promise<string[]> {
    const titles: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data = await b.data(
        'query($m: UUID!, $after: String) { public_assets_connection(remote_member_id: $m, first: 100, after: $after) ' +
          '{ total_count edges { origin node { title } } page_info { end_cursor has_next_page } remote_errors { origin message } } }',
        { m: memberId, after },
      );
      const connection = connectionOf(data, 'public_assets_connection');
      assert.deepEqual(connection.remote_errors, []);
      for (const edge of connection.edges) {
        assert.equal(edge.origin, memberId);
        titles.push(String(edge.node['title']));
      }
      const page = (
        data['public_assets_connection'] as {
          page_info: { end_cursor: string | null; has_next_page: boolean };
        }
      ).page_info;
      if (!page.has_next_page) return titles;
      after = page.end_cursor;
    }
  }

  async function personReadByB(memberId: string): Promise<unknown> {
    const data = await b.data(
      'query($m: UUID!) { person_connection(remote_member_id: $m) { edges { node { given_name email } } remote_errors { message } } }',
      { m: memberId },
    );
    return connectionOf(data, 'person_connection').edges.map((e) => e.node);
  }

  it('restores a pod backed up to a folder while serving onto 127.0.0.2, and B reads every record', async () => {
    const podA = net.pods[0]!;
    const folder = join(work, 'folder-target');
    const { before: titlesBefore, name } = await backupWhileWriting(a, podA.dataDir, folder, {});
    assert.ok(titlesBefore.length >= N);
    assert.deepEqual(await readdir(folder), [name], 'one archive, no temporary file left');
    await destroy(podA);

    const restored = await restoreAndStart(folder, '127.0.0.2', {});
    assert.equal(restored.accountId, podA.accountId, 'the same account');
    const owner = await ownerOf(restored); // the same owner password logs in at the new address
    assert.ok((await titlesOf(owner)).length >= titlesBefore.length);
    await owner.close();

    const read = await titlesReadByB(a.memberId);
    for (const title of titlesBefore)
      assert.ok(read.includes(title), `B reads ${title} from the restored pod`);
    assert.equal(new Set(read).size, read.length, 'no record twice');
    assert.deepEqual(await personReadByB(a.memberId), [{ given_name: 'Mike', email: 'mike@example.org' }]);
    net.pods[0] = restored;
  });

  it('refuses a wrong key and a damaged archive, and writes nothing', async () => {
    const folder = join(work, 'folder-target');
    const otherKey = join(work, 'other.key');
    await writeFile(otherKey, `${generateBackupKey()}\n`, { mode: 0o600 });
    const wrong = await runByoda([
      'pod',
      'restore',
      '--from',
      folder,
      '--data',
      join(work, 'nope'),
      '--key-file',
      otherKey,
    ]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /does not open with this key/);
    await assert.rejects(stat(join(work, 'nope')), 'no folder was made');
    const noKey = await runByoda(['pod', 'restore', '--from', folder, '--data', join(work, 'nope')], {
      BYODA_BACKUP_KEY: '',
    });
    assert.notEqual(noKey.code, 0);
    assert.match(noKey.stderr, /no backup key/);
  });

  it('does the same through S3 (s3rver over real HTTP) onto 127.0.0.3', async () => {
    const podA = net.pods[0]!;
    const session = await ownerOf(podA);
    try {
      const { before: titlesBefore } = await backupWhileWriting(
        session,
        podA.dataDir,
        's3://backups/pods/a',
        s3Env(),
      );
      await destroy(podA);
      const restored = await restoreAndStart('s3://backups/pods/a', '127.0.0.3', s3Env());
      const read = await titlesReadByB(a.memberId);
      const missing = titlesBefore.filter((title) => !read.includes(title));
      assert.deepEqual(missing, [], `B reads all ${titlesBefore.length} (read ${read.length})`);
      assert.ok(restored.webUrl.includes('127.0.0.3'));
      net.pods[0] = restored;
    } finally {
      await session.close();
    }
  });

  it('backs up on a schedule while serving, keeping the newest archives only', async () => {
    const podA = net.pods[0]!;
    await podA.process.stop();
    const folder = join(work, 'scheduled');
    const { host, port } = net.directory.dns;
    const { process: proc } = await ByodaProcess.start([
      'pod',
      'start',
      '--data',
      podA.dataDir,
      '--host',
      '127.0.0.3',
      '--dns',
      `${host}:${port}`,
      '--backup-to',
      folder,
      '--backup-every',
      '1s',
      '--backup-keep',
      '2',
      '--backup-key-file',
      keyFile,
    ]);
    extra.push(proc);
    const written = await waitFor(async () => {
      const lines = (await podLogLines(podA.dataDir)).filter((l) => l['msg'] === 'backup written');
      return lines.length >= 3 ? lines : undefined;
    });
    await proc.stop();
    const names = written.map((l) => String(l['archive']));
    const held = await readdir(folder);
    assert.equal(held.length, 2, `two kept of ${names.length} written: ${held.join(', ')}`);
    assert.deepEqual(held.sort(), names.slice(-2).sort(), 'the newest two');
    assert.ok(!held.includes(names[0]!), 'the oldest was deleted');
    const check = join(work, 'scheduled-restore');
    const restored = await runByoda([
      'pod',
      'restore',
      '--from',
      folder,
      '--data',
      check,
      '--key-file',
      keyFile,
    ]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.ok((await readdir(check)).includes('account.db'));
  });

  async function ownerOf(pod: PodInfo): Promise<OwnerSession> {
    return OwnerSession.signIn(
      { ...pod, name: pod.name },
      net.directory.rootCaPem,
      net.service.serviceId,
      a.memberId,
    );
  }
});

/** Every public asset title the owner reads on their own pod. */
async function titlesOf(session: OwnerSession): Promise<string[]> {
  const titles: string[] = [];
  let after: string | null = null;
  for (;;) {
    const data = await session.data(
      'query($after: String) { public_assets_connection(first: 100, after: $after) ' +
        '{ edges { node { title } } page_info { end_cursor has_next_page } } }',
      { after },
    );
    const connection = data['public_assets_connection'] as {
      edges: { node: { title: string } }[];
      page_info: { end_cursor: string | null; has_next_page: boolean };
    };
    titles.push(...connection.edges.map((e) => e.node.title));
    if (!connection.page_info.has_next_page) return titles;
    after = connection.page_info.end_cursor;
  }
}

/** Polls `probe` until it gives a value; a generous deadline, for a loaded machine. */
async function waitFor<T>(probe: () => Promise<T | undefined>, deadlineMs = 120_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
