import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { localPaths, podFoldersBeyond, podIndex, serviceDir } from '../../../src/local/layout.js';

describe('local layout', () => {
  let root = '';
  before(async () => (root = await mkdtemp(join(tmpdir(), 'byoda-layout-'))));
  after(() => rm(root, { recursive: true, force: true }));

  it('names a service folder after its contract, or its id when the name is no plain file name', () => {
    const paths = localPaths(root);
    assert.equal(serviceDir(paths, 'addressbook', 1), join(root, 'services', 'addressbook'));
    assert.equal(serviceDir(paths, '../etc', 7), join(root, 'services', 'service-7'));
    assert.equal(serviceDir(paths, 'my book', 7), join(root, 'services', 'service-7'));
  });

  it('reads pod folder names as 0-based indexes and ignores anything else', () => {
    assert.equal(podIndex('pod1'), 0);
    assert.equal(podIndex('pod12'), 11);
    for (const name of ['pod0', 'pod01', 'pods', 'pod1a', 'xpod1']) assert.equal(podIndex(name), undefined);
  });

  it('lists the pod folders beyond a smaller --pods, in order', async () => {
    const paths = localPaths(root);
    for (const name of ['pod1', 'pod2', 'pod10', 'pod3', 'other']) {
      await mkdir(join(paths.podsDir, name), { recursive: true });
    }
    assert.deepEqual(await podFoldersBeyond(paths, 2), ['pod3', 'pod10']);
    assert.deepEqual(await podFoldersBeyond(localPaths(join(root, 'none')), 1), []);
  });
});
