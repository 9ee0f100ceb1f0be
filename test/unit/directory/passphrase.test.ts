import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePassphrase } from '../../../src/directory/index.js';

describe('passphrase sources', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-passphrase-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prefers the file, without its final newline, over the environment', async () => {
    const file = join(dir, 'given');
    await writeFile(file, 'from file\n');
    const result = await resolvePassphrase({
      file,
      env: { BYODA_PASSPHRASE: 'env' },
      localFile: join(dir, 'x'),
      create: true,
    });
    assert.deepEqual(result, { passphrase: 'from file', source: 'file' });
  });

  it('takes the environment next', async () => {
    const result = await resolvePassphrase({
      env: { BYODA_PASSPHRASE: 'env' },
      localFile: join(dir, 'x'),
      create: false,
    });
    assert.deepEqual(result, { passphrase: 'env', source: 'env' });
  });

  it('creates a private local file once, then reads it back', async () => {
    const localFile = join(dir, 'passphrase');
    const created = await resolvePassphrase({ env: {}, localFile, create: true });
    assert.equal(created.source, 'generated');
    assert.ok(created.passphrase.length >= 40);
    assert.equal((await stat(localFile)).mode & 0o777, 0o600);
    assert.equal((await readFile(localFile, 'utf8')).trim(), created.passphrase);
    const again = await resolvePassphrase({ env: {}, localFile, create: true });
    assert.equal(again.passphrase, created.passphrase, 'an existing file is never replaced');
    const read = await resolvePassphrase({ env: {}, localFile, create: false });
    assert.deepEqual(read, { passphrase: created.passphrase, source: 'local-file' });
  });

  it('says how to give one when there is none, and refuses empty ones', async () => {
    await assert.rejects(
      resolvePassphrase({ env: {}, localFile: join(dir, 'none'), create: false }),
      /--passphrase-file/,
    );
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    await assert.rejects(
      resolvePassphrase({ file: empty, env: {}, localFile: empty, create: false }),
      /empty/,
    );
    await assert.rejects(
      resolvePassphrase({ file: join(dir, 'missing'), env: {}, localFile: empty, create: false }),
      {
        code: 'BYODA_ERR_CONFIG',
      },
    );
  });
});
