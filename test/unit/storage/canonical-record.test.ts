import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Contract } from '../../../src/contract/index.js';
import { canonicalRecord, openSqliteStore } from '../../../src/storage/index.js';
import { loadSharedContract, type SharedContractName } from '../../fixtures/contracts.js';
import { sampleRecord } from '../../fixtures/sample-values.js';
import { rejectsWith, tempDirPerSuite, testContractV1 } from './factory.js';

/**
 * canonicalRecord is what signing signs: it must be exactly the data a store returns, or signatures
 * made over it would not verify against stored records.
 */
describe('storage: canonicalRecord', () => {
  const dir = tempDirPerSuite();

  for (const name of ['addressbook', 'byotube'] as const satisfies readonly SharedContractName[]) {
    it(`equals the stored data of every class of the shared ${name} contract`, async () => {
      const contract: Contract = await loadSharedContract(name);
      const store = await openSqliteStore(join(dir.path, `${name}.db`), contract);
      try {
        for (const cls of contract.classes) {
          for (const seed of [1, 2]) {
            const value = sampleRecord(cls, seed);
            const stored =
              cls.kind === 'object'
                ? await store.putObject(cls.name, value)
                : await store.append(cls.name, value);
            assert.deepEqual(canonicalRecord(cls, value), stored.data, `${cls.name} #${seed}`);
          }
        }
      } finally {
        await store.close();
      }
    });
  }

  it('canonicalises as the store does: uuids, date-times, -0, nulls, field order', async () => {
    const contract = testContractV1();
    const items = contract.classes.find((c) => c.name === 'items');
    assert.ok(items);
    const value = {
      owner: { note: 'n', id: 'ABCDEF00-0000-4000-8000-00000000000A' },
      seen: '2024-06-01T14:00:00.5+02:00',
      item_id: 'ABCDEF00-0000-4000-8000-00000000000B',
      score: -0,
      rank: null,
      active: false,
      tags: [],
      name: 'n',
    };
    const expected = {
      name: 'n',
      score: 0,
      active: false,
      item_id: 'abcdef00-0000-4000-8000-00000000000b',
      seen: '2024-06-01T12:00:00.500Z',
      tags: [],
      owner: { note: 'n', id: 'ABCDEF00-0000-4000-8000-00000000000A' }, // nested values are kept as given
    };
    const canonical = canonicalRecord(items, value);
    assert.deepEqual(canonical, expected);
    assert.deepEqual(Object.keys(canonical), Object.keys(expected));
    const store = await openSqliteStore(join(dir.path, 'v1.db'), contract);
    try {
      assert.deepEqual((await store.append('items', value)).data, canonical);
    } finally {
      await store.close();
    }
  });

  it('throws the BYODA_ERR_VALUE errors a write would', () => {
    const items = testContractV1().classes.find((c) => c.name === 'items');
    assert.ok(items);
    assert.throws(
      () => canonicalRecord(items, { rank: 1 }),
      rejectsWith('BYODA_ERR_VALUE', /^items\.name: required$/),
    );
    assert.throws(
      () => canonicalRecord(items, { name: 'a', item_id: 'nope' }),
      rejectsWith('BYODA_ERR_VALUE', /^items\.item_id: expected a UUID$/),
    );
    assert.throws(
      () => canonicalRecord(items, { name: 'a', colour: 'red' }),
      rejectsWith('BYODA_ERR_VALUE', /^items\.colour: no such field$/),
    );
  });
});
