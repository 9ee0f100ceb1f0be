/**
 * The pod's side of the service's search: what a membership shows its service (the fields that grant
 * the service `search`, top-level scalars, the owner's own records only) and when the pod nudges the
 * service (after writes to a searchable class, debounced, one nudge in flight at a time).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadContractFile, parseContract } from '../../../src/contract/index.js';
import type { Contract } from '../../../src/contract/index.js';
import { silentLogger } from '../../../src/http/index.js';
import { collectSearchData, searchableClasses } from '../../../src/pod/search/search-data.js';
import { SearchNudger } from '../../../src/pod/search/search-refresh.js';
import { openSqliteStore } from '../../../src/storage/index.js';
import type { DataStore } from '../../../src/storage/index.js';
import { smallContractDocument } from '../../fixtures/contracts.js';

const ADDRESSBOOK = fileURLToPath(new URL('../../../contracts/addressbook.json', import.meta.url));

/** The small test contract, with the service also granted `search` on the `posts` and `feed` classes. */
function postsSearchContract(): Contract {
  const doc = smallContractDocument() as {
    jsonschema: { properties: Record<string, Record<string, unknown>> };
  };
  for (const name of ['posts', 'feed']) {
    const cls = doc.jsonschema.properties[name];
    assert.ok(cls);
    cls['#accesscontrol'] = {
      ...(cls['#accesscontrol'] as Record<string, unknown>),
      service: { permissions: ['search'] },
    };
  }
  return parseContract(doc);
}

const SUZIE = { given_name: 'Suzie', family_name: 'Jones', email: 'Suzie@Example.org' };

describe('search data of a membership', () => {
  let addressbook: Contract;
  before(async () => (addressbook = await loadContractFile(ADDRESSBOOK)));

  it('names the classes and fields that grant the service search, never those it may only read', () => {
    assert.deepEqual([...searchableClasses(addressbook)], [['person', ['email']]]);
    // Class-level search is inherited by the scalar fields; objects and arrays are left out.
    assert.deepEqual(searchableClasses(postsSearchContract()).get('posts'), [
      'post_id',
      'created',
      'kind',
      'likes',
    ]);
  });

  it('gives the searchable values of the object class, and nothing before there is a record', async () => {
    const store = await openSqliteStore(':memory:', addressbook);
    const memberId = randomUUID();
    assert.deepEqual(await collectSearchData(store, addressbook, memberId), {
      member_id: memberId,
      contract_version: addressbook.version,
      classes: {},
    });
    await store.putObject('person', SUZIE);
    assert.deepEqual(await collectSearchData(store, addressbook, memberId), {
      member_id: memberId,
      contract_version: addressbook.version,
      classes: { person: [{ email: 'Suzie@Example.org' }] },
    });
    await store.close();
  });

  it('pages through an array class, and leaves out remote records (they have an origin)', async () => {
    const contract = postsSearchContract();
    const store = await openSqliteStore(':memory:', contract);
    const ids = Array.from({ length: 150 }, () => randomUUID());
    for (const [i, postId] of ids.entries()) {
      await store.append('posts', { post_id: postId, kind: 'text', likes: i, tags: ['a'] });
    }
    // `feed` keeps other members' posts (cache_only): a remote record is theirs, not this member's.
    const own = randomUUID();
    await store.append('feed', { post_id: randomUUID(), kind: 'photo' }, { origin: randomUUID() });
    await store.append('feed', { post_id: own, kind: 'text' });
    const data = await collectSearchData(store, contract, randomUUID());
    const posts = data.classes['posts'] ?? [];
    assert.equal(posts.length, 150, 'all records, over two pages');
    assert.deepEqual(posts[0], { post_id: ids[0], kind: 'text', likes: 0 });
    assert.deepEqual(posts[149], { post_id: ids[149], kind: 'text', likes: 149 });
    assert.deepEqual(data.classes['feed'], [{ post_id: own, kind: 'text' }]);
    assert.deepEqual(Object.keys(data.classes), ['posts', 'feed'], 'person (searchable) has no record');
    await store.close();
  });
});

describe('search nudges', () => {
  let addressbook: Contract;
  let store: DataStore;
  before(async () => {
    addressbook = await loadContractFile(ADDRESSBOOK);
    store = await openSqliteStore(':memory:', addressbook);
  });
  after(() => store.close());

  /** A nudger whose sends wait for `release()`; counts them. */
  function nudgerWithGate() {
    const sends: number[] = [];
    let releases: (() => void)[] = [];
    let started: () => void = () => {};
    let sendStarted = new Promise<void>((resolve) => (started = resolve));
    const nudger = new SearchNudger(
      { serviceId: addressbook.serviceId, contract: addressbook, store },
      () =>
        new Promise<void>((resolve) => {
          sends.push(Date.now());
          releases.push(resolve);
          started();
        }),
      silentLogger(),
    );
    return {
      nudger,
      sends,
      nextSend: async () => {
        await sendStarted;
        sendStarted = new Promise<void>((resolve) => (started = resolve));
      },
      release: () => {
        for (const release of releases) release();
        releases = [];
      },
    };
  }

  it('nudges after a write to a searchable class, and not after other writes', async () => {
    const { nudger, sends, nextSend, release } = nudgerWithGate();
    await store.append('network_links', {
      member_id: randomUUID(),
      relation: 'friend',
      created_timestamp: new Date().toISOString(),
    });
    await nudger.whenIdle();
    assert.equal(sends.length, 0, 'network_links has no searchable field');
    await store.putObject('person', SUZIE);
    await nextSend();
    release();
    await nudger.whenIdle();
    assert.equal(sends.length, 1);
    await nudger.stop();
  });

  it('sends one more nudge after the one in flight when writes came meanwhile, never two at once', async () => {
    const { nudger, sends, nextSend, release } = nudgerWithGate();
    await store.putObject('person', SUZIE);
    await nextSend();
    await store.putObject('person', { ...SUZIE, email: 'a@example.org' });
    await store.putObject('person', { ...SUZIE, email: 'b@example.org' });
    release();
    await nextSend();
    assert.equal(sends.length, 2);
    release();
    await nudger.whenIdle();
    assert.equal(sends.length, 2, 'the writes during the first nudge made one more, not two');
    await nudger.stop();
  });

  it('nudges on request (start, join), and never after stop', async () => {
    const { nudger, sends, nextSend, release } = nudgerWithGate();
    nudger.nudgeSoon();
    await nextSend();
    release();
    await nudger.whenIdle();
    await nudger.stop();
    await store.putObject('person', SUZIE);
    nudger.nudgeSoon();
    await nudger.whenIdle();
    assert.equal(sends.length, 1);
  });
});
