import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acquireFolderLock, dataFolderLockPath } from '../../../src/lock/index.js';

describe('folder lock', () => {
  let root = '';
  before(async () => (root = await mkdtemp(join(tmpdir(), 'byoda-lock-'))));
  after(() => rm(root, { recursive: true, force: true }));

  it('refuses a folder whose lock belongs to a living process, naming it and what it runs', async () => {
    const path = join(root, 'living');
    // The parent of this test process lives as long as the test does.
    await writeFile(path, `${process.ppid}\nbyoda pod start\n`);
    await assert.rejects(acquireFolderLock(path, { holder: 'byoda pod start', folder: '/data/pod1' }), {
      code: 'BYODA_ERR_CONFLICT',
      message: `the data folder /data/pod1 is in use by byoda pod start (pid ${process.ppid}); stop it first, or use another folder`,
    });
  });

  it('takes over the lock of a process that is gone, and releases it', async () => {
    const path = join(root, 'stale');
    await writeFile(path, '2147483646\nbyoda up\n');
    const lock = await acquireFolderLock(path, { holder: 'byoda directory start' });
    assert.equal(await readFile(path, 'utf8'), `${process.pid}\nbyoda directory start\n`);
    await lock.release();
    await assert.rejects(readFile(path), { code: 'ENOENT' });
  });

  it('leaves a lock that another process took over in the meantime', async () => {
    const path = join(root, 'taken');
    const lock = await acquireFolderLock(path, { holder: 'byoda up' });
    await writeFile(path, `${process.ppid}\nbyoda up\n`);
    await lock.release();
    assert.equal(await readFile(path, 'utf8'), `${process.ppid}\nbyoda up\n`);
  });

  it('keeps a server’s lock in its data folder', () => {
    assert.equal(dataFolderLockPath('/data/pod1'), join('/data/pod1', 'byoda.lock'));
  });
});
