/**
 * The owner's data log over a real SQLite file with the real addressbook contract: batching,
 * coalescing, the pending and row caps, retention through the store's expiry, and the firewall rule
 * that only the owner reads it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Contract, DataClass } from '../../../src/contract/index.js';
import { classDecision, DATALOG_CLASS } from '../../../src/firewall/index.js';
import type { Requester } from '../../../src/firewall/index.js';
import { DataLog, DEFAULT_DATALOG_SETTINGS, datalogSettings } from '../../../src/pod/datalog/index.js';
import type { DataLogSettings } from '../../../src/pod/datalog/index.js';
import { openSqliteStore } from '../../../src/storage/index.js';
import type { DataStore } from '../../../src/storage/index.js';
import { loadSharedContract } from '../../fixtures/contracts.js';

const MEMBER: Requester = {
  kind: 'member',
  memberId: '22222222-2222-4222-8222-222222222222',
  relations: [],
  distance: 1,
  originSignatureVerified: false,
};
const OWNER: Requester = { kind: 'owner' };
const ANONYMOUS: Requester = { kind: 'anonymous' };

describe('the owner’s data log', () => {
  let dir: string;
  let contract: Contract;
  let count = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-datalog-'));
    contract = await loadSharedContract('addressbook');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function openLog(
    settings: Partial<DataLogSettings> = {},
    now?: () => Date,
  ): Promise<{ store: DataStore; log: DataLog }> {
    count += 1;
    const store = await openSqliteStore(join(dir, `m${count}.db`), contract, now ? { now } : {});
    const log = new DataLog(store, { ...DEFAULT_DATALOG_SETTINGS, flushMs: 20, ...settings });
    return { store, log };
  }

  const rows = async (store: DataStore) =>
    (await store.query(DATALOG_CLASS, { first: 100 })).records.map((record) => record.data);

  it('writes allowed and denied decisions with who, what and from where, after a short wait', async () => {
    const { store, log } = await openLog();
    log.note({
      requester: MEMBER,
      className: 'person',
      action: 'read',
      allowed: false,
      remoteAddr: '::ffff:10.1.2.3',
    });
    log.note({
      requester: OWNER,
      className: 'person',
      action: 'update',
      allowed: true,
      remoteAddr: '127.0.0.1',
    });
    assert.deepEqual(await rows(store), [], 'nothing is written inside the request');
    await new Promise((resolve) => setTimeout(resolve, 60));
    const written = await rows(store);
    assert.equal(written.length, 2);
    assert.equal(written[0]?.['remote_id_type'], 'member');
    assert.equal(written[0]?.['remote_id'], '22222222-2222-4222-8222-222222222222');
    assert.equal(written[0]?.['remote_addr'], '10.1.2.3');
    assert.equal(written[0]?.['operation'], 'read');
    assert.equal(written[0]?.['object'], 'person');
    assert.equal(written[0]?.['message'], 'denied');
    assert.equal(written[1]?.['remote_id_type'], 'owner');
    assert.equal(written[1]?.['remote_id'], undefined);
    assert.equal(written[1]?.['message'], 'allowed');
    await log.close();
    await store.close();
  });

  it('coalesces repeats into one row and caps what waits, counting the rest in one row', async () => {
    const { store, log } = await openLog({ maxPending: 3, flushEntries: 50, flushMs: 60_000 });
    for (let i = 0; i < 40; i += 1) {
      log.note({
        requester: ANONYMOUS,
        className: 'person',
        action: 'read',
        allowed: false,
        remoteAddr: '10.0.0.1',
      });
    }
    for (let i = 0; i < 10; i += 1) {
      log.note({
        requester: ANONYMOUS,
        className: 'person',
        action: 'read',
        allowed: false,
        remoteAddr: `10.0.1.${i}`,
      });
    }
    await log.flush();
    const messages = (await rows(store)).map((row) => row['message']);
    assert.deepEqual(messages, [
      'denied x40',
      'denied',
      'denied',
      'dropped 8 entries: too many distinct requests in one flush',
    ]);
    await log.close();
    await store.close();
  });

  it('keeps at most maxRows rows, deleting the oldest', async () => {
    const { store, log } = await openLog({ maxRows: 5, flushMs: 60_000 });
    for (let i = 0; i < 12; i += 1) {
      log.note({
        requester: ANONYMOUS,
        className: 'person',
        action: 'read',
        allowed: false,
        remoteAddr: `10.0.2.${i}`,
      });
      await log.flush();
      await new Promise((resolve) => setTimeout(resolve, 2)); // distinct created_timestamps
    }
    const kept = (await rows(store)).map((row) => row['remote_addr']);
    assert.deepEqual(kept, ['10.0.2.7', '10.0.2.8', '10.0.2.9', '10.0.2.10', '10.0.2.11']);
    await log.close();
    await store.close();
  });

  it('lets its rows expire after the retention, like cached data', async () => {
    let clock = Date.now();
    const { store, log } = await openLog({ retentionSeconds: 60, flushMs: 60_000 }, () => new Date(clock));
    log.note({
      requester: OWNER,
      className: 'person',
      action: 'read',
      allowed: true,
      remoteAddr: '127.0.0.1',
    });
    await log.flush();
    assert.equal(await store.count(DATALOG_CLASS), 1);
    const expiry = await store.nextExpiry();
    assert.ok(expiry && expiry.getTime() > clock + 59_000 && expiry.getTime() <= clock + 61_000);
    clock += 61_000;
    assert.equal(await store.deleteExpired(new Date(clock)), 1);
    assert.equal(await store.count(DATALOG_CLASS), 0);
    await log.close();
    await store.close();
  });

  it('names each kind of requester by the id it proved', async () => {
    const { store, log } = await openLog({ flushMs: 60_000 });
    const kinds: Requester[] = [
      { kind: 'service', serviceId: contract.serviceId },
      { kind: 'app', appId: 'review-1', serviceId: contract.serviceId },
      {
        kind: 'delegate',
        scope: { tokenId: 'tok-1', serviceId: contract.serviceId, classes: ['person'], actions: ['read'] },
      },
      ANONYMOUS,
    ];
    for (const requester of kinds) {
      log.note({ requester, className: 'person', action: 'read', allowed: true, remoteAddr: '127.0.0.1' });
    }
    await log.flush();
    assert.deepEqual(
      (await rows(store)).map((row) => [row['remote_id_type'], row['remote_id']]),
      [
        ['service', String(contract.serviceId)],
        ['app', 'review-1'],
        ['delegate', 'tok-1'],
        ['anonymous', undefined],
      ],
    );
    await log.close();
    await store.close();
  });

  it('is readable by the owner only, and writable by nobody', () => {
    const cls = contract.classes.find((c) => c.name === DATALOG_CLASS) as DataClass;
    assert.equal(classDecision(cls, 'read', OWNER).allowed, true);
    for (const action of ['append', 'delete', 'update'] as const) {
      assert.equal(classDecision(cls, action, OWNER).allowed, false, action);
    }
    assert.equal(classDecision(cls, 'read', MEMBER).allowed, false);
    const delegate: Requester = {
      kind: 'delegate',
      scope: { tokenId: 't1', serviceId: contract.serviceId, classes: [DATALOG_CLASS], actions: ['read'] },
    };
    assert.equal(classDecision(cls, 'read', delegate).allowed, false);
  });

  it('takes its settings from the environment and refuses bad ones', () => {
    assert.equal(datalogSettings(undefined, { BYODA_DATALOG_RETENTION: '7d' }).retentionSeconds, 7 * 86_400);
    assert.equal(datalogSettings(undefined, { BYODA_DATALOG_MAX_ROWS: '50' }).maxRows, 50);
    assert.throws(() => datalogSettings(undefined, { BYODA_DATALOG_RETENTION: 'soon' }), {
      code: 'BYODA_ERR_CONFIG',
      message: /BYODA_DATALOG_RETENTION/,
    });
    assert.throws(() => datalogSettings(undefined, { BYODA_DATALOG_MAX_ROWS: '-1' }), {
      code: 'BYODA_ERR_CONFIG',
      message: /datalog\.maxRows/,
    });
  });
});
