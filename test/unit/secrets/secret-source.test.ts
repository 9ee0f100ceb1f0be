import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { localSecretFile, resolveSecret, terminalPrompt } from '../../../src/secrets/index.js';
import type { SecretRequest } from '../../../src/secrets/index.js';

describe('secret sources', () => {
  let dir = '';
  const base = (extra: Partial<SecretRequest> = {}): SecretRequest => ({
    what: 'the key passphrase',
    fileFlag: '--passphrase-file',
    envVar: 'BYODA_PASSPHRASE',
    env: {},
    credential: 'passphrase',
    ...extra,
  });

  before(async () => (dir = await mkdtemp(join(tmpdir(), 'byoda-secrets-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('takes the file first, its first line only', async () => {
    const file = join(dir, 'given');
    await writeFile(file, 'from-file\nsecond line\n');
    const got = await resolveSecret(base({ file, env: { BYODA_PASSPHRASE: 'from-env' } }));
    assert.deepEqual(got, { value: 'from-file', source: 'file' });
  });

  it('then the environment variable, then the systemd credential', async () => {
    const credentials = join(dir, 'creds');
    await mkdir(credentials);
    await writeFile(join(credentials, 'passphrase'), 'from-credential\n');
    const env = { BYODA_PASSPHRASE: 'from-env', CREDENTIALS_DIRECTORY: credentials };
    assert.deepEqual(await resolveSecret(base({ env })), { value: 'from-env', source: 'env' });
    assert.deepEqual(await resolveSecret(base({ env: { CREDENTIALS_DIRECTORY: credentials } })), {
      value: 'from-credential',
      source: 'credential',
    });
  });

  it('then an existing local file, then the terminal', async () => {
    const localFile = join(dir, 'local');
    await writeFile(localFile, 'from-local\n');
    assert.deepEqual(await resolveSecret(base({ localFile })), { value: 'from-local', source: 'local-file' });
    const asked = await resolveSecret(
      base({ localFile: join(dir, 'absent'), prompt: () => Promise.resolve('typed') }),
    );
    assert.deepEqual(asked, { value: 'typed', source: 'prompt' });
  });

  it('refuses with a clear error naming every source when none gives it (non-interactive)', async () => {
    const notATerminal = terminalPrompt({ input: new PassThrough(), output: new PassThrough() });
    await assert.rejects(resolveSecret(base({ prompt: notATerminal, localFile: join(dir, 'absent') })), {
      code: 'BYODA_ERR_CONFIG',
      message:
        /no key passphrase: give --passphrase-file FILE, set BYODA_PASSPHRASE, or load a systemd credential named 'passphrase'/,
    });
  });

  it('refuses an empty file, an unreadable file and an empty answer', async () => {
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    await assert.rejects(resolveSecret(base({ file: empty })), {
      code: 'BYODA_ERR_CONFIG',
      message: /empty/,
    });
    await assert.rejects(resolveSecret(base({ file: join(dir, 'missing') })), {
      code: 'BYODA_ERR_CONFIG',
      message: /--passphrase-file: cannot read/,
    });
    await assert.rejects(resolveSecret(base({ prompt: () => Promise.resolve('') })), {
      code: 'BYODA_ERR_CONFIG',
      message: /may not be empty/,
    });
  });

  it('asks on a terminal without echoing the answer, twice when confirming', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const output = new PassThrough();
    let shown = '';
    output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
    const prompt = terminalPrompt({ input, output, confirm: true });
    const answer = prompt('Key passphrase: ');
    setImmediate(() => {
      input.write('s3cret\n');
      setImmediate(() => input.write('s3cret\n'));
    });
    assert.equal(await answer, 's3cret');
    assert.match(shown, /Key passphrase: /);
    assert.match(shown, /Again, to confirm: /);
    assert.doesNotMatch(shown, /s3cret/);
  });

  it('makes a local file (0600) only when asked, and reuses it', async () => {
    const path = join(dir, 'made');
    const made = await localSecretFile(path);
    assert.equal(made.created, true);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await readFile(path, 'utf8')).trim(), made.value);
    assert.deepEqual(await localSecretFile(path), { value: made.value, created: false });
  });
});
