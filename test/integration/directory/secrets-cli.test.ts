/**
 * Secrets outside `byoda up` (docs/deploy.md, "Secrets"), through real `byoda` processes: no secret
 * is written beside the keys unless `--local-secrets` asks for it, a command with no source of a
 * secret and no terminal refuses clearly, a systemd credential works, and the directory publishes
 * `--public-address` as `dir.<network>` (bad addresses refused).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { digShort } from '../../fixtures/dig.js';
import { ByodaProcess, NETWORK, runByoda } from '../../fixtures/network-harness.js';

const PASSPHRASE = 'secrets cli test passphrase';

/** Every file under `dir`, relative. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describe('secrets and addresses of the server commands', () => {
  let root = '';
  let data = '';

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'byoda-secrets-cli-'));
    data = join(root, 'directory');
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('refuses network init with no passphrase source and no terminal, naming the sources', async () => {
    const refused = await runByoda(['network', 'init', '--network', NETWORK, '--data', join(root, 'none')]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^byoda: no key passphrase: give --passphrase-file FILE, set BYODA_PASSPHRASE, or load a systemd credential named 'passphrase'/,
    );
    assert.deepEqual(await filesUnder(join(root, 'none')).catch(() => []), []);
  });

  it('writes no passphrase beside the keys when it comes from the environment', async () => {
    const init = await runByoda(['network', 'init', '--network', NETWORK, '--data', data, '--json'], {
      BYODA_PASSPHRASE: PASSPHRASE,
    });
    assert.equal(init.code, 0, init.stderr);
    assert.equal((JSON.parse(init.stdout) as Record<string, unknown>)['passphrase'], 'env');
    const files = await filesUnder(data);
    assert.ok(
      files.some((f) => f.endsWith('.key')),
      files.join(' '),
    );
    assert.ok(!files.includes('passphrase'), files.join(' '));
    for (const file of files) assert.doesNotMatch(file, /passphrase|password/);
  });

  it('refuses directory start without a passphrase, then starts with a systemd credential', async () => {
    const refused = await runByoda(['directory', 'start', '--data', data]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /no key passphrase/);
    const credentials = join(root, 'credentials');
    await mkdir(credentials, { mode: 0o700 });
    await writeFile(join(credentials, 'passphrase'), `${PASSPHRASE}\n`, { mode: 0o400 });
    const { process: proc, ready } = await ByodaProcess.start(
      ['directory', 'start', '--data', data, '--host', '0.0.0.0', '--public-address', '127.0.0.2'],
      { CREDENTIALS_DIRECTORY: credentials },
    );
    try {
      const dns = ready['dns'] as { port: number };
      // Listening on every interface, it publishes the address it was given, not loopback.
      assert.equal(await digShort(dns.port, `dir.${NETWORK}`, 'A'), '127.0.0.2');
    } finally {
      assert.equal(await proc.stop(), 0);
    }
    assert.ok(!(await filesUnder(data)).includes('passphrase'));
  });

  it('refuses bad --public-address and --metrics-* values with one clear line', async () => {
    const env = { BYODA_PASSPHRASE: PASSPHRASE };
    const cases: [string[], RegExp][] = [
      [['--public-address', 'dir.example.org'], /--public-address.*one IP address/],
      [['--public-address', '0.0.0.0'], /--public-address.*one IP address/],
      [['--metrics-listen', 'localhost'], /--metrics-listen.*IP:PORT/],
      [['--metrics-listen', 'localhost:9464'], /the host must be an IP address/],
      [['--metrics-listen', '192.0.2.1:0'], /not a loopback address; give --metrics-token-file/],
      [['--metrics-token-file', join(root, 'none')], /--metrics-token-file needs --metrics-listen/],
      [
        ['--metrics-listen', '127.0.0.1:0', '--metrics-token-file', join(root, 'none')],
        /--metrics-token-file: cannot read/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await runByoda(['directory', 'start', '--data', data, ...args], env);
      assert.equal(result.code, 1, args.join(' '));
      assert.match(result.stderr, message, args.join(' '));
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });
});
