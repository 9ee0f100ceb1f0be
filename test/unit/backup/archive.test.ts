/**
 * The backup archive's parts (docs/backup.md): sealing, framing, the manifest, keys, the folder target
 * and all-or-nothing restores, each with bad input.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import {
  FolderTarget,
  archiveName,
  backupFolder,
  generateBackupKey,
  loadBackupKey,
  openSealed,
  packArchive,
  parseBackupKey,
  parseS3Url,
  prune,
  restoreFolder,
  seal,
  unpackArchive,
} from '../../../src/backup/index.js';
import type { BackupIdentity } from '../../../src/backup/index.js';
import { isByodaError } from '../../../src/errors/index.js';

const ACCOUNT = '0b6f8c3e-6a55-4c8e-9d7b-0a2f4c1e9b11';
const IDENTITY: BackupIdentity = {
  accountId: ACCOUNT,
  network: 'byoda.test',
  memberships: [{ serviceId: 7, memberId: '5c3f9a1e-2b4d-4e6f-8a0b-1c2d3e4f5a6b' }],
};

function code(expected: string) {
  return (err: unknown) => isByodaError(err) && err.code === expected;
}

const key = () => parseBackupKey(generateBackupKey(), 'test');

describe('backup sealing (AES-256-GCM)', () => {
  it('opens what it sealed, with the same key only', () => {
    const k = key();
    const sealed = seal(Buffer.from('pod data'), k);
    assert.equal(openSealed(sealed, k).toString(), 'pod data');
    assert.throws(() => openSealed(sealed, key()), code('BYODA_ERR_BACKUP_ARCHIVE'));
  });

  it('refuses a flipped bit, a truncation, a changed header and something else', () => {
    const k = key();
    const sealed = seal(Buffer.from('x'.repeat(1000)), k);
    for (const at of [9, 20, 40, 500, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at] = bad[at]! ^ 1;
      assert.throws(() => openSealed(bad, k), code('BYODA_ERR_BACKUP_ARCHIVE'), `bit at ${at}`);
    }
    assert.throws(
      () => openSealed(sealed.subarray(0, sealed.length - 10), k),
      code('BYODA_ERR_BACKUP_ARCHIVE'),
    );
    assert.throws(() => openSealed(sealed.subarray(0, 20), k), code('BYODA_ERR_BACKUP_ARCHIVE'));
    assert.throws(() => openSealed(Buffer.from('not an archive at all, just text'), k), /not a BYODA backup/);
    const version = Buffer.from(sealed);
    version[8] = 2;
    assert.throws(() => openSealed(version, k), /format version 2/);
  });

  it('never seals two archives alike', () => {
    const k = key();
    assert.notDeepEqual(seal(Buffer.from('same'), k), seal(Buffer.from('same'), k));
  });
});

describe('backup framing and manifest', () => {
  const entries = [
    { path: 'pod.json', content: Buffer.from(`{"account_id":"${ACCOUNT}"}`) },
    { path: 'memberships/service-7.db', content: Buffer.from('db bytes') },
  ];

  it('round-trips files and the manifest', () => {
    const { manifest, entries: back } = unpackArchive(packArchive(IDENTITY, new Date(0), entries));
    assert.equal(manifest.accountId, ACCOUNT);
    assert.deepEqual(manifest.memberships, IDENTITY.memberships);
    assert.equal(manifest.createdAt, '1970-01-01T00:00:00.000Z');
    assert.deepEqual(
      back.map((e) => [e.path, e.content.toString()]),
      entries.map((e) => [e.path, e.content.toString()]),
    );
  });

  it('refuses a frame that does not add up, naming what is wrong', () => {
    const plain = packArchive(IDENTITY, new Date(0), entries);
    assert.throws(() => unpackArchive(plain.subarray(0, 2)), /truncated/);
    assert.throws(
      () => unpackArchive(plain.subarray(0, plain.length - 3)),
      /truncated inside memberships\/service-7.db/,
    );
    assert.throws(() => unpackArchive(Buffer.concat([plain, Buffer.from('x')])), /bytes after its last file/);
    const flipped = Buffer.from(plain);
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1;
    assert.throws(() => unpackArchive(flipped), /wrong digest/);
    const huge = Buffer.from(plain);
    huge.writeUInt32BE(0xffffffff, 0);
    assert.throws(() => unpackArchive(huge), /manifest length/);
  });

  it('refuses unsafe paths and bad manifest fields by name', () => {
    const frame = (manifest: unknown): Buffer => {
      const json = Buffer.from(JSON.stringify(manifest));
      const length = Buffer.alloc(4);
      length.writeUInt32BE(json.length);
      return Buffer.concat([length, json]);
    };
    const base = {
      format: 'byoda-pod-backup',
      version: 1,
      account_id: ACCOUNT,
      network: 'byoda.test',
      created_at: 'now',
      memberships: [],
      files: [],
    };
    const file = (path: string) => ({
      path,
      size: 0,
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    });
    assert.throws(
      () => unpackArchive(frame({ ...base, files: [file('../etc/passwd')] })),
      /files\[0\]\.path/,
    );
    assert.throws(() => unpackArchive(frame({ ...base, files: [file('/abs')] })), /files\[0\]\.path/);
    assert.throws(() => unpackArchive(frame({ ...base, files: [file('a'), file('a')] })), /files\[1\]\.path/);
    assert.throws(() => unpackArchive(frame({ ...base, version: 9 })), /manifest\.version/);
    assert.throws(() => unpackArchive(frame({ ...base, account_id: 3 })), /manifest\.account_id/);
    assert.throws(
      () => unpackArchive(frame({ ...base, memberships: [{ service_id: 'x', member_id: 'y' }] })),
      /memberships\[0\]\.service_id/,
    );
    assert.throws(() => unpackArchive(frame([])), /manifest is not an object/);
    assert.doesNotThrow(() => unpackArchive(frame({ ...base, files: [file('a/b.db')] })));
  });
});

describe('backup keys', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-backup-key-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('takes 64 hex digits only', () => {
    assert.equal(parseBackupKey(` ${'ab'.repeat(32)}\n`, 'k').length, 32);
    for (const bad of ['', 'ab'.repeat(31), 'zz'.repeat(32), 'ab'.repeat(33)]) {
      assert.throws(() => parseBackupKey(bad, '--key-file'), code('BYODA_ERR_BACKUP_KEY'));
    }
  });

  it('reads --key-file, else BYODA_BACKUP_KEY, and refuses a key inside the pod folder or none', async () => {
    const pod = join(dir, 'pod');
    await mkdir(pod);
    const outside = join(dir, 'key');
    const hex = generateBackupKey();
    await writeFile(outside, hex);
    assert.equal((await loadBackupKey({ keyFile: outside, podDir: pod })).toString('hex'), hex);
    assert.equal((await loadBackupKey({ podDir: pod, env: { BYODA_BACKUP_KEY: hex } })).toString('hex'), hex);
    await writeFile(join(pod, 'key'), hex);
    await assert.rejects(loadBackupKey({ keyFile: join(pod, 'key'), podDir: pod }), /inside the pod folder/);
    await assert.rejects(
      loadBackupKey({ keyFile: join(dir, 'missing'), podDir: pod }),
      code('BYODA_ERR_BACKUP_KEY'),
    );
    await assert.rejects(loadBackupKey({ podDir: pod, env: {} }), /no backup key/);
  });
});

describe('S3 target URLs', () => {
  it('parses bucket and prefix, and names what is wrong', () => {
    assert.deepEqual(parseS3Url('s3://backups/pods/a/'), { bucket: 'backups', prefix: 'pods/a' });
    assert.deepEqual(parseS3Url('s3://backups'), { bucket: 'backups', prefix: '' });
    assert.throws(() => parseS3Url('s3://'), /bucket name/);
    assert.throws(() => parseS3Url('s3://Bad_Bucket/x'), /bucket name/);
    assert.throws(() => parseS3Url('s3://backups/../x'), /'\.\.'/);
  });
});

describe('backup of a folder with SQLite files, to a folder target', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-backup-folder-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('copies the databases consistently, leaves out run files, restores all or nothing, prunes', async () => {
    const pod = join(dir, 'pod');
    await mkdir(join(pod, 'memberships'), { recursive: true });
    await mkdir(join(pod, 'logs'));
    await writeFile(join(pod, 'pod.json'), '{}');
    await writeFile(join(pod, 'run.json'), '{}');
    await writeFile(join(pod, 'logs', 'pod.log'), 'log');
    const db = new Database(join(pod, 'memberships', 'service-7.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (v INTEGER)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < 100; i += 1) insert.run(i);
    const k = key();
    const target = new FolderTarget(join(dir, 'target'));
    const times = [
      new Date('2026-01-01T00:00:00Z'),
      new Date('2026-01-02T00:00:00Z'),
      new Date('2026-01-03T00:00:00Z'),
    ];
    for (const now of times)
      await backupFolder({ dataDir: pod, identity: IDENTITY, key: k, target, keep: 2, now });
    db.close();
    assert.deepEqual(
      await target.list(),
      [archiveName(ACCOUNT, times[1]!), archiveName(ACCOUNT, times[2]!)],
      'keep 2',
    );

    const restored = join(dir, 'restored');
    const { manifest } = await restoreFolder({ target, key: k, dataDir: restored });
    assert.deepEqual(manifest.files.map((f) => f.path).sort(), ['memberships/service-7.db', 'pod.json']);
    const copy = new Database(join(restored, 'memberships', 'service-7.db'), { readonly: true });
    assert.equal((copy.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 100);
    copy.close();
    assert.equal((await stat(join(restored, 'pod.json'))).mode & 0o777, 0o600);

    await assert.rejects(restoreFolder({ target, key: k, dataDir: restored }), /not empty/);
    const refused = join(dir, 'refused');
    await assert.rejects(
      restoreFolder({
        target,
        key: k,
        dataDir: refused,
        check: () => {
          throw new Error('not a pod');
        },
      }),
      /not a pod/,
    );
    await assert.rejects(stat(refused), 'nothing written when the check refuses');
    await assert.rejects(
      restoreFolder({ target, key: key(), dataDir: refused }),
      code('BYODA_ERR_BACKUP_ARCHIVE'),
    );
    assert.deepEqual((await readdir(dir)).sort(), ['pod', 'restored', 'target'], 'no staging folder left');
    await assert.rejects(
      restoreFolder({ target: new FolderTarget(join(dir, 'empty')), key: k, dataDir: refused }),
      code('BYODA_ERR_NOT_FOUND'),
    );
    await assert.rejects(prune(target, ACCOUNT, 0), /at least 1/);
    await assert.rejects(target.get('../pod/pod.json'), /not an archive name/);
    assert.ok(
      (await readFile(join(dir, 'target', archiveName(ACCOUNT, times[2]!))))
        .subarray(0, 8)
        .equals(Buffer.from('BYODABAK')),
    );
  });
});
