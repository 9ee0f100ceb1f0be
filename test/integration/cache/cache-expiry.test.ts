/**
 * Cached remote data expires (spec §8 `cache_only`; src/storage's expiry sweeper started by every
 * membership of the pod): with real pod processes, a variant of the example contract whose feed classes
 * keep items for seconds, Fay's pod following Pam's.
 *
 * "Gone" is measured as the time the first read (or look at the file) that no longer finds the item
 * returned, against the row's own `_expires_at`. The allowed lateness is the spec's one second plus
 * SLACK_MS: one poll interval (100 ms) plus one read on a 2-core machine that runs other tests too
 * (an HTTPS GraphQL round trip or opening the SQLite file, rarely above 200 ms there), rounded up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NetworkHarness } from '../../fixtures/network-harness.js';
import type { PodInfo } from '../../fixtures/network-harness.js';
import { LOADED_MACHINE_ENV } from '../../fixtures/test-env.js';
import { OwnerSession } from '../federation/owner-session.js';
import {
  findAsset,
  membershipDb,
  ownerReader,
  publishAsset,
  setCacheOnly,
  storedRows,
  waitFor,
  waitForSubscription,
  writeContractVariant,
} from '../feeds/feed-fixtures.js';
import type { OwnerQueries, StoredRow } from '../feeds/feed-fixtures.js';

const SLACK_MS = 500;
const CLASSES = ['incoming_assets', 'feed_assets'] as const;

describe('expiry of cached feed items with pod processes', () => {
  let net: NetworkHarness;
  let fay: OwnerSession;
  let pam: OwnerSession;

  const fayPod = (): PodInfo => net.pods[0] as PodInfo;
  const dbFile = (): string => membershipDb(fayPod().dataDir, net.service.serviceId);

  /** The copy of `assetId` in `className` of Fay's file, once it is there. */
  const copiedRow = (className: string, assetId: string): Promise<StoredRow> =>
    waitFor(`${assetId} in Fay’s ${className}`, async () => storedRows(dbFile(), className, assetId)[0]);

  const expiryOf = (row: StoredRow): number => {
    const at = Date.parse(row.expiresAt ?? '');
    assert.ok(Number.isFinite(at), `a cached copy has an expiry, not ${row.expiresAt}`);
    return at;
  };

  before(async () => {
    const contract = await writeContractVariant((document) => {
      setCacheOnly(document, 'incoming_assets', '4s');
      setCacheOnly(document, 'feed_assets', '6s');
    });
    Object.assign(process.env, LOADED_MACHINE_ENV);
    net = await NetworkHarness.start({ pods: 2, contract });
    [fay, pam] = (await Promise.all(
      net.pods.map((pod, i) =>
        OwnerSession.join(
          { ...pod, name: i === 0 ? 'fay' : 'pam' },
          net.directory.rootCaPem,
          net.service.serviceId,
        ),
      ),
    )) as [OwnerSession, OwnerSession];
    await fay.link(pam.memberId, 'follow');
    await waitForSubscription(fayPod().dataDir, pam.memberId);
  });

  after(async () => {
    await Promise.all([fay, pam].map((session) => session?.close()));
    await net?.stop();
  });

  /** Reads until the item is gone from `className`; when the first read without it returned. */
  async function readUntilGone(owner: OwnerQueries, className: string, assetId: string): Promise<number> {
    return waitFor(`${assetId} gone from Fay’s ${className}`, async () =>
      (await findAsset(owner, className, assetId)) === undefined ? Date.now() : undefined,
    );
  }

  /** Looks at the file until the row is gone; when the first look without it finished. */
  function fileUntilGone(className: string, assetId: string): Promise<number> {
    return waitFor(`${assetId} deleted from Fay’s ${className} file`, async () =>
      storedRows(dbFile(), className, assetId).length === 0 ? Date.now() : undefined,
    );
  }

  it('stops serving a copied item at its expiry and deletes its row within a second', async (t) => {
    const assetId = await publishAsset(pam, 'short-lived');
    for (const className of CLASSES) {
      const row = await copiedRow(className, assetId);
      assert.equal(row.origin, pam.memberId);
      const expiresAt = expiryOf(row);
      // Served while it is valid (the copy is seconds old at most here).
      assert.ok(Date.now() < expiresAt, `${className}: copied too late to observe`);
      assert.ok(await findAsset(fay, className, assetId), `${className}: served before its expiry`);
      const [goneFromReads, goneFromFile] = await Promise.all([
        readUntilGone(fay, className, assetId),
        fileUntilGone(className, assetId),
      ]);
      // A read that ran at or after the expiry: never earlier than the expiry.
      t.diagnostic(
        `${className}: reads stopped ${goneFromReads - expiresAt} ms, row deleted ${goneFromFile - expiresAt} ms after expiry`,
      );
      assert.ok(goneFromReads >= expiresAt, `${className}: gone ${expiresAt - goneFromReads} ms early`);
      assert.ok(goneFromFile >= expiresAt, `${className}: deleted ${expiresAt - goneFromFile} ms early`);
      assert.ok(
        goneFromReads - expiresAt < 1000 + SLACK_MS,
        `${className}: still served ${goneFromReads - expiresAt} ms after its expiry`,
      );
      assert.ok(
        goneFromFile - expiresAt < 1000 + SLACK_MS,
        `${className}: row still on disk ${goneFromFile - expiresAt} ms after its expiry`,
      );
    }
  });

  it('never serves an item that expired while the pod was stopped, and deletes it at start', async (t) => {
    const assetId = await publishAsset(pam, 'expires while Fay is down');
    const expiries = await Promise.all(CLASSES.map(async (c) => expiryOf(await copiedRow(c, assetId))));
    await fayPod().process.stop();
    assert.ok(Date.now() < Math.min(...expiries), 'the pod stopped before the items expired');
    const latest = Math.max(...expiries);
    await new Promise((resolve) => setTimeout(resolve, latest - Date.now() + 200));

    // restartPod starts the stopped pod again (same data folder, new ports).
    const restarted = await net.restartPod(fayPod());
    const readyAt = Date.now();
    // The owner reads at once, while the file is watched: whether the sweep has run yet or not, the
    // expired copy must not be served.
    const reads = (async () => {
      const owner = await ownerReader(restarted, net.directory.rootCaPem, net.service.serviceId);
      try {
        for (const className of CLASSES) {
          assert.equal(await findAsset(owner, className, assetId), undefined, `${className} serves it`);
        }
      } finally {
        await owner.close();
      }
    })();
    const deletedAt = await Promise.all(CLASSES.map((c) => fileUntilGone(c, assetId)));
    await reads;
    t.diagnostic(`rows deleted ${deletedAt.map((at) => at - readyAt).join(' and ')} ms after the ready line`);
    for (const [i, at] of deletedAt.entries()) {
      assert.ok(at - readyAt < 1000 + SLACK_MS, `${CLASSES[i]}: row on disk ${at - readyAt} ms after start`);
    }
  });
});
