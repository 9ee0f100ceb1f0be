import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('byoda command', () => {
  it('prints its version', async () => {
    const { stdout } = await run('node', ['bin/byoda.js', '--version']);
    assert.match(stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('exits non-zero on an unknown command', async () => {
    await assert.rejects(run('node', ['bin/byoda.js', 'no-such-command']), (err: { code?: number }) => {
      assert.notEqual(err.code, 0);
      return true;
    });
  });
});

describe('byoda app init', () => {
  /** `byoda app init` on folders that do not exist, with `extra` flags: it must refuse before using them. */
  const appInit = (...extra: string[]) =>
    run('node', [
      'bin/byoda.js',
      'app',
      'init',
      '--data',
      '/nonexistent/a',
      '--service-data',
      '/nonexistent/s',
      '--directory',
      'https://dir.byoda.test',
      ...extra,
    ]);

  it('refuses an unknown --kind with one line naming the flag and the kinds, before touching a folder', async () => {
    await assert.rejects(appInit('--kind', 'moderation'), (err: { code?: number; stderr?: string }) => {
      assert.equal(err.code, 1);
      assert.equal(err.stderr, "byoda: --kind must be one of review, identity, not 'moderation'\n");
      return true;
    });
  });

  it('refuses an --app-id that is not a lower-case UUID v4, naming the flag, before touching a folder', async () => {
    for (const bad of [
      'review-app',
      '3F6C2A1E-8B4D-4C7A-9E21-5D0B7F3A9C14',
      '3f6c2a1e-8b4d-1c7a-9e21-5d0b7f3a9c14',
    ]) {
      await assert.rejects(appInit('--app-id', bad), (err: { code?: number; stderr?: string }) => {
        assert.equal(err.code, 1);
        assert.equal(err.stderr, `byoda: --app-id must be a lower-case UUID v4, not '${bad}'\n`);
        return true;
      });
    }
  });
});
