import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteDirectoryStore } from '../../../src/directory/store/sqlite-directory-store.js';
import { tempDir } from '../../fixtures/pki.js';

describe('directory store file', () => {
  it('is readable and writable by its owner only (it maps names to accounts and members)', async () => {
    const { dir, remove } = await tempDir('byoda-dirstore-');
    try {
      const file = join(dir, 'directory.db');
      const store = SqliteDirectoryStore.open(file);
      await store.close();
      assert.equal((await stat(file)).mode & 0o777, 0o600);
    } finally {
      await remove();
    }
  });
});
