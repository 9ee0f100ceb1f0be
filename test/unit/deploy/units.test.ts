/**
 * The systemd units under deploy/systemd (docs/deploy.md) as systemd itself reads them:
 * `systemd-analyze verify` (Debian package `systemd`, installed by .ci/run) must find nothing to say,
 * and every unit takes its passphrase as a credential and runs hardened.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const UNITS = fileURLToPath(new URL('../../../deploy/systemd/', import.meta.url));
/** A template is verified as one of its instances. */
const FILES: [string, string][] = [
  ['byoda-directory.service', 'byoda-directory.service'],
  ['byoda-service.service', 'byoda-service.service'],
  ['byoda-pod@.service', 'byoda-pod@alice.service'],
];

function verify(path: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('systemd-analyze', ['verify', '--man=no', path], (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

describe('deploy/systemd units', () => {
  let dir = '';
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'byoda-units-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  for (const [file, as] of FILES) {
    it(`${file} passes systemd-analyze verify`, async () => {
      const path = join(dir, as);
      await copyFile(join(UNITS, file), path);
      const result = await verify(path);
      assert.equal(result.code, 0, result.output);
      assert.equal(result.output, '', result.output);
    });

    it(`${file} loads its passphrase as a credential and runs hardened`, async () => {
      const text = await readFile(join(UNITS, file), 'utf8');
      assert.match(text, /^LoadCredential=passphrase:\/etc\/byoda\//m);
      assert.doesNotMatch(text, /--passphrase-file|BYODA_PASSPHRASE|--local-secrets/);
      for (const line of ['ProtectSystem=strict', 'NoNewPrivileges=yes', 'User=byoda', 'UMask=0077']) {
        assert.ok(text.includes(`\n${line}\n`), `${file}: ${line}`);
      }
      assert.match(text, /^StateDirectory=byoda\//m);
      assert.match(text, /--metrics-listen 127\.0\.0\.1:/);
    });
  }

  it('would say so of a unit with a mistake (the check can fail)', async () => {
    const text = await readFile(join(UNITS, 'byoda-directory.service'), 'utf8');
    const path = join(dir, 'byoda-broken.service');
    await writeFile(path, text.replace('ProtectSystem=strict', 'ProtectSystem=strict\nProtectSytem=full'));
    const result = await verify(path);
    assert.match(result.output, /Unknown key 'ProtectSytem'/);
  });
});
