import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadContractFile, parseContract, type Contract } from '../../../src/contract/index.js';
import { openSqliteStore, type FilterInput } from '../../../src/storage/index.js';
import { tempDir } from './factory.js';
import { sampleRecord } from '../../fixtures/sample-values.js';

const CONTRACTS = new URL('../../../../shared/contracts/', import.meta.url);

/** A filter that picks `value` out by every scalar field (eq, or at for date-times). */
function filterFor(
  contract: Contract,
  className: string,
  value: Readonly<Record<string, unknown>>,
): FilterInput {
  const cls = contract.classes.find((c) => c.name === className);
  const filter: Record<string, Record<string, unknown>> = {};
  for (const f of cls?.fields ?? []) {
    if (f.type.kind !== 'scalar') continue;
    filter[f.name] = { [f.type.scalar === 'date-time' ? 'at' : 'eq']: value[f.name] };
  }
  return filter;
}

for (const name of ['addressbook', 'byotube']) {
  describe(`storage of the ${name} contract`, () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let contract: Contract;
    before(async () => {
      dir = await tempDir();
      contract = await loadContractFile(new URL(`${name}.json`, CONTRACTS).pathname);
    });
    after(async () => {
      await dir.remove();
    });

    it('stores a value in every field of every class and reads it back unchanged', async () => {
      const path = join(dir.path, 'roundtrip.db');
      const store = await openSqliteStore(path, contract);
      try {
        for (const cls of contract.classes) {
          if (cls.kind === 'object') {
            const value = sampleRecord(cls, 1);
            assert.deepEqual((await store.putObject(cls.name, value)).data, value, cls.name);
            assert.deepEqual((await store.getObject(cls.name))?.data, value, cls.name);
            continue;
          }
          const values = [sampleRecord(cls, 1), sampleRecord(cls, 7)];
          for (const value of values) await store.append(cls.name, value);
          const page = await store.query(cls.name);
          assert.deepEqual(
            page.records.map((r) => r.data),
            values,
            cls.name,
          );
          // Every scalar column is filterable; the filter on all of them finds exactly its record.
          const found = await store.query(cls.name, {
            filter: filterFor(contract, cls.name, values[1] ?? {}),
          });
          assert.deepEqual(
            found.records.map((r) => r.data),
            [values[1]],
            cls.name,
          );
        }
      } finally {
        await store.close();
      }
      const reopened = await openSqliteStore(path, contract);
      try {
        for (const cls of contract.classes)
          assert.equal(await reopened.count(cls.name), cls.kind === 'object' ? 1 : 2);
      } finally {
        await reopened.close();
      }
    });

    it('migrates to a version that adds a class and a field, keeping every record', async () => {
      const store = await openSqliteStore(join(dir.path, 'migrate.db'), contract);
      try {
        const arrays = contract.classes.filter((c) => c.kind === 'array');
        for (const cls of arrays) await store.append(cls.name, sampleRecord(cls, 3));
        const doc = JSON.parse(await readFile(new URL(`${name}.json`, CONTRACTS), 'utf8')) as {
          version: number;
          jsonschema: { properties: Record<string, { properties?: Record<string, unknown> }> };
        };
        doc.version += 1;
        const member = doc.jsonschema.properties.member;
        if (member?.properties) member.properties.nickname = { type: 'string', description: 'added in v2' };
        doc.jsonschema.properties.bookmarks = structuredClone(doc.jsonschema.properties.network_links ?? {});
        const next = parseContract(doc);

        const report = await store.migrate(next);
        assert.deepEqual(report.addedClasses, ['bookmarks']);
        assert.deepEqual(report.addedFields, ['member.nickname']);
        for (const cls of arrays) assert.equal(await store.count(cls.name), 1, cls.name);
        const bookmarks = next.classes.find((c) => c.name === 'bookmarks');
        assert.ok(bookmarks);
        await store.append('bookmarks', sampleRecord(bookmarks, 1));
        assert.equal(await store.count('bookmarks'), 1);
      } finally {
        await store.close();
      }
    });
  });
}
