/**
 * The rate limit as an operator sets it: `BYODA_RATE_LIMIT_PER_MINUTE` in the environment of a real
 * `byoda directory start` process, counted per client over real TLS, and a malformed value refused at
 * start with a message that names the variable.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Agent } from 'undici';
import { RATE_LIMIT_ENV } from '../../../src/http/index.js';
import { runByoda } from '../../fixtures/network-harness.js';
import { tempDir } from '../../fixtures/pki.js';
import { newAccount, client, raw, rawAgent, startDirectoryProcess } from '../directory/harness.js';
import type { DirectoryProcess } from '../directory/harness.js';

const LIMIT = 3;

describe('directory rate limit from the environment', () => {
  let folder: { dir: string; remove: () => Promise<void> };
  let directory: DirectoryProcess;
  let rootCaPem = '';
  const agents: Agent[] = [];

  before(async () => {
    folder = await tempDir('directory-limit');
    // The directory process inherits this process's environment.
    process.env[RATE_LIMIT_ENV] = String(LIMIT);
    try {
      directory = await startDirectoryProcess(join(folder.dir, 'directory'));
    } finally {
      delete process.env[RATE_LIMIT_ENV];
    }
    rootCaPem = await readFile(directory.ready.root_ca, 'utf8');
  });

  after(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await directory?.stop();
    await folder?.remove();
  });

  it('refuses the anonymous request over the limit with 429, and serves a certificate client on', async () => {
    // One account registration from this address first: it counts for the address too.
    const registrar = client(directory.ready.url, rootCaPem);
    const { credential } = await newAccount(registrar);
    await registrar.close();
    const anonymous = rawAgent(rootCaPem);
    agents.push(anonymous);
    const url = `${directory.ready.url}/api/v1/network/services`;
    const seen = [];
    for (let i = 0; i < LIMIT; i++) seen.push(await raw(anonymous, url, 'GET'));
    assert.deepEqual(
      seen.map((reply) => reply.status),
      [...Array<number>(LIMIT - 1).fill(200), 429],
    );
    assert.equal(seen[LIMIT - 1]?.body.error?.code, 'BYODA_ERR_RATE_LIMITED');
    const account = rawAgent(rootCaPem, credential);
    agents.push(account);
    assert.equal((await raw(account, url, 'GET')).status, 200, 'the account is counted by its certificate');
  });

  it('does not start with a malformed limit, naming the variable', async () => {
    // A folder of its own: the running directory holds the lock of the first one.
    const data = join(folder.dir, 'second');
    const init = await runByoda([
      'network',
      'init',
      '--local-secrets',
      '--network',
      'byoda.test',
      '--data',
      data,
    ]);
    assert.equal(init.code, 0, init.stderr);
    const result = await runByoda(['directory', 'start', '--data', data, '--port', '0', '--dns-port', '0'], {
      [RATE_LIMIT_ENV]: 'lots',
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /BYODA_RATE_LIMIT_PER_MINUTE must be a whole number of requests a minute/);
  });
});
