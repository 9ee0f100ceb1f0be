/**
 * The directory's revocations on both stores (SQLite files and a real PostgreSQL), in one process: who
 * may revoke at `POST /api/v1/network/revocations` (both ways), the signed list that names what was
 * revoked, the refusal of a revoked certificate from the next request on, the operator's local
 * revocation (`revokeAsOperator`, and `byoda directory revoke --store` as a process) into the same
 * store, and the list kept across a restart of the directory.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from 'undici';
import { DirectoryServer, revokeAsOperator } from '../../../src/directory/index.js';
import type { DirectoryAddress } from '../../../src/directory/index.js';
import { DIRECTORY_PATHS } from '../../../src/network/index.js';
import type { DirectoryClient } from '../../../src/network/index.js';
import { createNetworkPki, verifyRevocationList } from '../../../src/pki/index.js';
import type { Credential, RevocationList } from '../../../src/pki/index.js';
import { runByoda } from '../../fixtures/network-harness.js';
import { findPostgres } from '../../fixtures/postgres.js';
import { client, newAccount, NETWORK, raw, rawAgent } from './harness.js';

const postgres = await findPostgres();

for (const backend of ['sqlite', 'postgres'] as const) {
  const skip = backend === 'postgres' && typeof postgres === 'string' ? postgres : false;
  describe(`directory revocations on ${backend}`, { skip }, () => revocationSuite(backend));
}
after(async () => {
  if (typeof postgres !== 'string') await postgres.stop();
});

function revocationSuite(backend: 'sqlite' | 'postgres'): void {
  let dir = '';
  let store: string | undefined;
  const server = new DirectoryServer();
  let address: DirectoryAddress;
  let rootCaPem = '';
  let alice: { accountId: string; credential: Credential };
  let bob: { accountId: string; credential: Credential };
  const closers: (() => Promise<void>)[] = [];
  const revocations = (): string => `${address.url}${DIRECTORY_PATHS.revocations}`;
  const agentFor = (credential?: Credential): Agent => {
    const agent = rawAgent(rootCaPem, credential);
    closers.push(() => agent.close());
    return agent;
  };
  const clientFor = (credential?: Credential): DirectoryClient => {
    const c = client(address.url, rootCaPem, credential);
    closers.push(() => c.close());
    return c;
  };
  const start = async (): Promise<void> => {
    address = await server.start({
      dataDir: dir,
      passphrase: 'passphrase',
      ...(store !== undefined ? { store } : {}),
    });
  };
  /** The list as a pod verifies it: signature, chain to the root, network. */
  const fetchList = async (): Promise<RevocationList> => {
    const { list, chain } = await clientFor().getRevocations();
    return verifyRevocationList(list, chain, rootCaPem);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-directory-revoke-'));
    await createNetworkPki(join(dir, 'pki'), NETWORK, 'passphrase');
    store =
      backend === 'postgres' && typeof postgres !== 'string' ? await postgres.createDatabase() : undefined;
    await start();
    rootCaPem = await readFile(address.rootCaPath, 'utf8');
    const anonymous = clientFor();
    alice = await newAccount(anonymous, { port: 4000 });
    bob = await newAccount(anonymous, { port: 4001 });
  });

  after(async () => {
    await Promise.all(closers.map((close) => close()));
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves an empty, signed list at first', async () => {
    const list = await fetchList();
    assert.equal(list.network, NETWORK);
    assert.deepEqual(list.revocations, []);
  });

  it('refuses an anonymous revocation (401) and one account revoking another (403)', async () => {
    const body = { kind: 'account', account_id: alice.accountId };
    const anonymous = await raw(agentFor(), revocations(), 'POST', body);
    assert.equal(anonymous.status, 401, JSON.stringify(anonymous.body));
    assert.equal(anonymous.body.error?.code, 'BYODA_ERR_UNAUTHORIZED');
    const other = await raw(agentFor(bob.credential), revocations(), 'POST', body);
    assert.equal(other.status, 403, JSON.stringify(other.body));
    assert.equal(other.body.error?.code, 'BYODA_ERR_FORBIDDEN');
    assert.deepEqual((await fetchList()).revocations, [], 'nothing was revoked');
  });

  it('refuses a malformed body (400, naming the field)', async () => {
    const bad = await raw(agentFor(alice.credential), revocations(), 'POST', {
      kind: 'account',
      account_id: 'not-a-uuid',
    });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(bad.body.error?.code, 'BYODA_ERR_BAD_REQUEST');
    assert.match(bad.body.error?.message ?? '', /account_id/);
  });

  it('lets an account revoke itself; its certificate is refused from the next request on', async () => {
    const aliceAgent = agentFor(alice.credential);
    const before = await raw(aliceAgent, `${address.url}${DIRECTORY_PATHS.account}`, 'PUT', { port: 4002 });
    assert.equal(before.status, 200, JSON.stringify(before.body));
    const revoked = await raw(aliceAgent, revocations(), 'POST', {
      kind: 'account',
      account_id: alice.accountId,
    });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    // The same agent, so the same kept-alive connection: revocation is asked per request.
    const afterwards = await raw(aliceAgent, `${address.url}${DIRECTORY_PATHS.account}`, 'PUT', {
      port: 4003,
    });
    assert.equal(afterwards.status, 403, JSON.stringify(afterwards.body));
    assert.equal(afterwards.body.error?.code, 'BYODA_ERR_REVOKED');
    const bobStill = await raw(agentFor(bob.credential), `${address.url}${DIRECTORY_PATHS.account}`, 'PUT', {
      port: 4004,
    });
    assert.equal(bobStill.status, 200, 'another account is not affected');
    const list = await fetchList();
    assert.deepEqual(
      list.revocations.map((entry) => ({ ...entry, revoked_at: '' })),
      [{ kind: 'account', account_id: alice.accountId, revoked_at: '', by: 'owner' }],
    );
  });

  it('adds the operator’s revocation to the same store, once', async () => {
    const memberId = randomUUID();
    const target = { kind: 'member', memberId, serviceId: 77 } as const;
    const first = await revokeAsOperator(dir, target, store);
    assert.equal(first.added, true);
    const again = await revokeAsOperator(dir, target, store);
    assert.equal(again.added, false, 'revoking again keeps the first entry');
    const members = (await fetchList()).revocations.filter((entry) => entry.kind === 'member');
    assert.deepEqual(members, [
      {
        kind: 'member',
        member_id: memberId,
        service_id: 77,
        revoked_at: first.revocation.revoked_at,
        by: 'operator',
      },
    ]);
    await assert.rejects(revokeAsOperator(dir, { kind: 'account', accountId: 'nope' }, store), {
      code: 'BYODA_ERR_BAD_REQUEST',
    });
  });

  it('revokes from the command line, into the store `--store` names', async () => {
    const accountId = randomUUID();
    const args = ['directory', 'revoke', '--data', dir, '--account', accountId, '--json'];
    const result = await runByoda([...args, ...(store !== undefined ? ['--store', store] : [])]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { added: boolean }).added, true);
    const accounts = (await fetchList()).revocations.filter((entry) => entry.kind === 'account');
    assert.ok(accounts.some((entry) => entry.kind === 'account' && entry.account_id === accountId));
  });

  it('keeps every revocation across a restart', async () => {
    const before = await fetchList();
    await server.stop();
    await start();
    const afterwards = await fetchList();
    assert.equal(afterwards.revocations.length, 3);
    assert.deepEqual(afterwards.revocations, before.revocations);
  });
}
