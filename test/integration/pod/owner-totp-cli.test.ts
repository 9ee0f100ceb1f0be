/**
 * The owner's second factor from the CLI (spec §12): real `byoda pod totp` and `byoda login` processes
 * against a directory and a pod in this process (real TLS), whose login clock the test holds so that
 * it can give the codes an authenticator would show. Enrol (URI, QR code, recovery codes), confirm,
 * `byoda login` refused without a code off a terminal, then `--totp`, then turning it off.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { DirectoryServer } from '../../../src/directory/index.js';
import { createNetworkPki } from '../../../src/pki/index.js';
import { PodServer, initPod } from '../../../src/pod/index.js';
import { totpCode } from '../../../src/pod/auth/totp.js';
import { BYODA } from '../../fixtures/network-harness.js';

const NETWORK = 'byoda.test';
const PASSPHRASE = 'owner totp cli test passphrase';
const PASSWORD = 'the owner totp cli test password';
const STEP_MS = 30_000;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `byoda ...args` with stdin closed (not a terminal); never rejects. */
function byoda(args: readonly string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BYODA, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

function jsonOf(result: Result): Record<string, unknown> {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.trim()) as Record<string, unknown>;
}

describe('byoda login --totp and byoda pod totp (spec §12)', () => {
  let root = '';
  const directory = new DirectoryServer();
  const pod = new PodServer();
  let target: string[] = [];
  let secret = '';
  let now = Math.floor(Date.now() / STEP_MS) * STEP_MS;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'byoda-owner-totp-cli-'));
    const dirData = join(root, 'directory');
    await createNetworkPki(join(dirData, 'pki'), NETWORK, PASSPHRASE);
    const dir = await directory.start({ dataDir: dirData, passphrase: PASSPHRASE });
    const rootCaPem = await readFile(dir.rootCaPath, 'utf8');
    const dataDir = join(root, 'pod');
    const summary = await initPod({
      dataDir,
      directoryUrl: dir.url,
      rootCaPem,
      passphrase: PASSPHRASE,
      password: PASSWORD,
    });
    const address = await pod.start({
      dataDir,
      passphrase: PASSPHRASE,
      dnsServer: { host: dir.dnsHost, port: dir.dnsPort },
      login: { now: () => now },
      logger: pino({ level: 'silent' }),
    });
    await writeFile(join(root, 'password'), `${PASSWORD}\n`);
    target = [
      '--url',
      address.webUrl,
      '--fqdn',
      address.fqdn,
      '--root-ca',
      dir.rootCaPath,
      '--username',
      summary.username,
      '--password-file',
      join(root, 'password'),
      '--token-file',
      join(root, 'token'),
    ];
  });

  after(async () => {
    await pod.stop();
    await directory.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('enrols: prints the otpauth URI, a terminal QR code and 10 recovery codes', async () => {
    const shown = await byoda(['pod', 'totp', 'enable', ...target]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /[▀▄█]/, 'a QR code drawn with block characters');
    assert.equal(shown.stdout.match(/^ {2}[a-z2-9]{4}(-[a-z2-9]{4}){3}$/gm)?.length, 10);
    const json = jsonOf(await byoda(['pod', 'totp', 'enable', ...target, '--json']));
    secret = new URL(json['otpauth_uri'] as string).searchParams.get('secret')!;
    const confirmed = jsonOf(
      await byoda(['pod', 'totp', 'confirm', await totpCode(secret, now), ...target, '--json']),
    );
    assert.deepEqual(confirmed, {
      event: 'totp_enrolled',
      enrolled: true,
      pending: false,
      recovery_codes_left: 10,
    });
  });

  it('refuses byoda login without a code off a terminal, in one line naming --totp', async () => {
    const result = await byoda(['login', ...target]);
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /--totp/);
  });

  it('logs in with --totp, once per code', async () => {
    now += STEP_MS;
    const code = await totpCode(secret, now);
    const json = jsonOf(await byoda(['login', ...target, '--totp', code, '--json']));
    assert.equal(json['event'], 'logged_in');
    const again = await byoda(['login', ...target, '--totp', code]);
    assert.notEqual(again.code, 0, 'a code is accepted once');
    assert.match(again.stderr, /wrong username, password or code/);
  });

  it('turns the second factor off with a code, after which the login needs none', async () => {
    now += STEP_MS;
    const off = jsonOf(
      await byoda(['pod', 'totp', 'disable', await totpCode(secret, now), ...target, '--json']),
    );
    assert.equal(off['enrolled'], false);
    assert.equal(jsonOf(await byoda(['login', ...target, '--json']))['event'], 'logged_in');
  });
});
