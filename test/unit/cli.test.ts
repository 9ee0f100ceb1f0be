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
