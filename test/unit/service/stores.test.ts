import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ByodaError } from '../../../src/errors/index.js';
import { ContractStore } from '../../../src/service/contract-store.js';
import { MemberStore } from '../../../src/service/member-store.js';
import { SqliteSearchIndex } from '../../../src/service/search-store/sqlite-search-index.js';
import { smallContractDocument } from '../../fixtures/contracts.js';
import { tempDir } from '../../fixtures/pki.js';

describe('MemberStore', () => {
  let dir = '';
  let remove: () => Promise<void> = async () => {};
  before(async () => ({ dir, remove } = await tempDir('member-store')));
  after(() => remove());

  it('gives a member id to the first account that claims it, and only to that account after', () => {
    const store = new MemberStore(':memory:');
    const [member, alice, bob] = [randomUUID(), randomUUID(), randomUUID()];
    assert.equal(store.check(member, alice), 'new');
    assert.equal(store.claim(member, alice), 'new');
    assert.equal(store.claim(member, alice), 'same-account');
    assert.equal(store.claim(member, bob), 'other-account');
    assert.equal(store.check(member, bob), 'other-account');
    assert.equal(store.ownerOf(member), alice);
    assert.equal(store.count(), 1);
    store.close();
  });

  it('refuses a new member id of an account that holds its quota, never an id it holds', () => {
    const store = new MemberStore(':memory:');
    const [alice, bob] = [randomUUID(), randomUUID()];
    const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
    assert.equal(store.claim(first, alice, 2), 'new');
    assert.equal(store.claim(second, alice, 2), 'new');
    assert.equal(store.check(third, alice, 2), 'over-quota');
    assert.equal(store.claim(third, alice, 2), 'over-quota');
    assert.equal(store.ownerOf(third), undefined, 'a refused claim takes nothing');
    assert.equal(store.claim(first, alice, 2), 'same-account', 'renewals are not new member ids');
    assert.equal(store.claim(third, bob, 2), 'new', 'the quota is per account');
    assert.equal(store.claim(second, bob, 2), 'other-account');
    assert.equal(store.countOf(alice), 2);
    store.close();
  });

  it('keeps its members across a reopen', () => {
    const file = join(dir, 'service.db');
    const [member, alice] = [randomUUID(), randomUUID()];
    const first = new MemberStore(file);
    first.claim(member, alice);
    first.close();
    const second = new MemberStore(file);
    assert.equal(second.ownerOf(member), alice);
    second.close();
  });

  it('keeps service.db and search.db readable by their owner only (members and their emails)', async () => {
    for (const [file, open] of [
      [join(dir, 'private', 'service.db'), (f: string) => new MemberStore(f).close()],
      [join(dir, 'private', 'search.db'), (f: string) => new SqliteSearchIndex(f).close()],
    ] as const) {
      await open(file);
      assert.equal((await stat(file)).mode & 0o777, 0o600, file);
    }
  });
});

describe('ContractStore', () => {
  let dir = '';
  let remove: () => Promise<void> = async () => {};
  before(async () => ({ dir, remove } = await tempDir('contract-store')));
  after(() => remove());

  const version = (n: number) => ({ ...smallContractDocument(), version: n });

  it('is empty before anything is published', async () => {
    const store = new ContractStore(join(dir, 'none'));
    assert.deepEqual(await store.versions(), []);
    assert.equal(await store.latest(), undefined);
    assert.equal(await store.get(1), undefined);
  });

  it('lists versions in numeric order and serves each as stored', async () => {
    const store = new ContractStore(join(dir, 'some'));
    for (const n of [2, 10, 1]) await store.put(version(n));
    await writeFile(join(dir, 'some', 'notes.txt'), 'not a version');
    await writeFile(join(dir, 'some', '007.json'), '{}');
    assert.deepEqual(await store.versions(), [1, 2, 10]);
    assert.equal((await store.latest())?.contract.version, 10);
    const fresh = new ContractStore(join(dir, 'some'));
    assert.deepEqual(JSON.parse((await fresh.get(2))?.json ?? ''), version(2));
  });

  it('never overwrites a version', async () => {
    const store = new ContractStore(join(dir, 'once'));
    await store.put(version(1));
    await assert.rejects(store.put({ ...version(1), name: 'other' }), (err: unknown) => {
      assert.ok(err instanceof ByodaError);
      assert.equal(err.code, 'BYODA_ERR_CONFLICT');
      return true;
    });
  });

  it('reports a damaged version file', async () => {
    await mkdir(join(dir, 'damaged'), { recursive: true });
    await writeFile(join(dir, 'damaged', '3.json'), JSON.stringify(version(4)));
    await assert.rejects(new ContractStore(join(dir, 'damaged')).get(3), (err: unknown) => {
      assert.ok(err instanceof ByodaError);
      assert.equal(err.code, 'BYODA_ERR_STORAGE');
      assert.match(err.message, /version 3 is damaged: it holds version 4/);
      return true;
    });
  });
});
