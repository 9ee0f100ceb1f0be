import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadContractFile, parseContract, type Contract } from '../../../src/contract/index.js';
import { openSqliteStore, type DataStore, type WriteMeta } from '../../../src/storage/index.js';
import { assertMayPersist } from '../../../src/storage/persist.js';
import { loadSharedContract, sharedContractPath } from '../../fixtures/contracts.js';
import { sampleRecord } from '../../fixtures/sample-values.js';
import { rejectsWith, tempDir, testClock } from './factory.js';

const ORIGIN = '1b9f0c2e-3d4a-4b5c-8d6e-7f8091a2b3c4';
const NOW = '2025-05-01T08:00:00.000Z';
const clock = testClock(NOW);
const at = (offsetSeconds: number): string => new Date(Date.parse(NOW) + offsetSeconds * 1000).toISOString();

/**
 * A contract whose classes each show one way remote data may (not) be kept: no grant, `any_member`
 * persist, `network` persist for friends, fields (one nested) whose own `any_member` rule replaces the
 * inherited persist grant, a `cache` class and a `cache_only` one.
 */
function persistContract(): Contract {
  const persistFor = (entity: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    [entity]: { permissions: [{ permission: 'persist', ...extra }] },
  });
  const text = { $ref: '#/$defs/text' };
  return parseContract({
    service_id: 4243,
    version: 1,
    name: 'persist-test',
    jsonschema: {
      type: 'object',
      properties: {
        notes: {
          type: 'array',
          '#accesscontrol': { member: { permissions: ['read', 'append'] } },
          items: text,
        },
        cards: {
          type: 'array',
          '#accesscontrol': { member: { permissions: ['read'] }, ...persistFor('any_member') },
          items: { $ref: '#/$defs/card' },
        },
        friends_only: {
          type: 'array',
          '#accesscontrol': {
            member: { permissions: ['read'] },
            ...persistFor('network', { relation: ['Friend'], distance: 1 }),
          },
          items: text,
        },
        signed_cards: {
          type: 'array',
          '#accesscontrol': {
            member: { permissions: ['read'] },
            ...persistFor('any_member', { source_signature_required: true }),
          },
          items: text,
        },
        cached: {
          type: 'array',
          '#accesscontrol': { member: { permissions: ['read'] } },
          '#properties': [['cache', '1h']],
          items: text,
        },
        cached_profile: {
          type: 'object',
          '#accesscontrol': { member: { permissions: ['read'] } },
          '#properties': [['cache_only', '10m']],
          properties: { text: { type: 'string' } },
        },
      },
      $defs: {
        text: { type: 'object', properties: { text: { type: 'string' } } },
        card: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            address: {
              type: 'object',
              properties: {
                city: { type: 'string' },
                street: { type: 'string', '#accesscontrol': { any_member: { permissions: ['read'] } } },
              },
            },
            secret: { type: 'string', '#accesscontrol': { any_member: { permissions: ['read'] } } },
          },
        },
      },
    },
  });
}

describe('storage: remote data is kept only as the contract allows (persist, cache)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: DataStore;
  let n = 0;
  const open = async (contract: Contract): Promise<DataStore> =>
    openSqliteStore(join(dir.path, `p${++n}.db`), contract, { now: clock.now });

  before(async () => {
    dir = await tempDir();
    store = await open(persistContract());
  });
  after(async () => {
    await store.close();
    await dir.remove();
  });

  it('refuses remote data in a class without persist or cache, naming the field, and writes nothing', async () => {
    await assert.rejects(
      store.append('notes', { text: 'hi' }, { origin: ORIGIN }),
      rejectsWith(
        'BYODA_ERR_PERSIST_DENIED',
        /^remote data: notes\.text may not be kept \(no persist grant for this pod: .*no cache duration\)$/,
      ),
    );
    assert.equal(await store.count('notes'), 0);
    // The same data written by the owner (no origin) is stored as ever.
    assert.equal((await store.append('notes', { text: 'mine' })).data.text, 'mine');
  });

  it('keeps remote data whose every field grants persist to any member', async () => {
    const rec = await store.append('cards', { name: 'Ada', address: { city: 'London' } }, { origin: ORIGIN });
    assert.equal(rec.meta.origin, ORIGIN);
    assert.equal(rec.meta.expiresAt, undefined);
  });

  it('refuses when one field, top-level or nested, has no persist grant', async () => {
    await assert.rejects(
      store.append('cards', { name: 'Ada', secret: 's' }, { origin: ORIGIN }),
      rejectsWith('BYODA_ERR_PERSIST_DENIED', /^remote data: cards\.secret may not be kept/),
    );
    await assert.rejects(
      store.append('cards', { name: 'Bob', address: { city: 'Paris', street: 'Rue' } }, { origin: ORIGIN }),
      rejectsWith('BYODA_ERR_PERSIST_DENIED', /^remote data: cards\.address\.street may not be kept/),
    );
    assert.deepEqual((await store.query('cards', { filter: { name: { in: ['Bob'] } } })).records, []);
  });

  it('keeps data whose persist grant needs an origin signature: the query that fetched it was signed here', async () => {
    // The data arrives as the answer to this pod's own query, which carried its origin signature.
    const kept = await store.append('signed_cards', { text: 'signed' }, { origin: ORIGIN });
    assert.equal(kept.data.text, 'signed');
  });

  it('asks no grant for a field without a value (a patch clearing it keeps nothing)', () => {
    const cards = persistContract().classes.find((c) => c.name === 'cards');
    assert.ok(cards);
    // `secret` has no persist grant: its null needs none, its value does.
    assert.doesNotThrow(() =>
      assertMayPersist(
        cards,
        new Map([
          ['name', 'Ada'],
          ['secret', null],
        ]),
        ORIGIN,
        [],
      ),
    );
    assert.throws(
      () =>
        assertMayPersist(
          cards,
          new Map([
            ['name', 'Ada'],
            ['secret', 's'],
          ]),
          ORIGIN,
          [],
        ),
      rejectsWith('BYODA_ERR_PERSIST_DENIED', /^remote data: cards\.secret may not be kept/),
    );
  });

  it('keeps network-persist data only when this pod links to the origin with a matching relation', async () => {
    const meta = (originRelations?: string[]): WriteMeta => ({
      origin: ORIGIN,
      ...(originRelations ? { originRelations } : {}),
    });
    await assert.rejects(
      store.append('friends_only', { text: 'a' }, meta()),
      rejectsWith(
        'BYODA_ERR_PERSIST_DENIED',
        /friends_only\.text may not be kept .*granted only to network, and a member without a network link/,
      ),
    );
    await assert.rejects(
      store.append('friends_only', { text: 'b' }, meta(['colleague'])),
      rejectsWith(
        'BYODA_ERR_PERSIST_DENIED',
        /friends_only\.text .*needs a link with relation friend, not colleague/,
      ),
    );
    assert.equal(await store.count('friends_only'), 0);
    const kept = await store.append('friends_only', { text: 'c' }, meta(['colleague', 'FRIEND']));
    assert.equal(kept.data.text, 'c');
  });

  it('keeps remote data in a cache class for at most its duration', async () => {
    const byDefault = await store.append('cached', { text: 'd' }, { origin: ORIGIN });
    assert.equal(byDefault.meta.expiresAt, at(3600));
    const clamped = await store.append('cached', { text: 'c' }, { origin: ORIGIN, expiresAt: at(7200) });
    assert.equal(clamped.meta.expiresAt, at(3600));
    const sooner = await store.append('cached', { text: 's' }, { origin: ORIGIN, expiresAt: at(60) });
    assert.equal(sooner.meta.expiresAt, at(60));
    // Local data in a `cache` class does not expire by default.
    assert.equal((await store.append('cached', { text: 'own' })).meta.expiresAt, undefined);
  });

  it('keeps remote data in a cache_only object class, with its expiry clamped', async () => {
    const rec = await store.putObject(
      'cached_profile',
      { text: 'p' },
      { origin: ORIGIN, expiresAt: '2099-01-01T00:00:00Z' },
    );
    assert.equal(rec.meta.expiresAt, at(600));
  });

  it('refuses originRelations that are not a list of names', async () => {
    for (const originRelations of ['friend', [1], null]) {
      await assert.rejects(
        store.append('friends_only', { text: 'x' }, {
          origin: ORIGIN,
          originRelations,
        } as unknown as WriteMeta),
        rejectsWith('BYODA_ERR_VALUE', /^originRelations: /),
      );
    }
  });

  it('checks the value before persist: an invalid value is BYODA_ERR_VALUE', async () => {
    await assert.rejects(
      store.append('notes', { text: 5 }, { origin: ORIGIN }),
      rejectsWith('BYODA_ERR_VALUE', /notes\.text/),
    );
  });

  describe('with the addressbook contracts', () => {
    it('refuses a remote person (contracts/addressbook.json) and leaves the local one as it was', async () => {
      const contract = await loadContractFile(
        new URL('../../../contracts/addressbook.json', import.meta.url).pathname,
      );
      const s = await open(contract);
      try {
        const person = contract.classes.find((c) => c.name === 'person');
        assert.ok(person);
        const mine = await s.putObject('person', sampleRecord(person, 1));
        await assert.rejects(
          s.putObject('person', sampleRecord(person, 2), { origin: ORIGIN }),
          rejectsWith('BYODA_ERR_PERSIST_DENIED', /^remote data: person\.\w+ may not be kept/),
        );
        assert.deepEqual(await s.getObject('person'), mine);
        // A cache_only class of the same contract takes remote data, expiring in 3 days at most.
        const assets = contract.classes.find((c) => c.name === 'incoming_assets');
        assert.ok(assets);
        const cached = await s.append('incoming_assets', sampleRecord(assets, 3), { origin: ORIGIN });
        assert.equal(cached.meta.expiresAt, at(3 * 24 * 3600));
      } finally {
        await s.close();
      }
    });

    it('shared addressbook: member.member_id grants persist to any member, member.joined does not', async () => {
      const shared = await loadSharedContract('addressbook');
      const s1 = await open(shared);
      try {
        await assert.rejects(
          s1.putObject('member', { joined: NOW, member_id: ORIGIN }, { origin: ORIGIN }),
          rejectsWith('BYODA_ERR_PERSIST_DENIED', /^remote data: member\.joined may not be kept/),
        );
        assert.equal(await s1.getObject('member'), null);
      } finally {
        await s1.close();
      }
      // The same contract with `joined` optional: the member id alone is remote data one may keep.
      const doc = JSON.parse(await readFile(sharedContractPath('addressbook'), 'utf8')) as {
        jsonschema: { properties: { member: { required: string[] } } };
      };
      doc.jsonschema.properties.member.required = ['member_id'];
      const s2 = await open(parseContract(doc));
      try {
        const kept = await s2.putObject('member', { member_id: ORIGIN.toUpperCase() }, { origin: ORIGIN });
        assert.deepEqual(kept.data, { member_id: ORIGIN });
        await assert.rejects(
          s2.putObject('member', { member_id: ORIGIN, auto_upgrade: true }, { origin: ORIGIN }),
          rejectsWith('BYODA_ERR_PERSIST_DENIED', /^remote data: member\.auto_upgrade may not be kept/),
        );
        assert.deepEqual((await s2.getObject('member'))?.data, { member_id: ORIGIN });
      } finally {
        await s2.close();
      }
    });
  });
});
