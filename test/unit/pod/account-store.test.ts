import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { AccountStore } from '../../../src/pod/lifecycle/account-store.js';
import { tempDir } from '../../fixtures/pki.js';

describe('pod: account.db', () => {
  let dir: string;
  let remove: () => Promise<void>;
  before(async () => {
    ({ dir, remove } = await tempDir('account-store'));
  });
  after(() => remove());

  it('keeps the account and its memberships across reopening, readable by the owner only', async () => {
    const path = join(dir, 'account.db');
    const accountId = randomUUID();
    const store = AccountStore.open(path);
    store.createAccount({
      accountId,
      username: 'owner',
      passwordHash: 'scrypt$x',
      createdAt: '2024-01-01T00:00:00.000Z',
    });
    store.addMembership({
      serviceId: 4242,
      memberId: randomUUID(),
      contractVersion: 1,
      joinedAt: '2024-01-02T00:00:00.000Z',
    });
    store.setContractVersion(4242, 2);
    store.close();
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const reopened = AccountStore.openReadOnly(path);
    try {
      assert.equal(reopened.getAccount()?.accountId, accountId);
      assert.deepEqual(
        reopened.listMemberships().map((m) => [m.serviceId, m.contractVersion]),
        [[4242, 2]],
      );
      assert.equal(reopened.getMembership(1), undefined);
    } finally {
      reopened.close();
    }
  });

  it('refuses a second membership of one service', () => {
    const store = AccountStore.open(join(dir, 'twice.db'));
    try {
      const membership = { serviceId: 7, memberId: randomUUID(), contractVersion: 1, joinedAt: 'x' };
      store.addMembership(membership);
      assert.throws(() => store.addMembership({ ...membership, memberId: randomUUID() }));
    } finally {
      store.close();
    }
  });

  it('adds the login limit tables to an account.db of the version before, keeping its account', () => {
    const path = join(dir, 'version-2.db');
    // The schema as migrations 001 and 002 left it, written by hand as an older pod would have.
    const old = new Database(path);
    old.exec(`CREATE TABLE account (account_id TEXT PRIMARY KEY, username TEXT NOT NULL,
                password_hash TEXT NOT NULL, created_at TEXT NOT NULL);
              CREATE TABLE memberships (service_id INTEGER PRIMARY KEY, member_id TEXT NOT NULL UNIQUE,
                contract_version INTEGER NOT NULL, joined_at TEXT NOT NULL);
              INSERT INTO account VALUES ('a1', 'owner', 'scrypt$x', '2024-01-01T00:00:00.000Z');`);
    old.pragma('user_version = 2');
    old.close();
    const store = AccountStore.open(path);
    try {
      assert.equal(store.getAccount()?.username, 'owner');
      assert.equal(store.loginClient('192.0.2.1'), undefined);
      store.putLoginClient('192.0.2.1', {
        failures: 2,
        lastFailureMs: 10,
        blockedUntilMs: 20,
        lastSuccessMs: null,
      });
      store.putLoginAccount({ failures: 5, lastFailureMs: 10, nextAttemptMs: 30 });
      assert.deepEqual(store.loginClient('192.0.2.1'), {
        failures: 2,
        lastFailureMs: 10,
        blockedUntilMs: 20,
        lastSuccessMs: null,
      });
      assert.deepEqual(store.loginAccount(), { failures: 5, lastFailureMs: 10, nextAttemptMs: 30 });
      store.forgetLoginClients(11, 0);
      assert.equal(store.loginClient('192.0.2.1')?.failures, 2, 'still blocked: kept');
      store.forgetLoginClients(21, 0);
      assert.equal(store.loginClient('192.0.2.1'), undefined, 'no failure since, no success: forgotten');
    } finally {
      store.close();
    }
  });
});
