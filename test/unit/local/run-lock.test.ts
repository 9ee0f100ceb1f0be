import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acquireRunLock } from '../../../src/local/run-lock.js';

describe('run lock', () => {
  let root = '';
  before(async () => (root = await mkdtemp(join(tmpdir(), 'byoda-lock-'))));
  after(() => rm(root, { recursive: true, force: true }));

  it('refuses a folder whose lock belongs to a living process', async () => {
    const path = join(root, 'living');
    // The parent of this test process lives as long as the test does.
    await writeFile(path, `${process.ppid}\n`);
    await assert.rejects(acquireRunLock(path), { code: 'BYODA_ERR_CONFLICT' });
  });

  it('takes over the lock of a process that is gone, and releases it', async () => {
    const path = join(root, 'stale');
    await writeFile(path, '2147483646\n');
    const lock = await acquireRunLock(path);
    assert.equal((await readFile(path, 'utf8')).trim(), String(process.pid));
    await lock.release();
    await assert.rejects(readFile(path), { code: 'ENOENT' });
  });
});
