/** `byoda network init` and `byoda directory start` refusals: one clear line on stderr, exit 1. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BYODA, run } from './harness.js';

async function byoda(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BYODA, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The error line, without Node's deprecation warnings from dependencies. */
function errorLine(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('byoda:') || line.startsWith('error:'))
    .join('\n');
}

describe('directory CLI', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-directory-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses bad input with one line and exit code 1', async () => {
    const net = join(dir, 'net');
    const [badName, missingData, badPort, first] = await Promise.all([
      byoda('network', 'init', '--local-secrets', '--network', 'Not_A_Domain', '--data', net),
      byoda('directory', 'start', '--data', join(dir, 'missing')),
      byoda('directory', 'start', '--data', dir, '--port', '70000'),
      byoda('network', 'init', '--local-secrets', '--network', 'byoda.test', '--data', net, '--json'),
    ]);
    assert.equal(badName.code, 1);
    assert.match(errorLine(badName.stderr), /^byoda: --network: 'Not_A_Domain' is not a network name/);
    assert.equal(missingData.code, 1);
    assert.match(errorLine(missingData.stderr), /^byoda: the data folder .*missing does not exist$/);
    assert.equal(badPort.code, 1);
    assert.match(errorLine(badPort.stderr), /--port.*70000.*0 to 65535/);
    assert.equal(first.code, 0, first.stderr);
    assert.equal((JSON.parse(first.stdout) as { event: string }).event, 'initialized');

    const [again, noNetwork] = await Promise.all([
      byoda('network', 'init', '--local-secrets', '--network', 'byoda.test', '--data', net),
      byoda('directory', 'start', '--data', dir),
    ]);
    assert.equal(again.code, 1);
    assert.match(errorLine(again.stderr), /^byoda: a network \(byoda\.test\) already exists in /);
    assert.equal(noNetwork.code, 1);
    assert.match(errorLine(noNetwork.stderr), /^byoda: no network in .*: run 'byoda network init' first$/);
  });
});
