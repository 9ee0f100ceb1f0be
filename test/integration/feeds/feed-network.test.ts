/**
 * `listen_relations` between real pod processes (reference.md; src/feeds): a directory with its DNS
 * server, a service of a variant of the example addressbook contract and three pods.
 *
 *   Fay → Pam (follow): Fay's pod subscribes to Pam's `public_assets` over mutual TLS and copies new
 *     assets into `incoming_assets` and `feed_assets` (cache_only), and into `kept_assets`, a class
 *     without any cache or persist property, which the store must refuse (BYODA_ERR_PERSIST_DENIED).
 *   Fay → Quinn (friend): linked, but not with a relation the contract follows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NetworkHarness } from '../../fixtures/network-harness.js';
import type { PodInfo } from '../../fixtures/network-harness.js';
import { LOADED_MACHINE_ENV } from '../../fixtures/test-env.js';
import { OwnerSession } from '../federation/owner-session.js';
import {
  classesOf,
  findAsset,
  logLinesOf,
  membershipDb,
  publishAsset,
  readAssets,
  setCacheOnly,
  storedRows,
  subscriptionCount,
  waitFor,
  waitForSubscription,
  writeContractVariant,
} from './feed-fixtures.js';

const INCOMING_SECONDS = 60;

describe('feeds between pod processes (listen_relations)', () => {
  let net: NetworkHarness;
  let fay: OwnerSession;
  let pam: OwnerSession;
  let quinn: OwnerSession;
  let fayPod: PodInfo;

  before(async () => {
    const contract = await writeContractVariant((document) => {
      setCacheOnly(document, 'incoming_assets', `${INCOMING_SECONDS}s`);
      setCacheOnly(document, 'feed_assets', '2m');
      // A class the pod may not keep remote data in: no cache_only, no cache, no persist grant.
      classesOf(document)['kept_assets'] = {
        description: 'Assets kept for good (a wrong target for a listen relation).',
        type: 'array',
        '#accesscontrol': { member: { permissions: ['read', 'update', 'delete', 'append'] } },
        items: { $ref: '#/$defs/asset' },
      };
      const relations = document['listen_relations'] as Record<string, unknown>[];
      relations.push({
        class_name: 'public_assets',
        relations: ['follow'],
        destination_class: 'kept_assets',
      });
    });
    // Inherited by the pod processes the harness starts (generous waits on a loaded machine).
    Object.assign(process.env, LOADED_MACHINE_ENV);
    net = await NetworkHarness.start({ pods: 3, contract });
    const names = ['fay', 'pam', 'quinn'];
    [fay, pam, quinn] = (await Promise.all(
      net.pods.map((pod, i) =>
        OwnerSession.join(
          { ...pod, name: names[i] ?? pod.name },
          net.directory.rootCaPem,
          net.service.serviceId,
        ),
      ),
    )) as [OwnerSession, OwnerSession, OwnerSession];
    fayPod = net.pods[0] as PodInfo;
    await fay.link(pam.memberId, 'follow');
    await fay.link(quinn.memberId, 'friend');
    await Promise.all([
      waitForSubscription(fayPod.dataDir, pam.memberId),
      waitForSubscription(fayPod.dataDir, pam.memberId, 1, 'kept_assets'),
    ]);
  });

  after(async () => {
    await Promise.all([fay, pam, quinn].map((session) => session?.close()));
    await net?.stop();
  });

  it('copies a followed pod’s new public asset into incoming_assets and feed_assets, origin the followed pod', async () => {
    const before = Date.now();
    const assetId = await publishAsset(pam, 'hello from Pam');
    const incoming = await waitFor('the asset in Fay’s incoming_assets', () =>
      findAsset(fay, 'incoming_assets', assetId),
    );
    const feed = await waitFor('the asset in Fay’s feed_assets', () =>
      findAsset(fay, 'feed_assets', assetId),
    );
    assert.deepEqual(incoming, { origin: pam.memberId, assetId, title: 'hello from Pam' });
    assert.deepEqual(feed, { origin: pam.memberId, assetId, title: 'hello from Pam' });
    // Stored as remote data of Pam, kept no longer than the class's cache_only time.
    const [row] = storedRows(membershipDb(fayPod.dataDir, net.service.serviceId), 'incoming_assets', assetId);
    assert.equal(row?.origin, pam.memberId);
    const expires = Date.parse(row?.expiresAt ?? '');
    assert.ok(
      expires > before && expires <= Date.now() + INCOMING_SECONDS * 1000,
      `expires ${row?.expiresAt}`,
    );
  });

  it('does not copy into a class the contract does not let the pod keep: the store refuses it, and the pod logs why', async () => {
    const assetId = await publishAsset(pam, 'not to be kept');
    await waitFor('the asset in Fay’s incoming_assets', () => findAsset(fay, 'incoming_assets', assetId));
    const [refusal] = await waitFor('the refusal in Fay’s log', async () => {
      const lines = await logLinesOf(fayPod.dataDir, 'feed item not copied', {
        member_id: pam.memberId,
        to: 'kept_assets',
      });
      return lines.length > 0 ? lines : undefined;
    });
    assert.equal(refusal?.['code'], 'BYODA_ERR_PERSIST_DENIED');
    assert.equal(refusal?.['outcome'], 'refused');
    assert.equal(refusal?.['level'], 40); // warn
    assert.deepEqual(
      storedRows(membershipDb(fayPod.dataDir, net.service.serviceId), 'kept_assets', assetId),
      [],
    );
    assert.deepEqual(await readAssets(fay, 'kept_assets'), []);
  });

  it('does not follow a pod it links with a relation the contract does not listen to', async () => {
    const fromQuinn = await publishAsset(quinn, 'Quinn is not followed');
    // Pam's asset, published after Quinn's, arriving shows that the feed is working meanwhile.
    const fromPam = await publishAsset(pam, 'after Quinn');
    await waitFor('Pam’s later asset at Fay', () => findAsset(fay, 'feed_assets', fromPam));
    assert.equal(await findAsset(fay, 'incoming_assets', fromQuinn), undefined);
    assert.equal(await findAsset(fay, 'feed_assets', fromQuinn), undefined);
    assert.equal(await subscriptionCount(fayPod.dataDir, quinn.memberId), 0);
    assert.equal(await subscriptionCount(fayPod.dataDir, quinn.memberId, 'kept_assets'), 0);
  });

  it('stops following when the link is removed, and follows again when it is back', async () => {
    await fay.data(
      `mutation { delete_from_network_links(filter: { member_id: { eq: "${pam.memberId}" } }) }`,
    );
    await waitFor('Fay’s pod to unfollow Pam', async () => {
      const lines = await logLinesOf(fayPod.dataDir, 'feed unfollowed', { member_id: pam.memberId });
      return lines.length > 0 ? true : undefined;
    });
    const whileUnlinked = await publishAsset(pam, 'while unlinked');
    const subscriptions = await subscriptionCount(fayPod.dataDir, pam.memberId);
    await fay.link(pam.memberId, 'follow');
    await waitForSubscription(fayPod.dataDir, pam.memberId, subscriptions + 1);
    const relinked = await publishAsset(pam, 'linked again');
    await waitFor('Pam’s asset after the new link', () => findAsset(fay, 'incoming_assets', relinked));
    assert.equal(await findAsset(fay, 'incoming_assets', whileUnlinked), undefined);
  });
});
