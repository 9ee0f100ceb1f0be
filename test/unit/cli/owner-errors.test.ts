/**
 * What an owner command says when things go wrong, in words a person can act on: no HTTP request
 * paths (`querystring/given_name`), and a hint instead of a bare `connect ECONNREFUSED` when nothing
 * listens at the pod's address (a `byoda up` that crashed leaves its network.json behind).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { userMessage } from '../../../src/cli/main.js';
import { withOwnerApi } from '../../../src/cli/owner-session.js';
import { closedPort } from '../../fixtures/closed-port.js';

describe('cli: error messages of owner commands', () => {
  it('leaves out the request path and the "invalid <path>:" prefix of a server error', () => {
    assert.equal(
      userMessage(
        'invalid querystring/given_name: person.given_name is not searchable',
        'querystring/given_name',
      ),
      'person.given_name is not searchable',
    );
    assert.equal(userMessage('must not be empty', 'params/class'), 'must not be empty');
  });

  it('still names a path into a file, which helps find the mistake', () => {
    assert.equal(
      userMessage('must be a string', '/jsonschema/properties/person'),
      'must be a string (at /jsonschema/properties/person)',
    );
    assert.equal(userMessage('/a/b is wrong', '/a/b'), '/a/b is wrong');
  });

  it("says that byoda up may have stopped when the pod's port refuses the connection", async () => {
    const port = await closedPort();
    const dir = await mkdtemp(join(tmpdir(), 'byoda-owner-errors-'));
    const passwordFile = join(dir, 'password');
    await writeFile(passwordFile, 'a password\n');
    const target = {
      label: 'pod1',
      endpoint: { webUrl: `https://127.0.0.1:${port}`, fqdn: 'x.accounts.byoda.test', rootCaPem: '' },
      username: 'owner',
      passwordFile,
      notRunning: "is 'byoda up' still running?",
    };
    await assert.rejects(
      withOwnerApi(target, () => Promise.resolve('never')),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'BYODA_ERR_UNREACHABLE');
        assert.equal(
          err.message,
          `pod1 does not answer at https://127.0.0.1:${port}: is 'byoda up' still running?`,
        );
        return true;
      },
    );
    await rm(dir, { recursive: true, force: true });
  });
});
