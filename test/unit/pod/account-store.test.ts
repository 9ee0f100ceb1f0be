import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
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
});
