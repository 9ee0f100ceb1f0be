import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Contract, ListenRelation } from '../../../src/contract/index.js';
import { copyFeedItem, copyTargets } from '../../../src/feeds/index.js';
import { openSqliteStore } from '../../../src/storage/index.js';
import type { DataStore } from '../../../src/storage/index.js';
import { tempDir } from '../../fixtures/pki.js';
import { exampleContract, keptAssetsContract } from './feed-contracts.js';

const PAM = '7d1c1f0e-5b8a-4c1e-9f3a-2b6d8e4a1c55';
const ORIGIN = { memberId: PAM, relations: ['follow'] };
const DAY_MS = 86_400_000;

function asset(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    asset_id: randomUUID(),
    created_timestamp: '2026-11-25T09:00:00.000Z',
    asset_type: 'note',
    title,
    // A field the remote pod withheld comes as null (spec §6): dropped, not stored.
    contents: null,
    ...extra,
  };
}

function relationInto(contract: Contract, destination: string): ListenRelation {
  const relation = contract.listenRelations.find((r) => r.destinationClass === destination);
  assert.ok(relation, `a listen relation into ${destination}`);
  return relation;
}

describe('copying a followed pod’s item (listen_relations) into a real SQLite store', () => {
  let dir: { dir: string; remove: () => Promise<void> };
  let contract: Contract;
  let store: DataStore;

  before(async () => {
    dir = await tempDir('byoda-feeds-');
  });
  after(() => dir.remove());

  beforeEach(async () => {
    contract = await keptAssetsContract();
    store = await openSqliteStore(join(dir.dir, `${randomUUID()}.db`), contract);
  });
  afterEach(() => store.close());

  const ids = async (className: string): Promise<unknown[]> =>
    (await store.query(className, { first: 100 })).records.map((r) => r.data['asset_id']);

  it('targets the destination class and the feed class, each once', async () => {
    assert.deepEqual(copyTargets(relationInto(contract, 'incoming_assets')), [
      'incoming_assets',
      'feed_assets',
    ]);
    assert.deepEqual(copyTargets(relationInto(contract, 'kept_assets')), ['kept_assets']);
    assert.deepEqual(
      copyTargets({ className: 'a', relations: ['x'], destinationClass: 'b', feedClass: 'b' }),
      ['b'],
    );
  });

  it('appends the item to both classes, marked with its origin and expiring after each class’s cache time', async () => {
    const item = asset('hello');
    const before = Date.now();
    const results = await copyFeedItem(
      store,
      contract,
      relationInto(contract, 'incoming_assets'),
      item,
      ORIGIN,
    );
    assert.deepEqual(
      results.map((r) => [r.className, r.outcome]),
      [
        ['incoming_assets', 'copied'],
        ['feed_assets', 'copied'],
      ],
    );
    for (const [className, days] of [
      ['incoming_assets', 3],
      ['feed_assets', 7],
    ] as const) {
      const [record] = (await store.query(className)).records;
      assert.ok(record, className);
      assert.deepEqual(record.data, {
        asset_id: item['asset_id'],
        created_timestamp: item['created_timestamp'],
        asset_type: 'note',
        title: 'hello',
      });
      assert.equal(record.meta.origin, PAM);
      const expires = Date.parse(record.meta.expiresAt ?? '');
      assert.ok(expires >= before + days * DAY_MS && expires <= Date.now() + days * DAY_MS, className);
    }
  });

  it('skips an item already there (same primary key) as a duplicate, keeping the first copy', async () => {
    const item = asset('first');
    const relation = relationInto(contract, 'incoming_assets');
    await copyFeedItem(store, contract, relation, item, ORIGIN);
    const again = await copyFeedItem(store, contract, relation, { ...item, title: 'second' }, ORIGIN);
    assert.deepEqual(
      again.map((r) => r.outcome),
      ['duplicate', 'duplicate'],
    );
    assert.equal((await store.query('incoming_assets')).records[0]?.data['title'], 'first');
    assert.equal(await store.count('incoming_assets'), 1);
  });

  it('is refused by the store for a class the pod may not keep remote data in (persist denied)', async () => {
    const item = asset('not to keep');
    const [result] = await copyFeedItem(store, contract, relationInto(contract, 'kept_assets'), item, ORIGIN);
    assert.equal(result?.outcome, 'refused');
    assert.equal((result?.error as { code?: string } | undefined)?.code, 'BYODA_ERR_PERSIST_DENIED');
    assert.deepEqual(await ids('kept_assets'), []);
  });

  it('refuses an item that breaks the followed class, storing nothing', async () => {
    const relation = relationInto(contract, 'incoming_assets');
    for (const node of [
      asset('unknown field', { secret: 'x' }),
      asset('wrong type', { keywords: 'not a list' }),
      'not an object',
      null,
    ]) {
      const results = await copyFeedItem(store, contract, relation, node, ORIGIN);
      assert.deepEqual(
        results.map((r) => [r.className, r.outcome]),
        [['public_assets', 'invalid']],
        JSON.stringify(node),
      );
    }
    // A node without a required field passes the remote check (fields may be withheld) but not storage.
    const { asset_type: _withheld, ...partial } = asset('no type');
    const results = await copyFeedItem(store, contract, relation, partial, ORIGIN);
    assert.deepEqual(
      results.map((r) => r.outcome),
      ['invalid', 'invalid'],
    );
    assert.match(results[0]?.error?.message ?? '', /asset_type/);
    assert.deepEqual(await ids('incoming_assets'), []);
    assert.deepEqual(await ids('feed_assets'), []);
  });

  it('works with the example contract unchanged', async () => {
    const example = await exampleContract();
    const own = await openSqliteStore(join(dir.dir, `${randomUUID()}.db`), example);
    try {
      const [relation] = example.listenRelations;
      assert.ok(relation);
      const results = await copyFeedItem(own, example, relation, asset('plain'), ORIGIN);
      assert.deepEqual(
        results.map((r) => r.outcome),
        ['copied', 'copied'],
      );
    } finally {
      await own.close();
    }
  });
});
