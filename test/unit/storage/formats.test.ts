import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataClass } from '../../../src/contract/model.js';
import { canonicalRecord } from '../../../src/storage/index.js';
import { matchesFormat } from '../../../src/storage/formats.js';
import { loadContractFile } from '../../../src/contract/index.js';

/** The addressbook's person: `email` is `idn-email`, `homepage_url` and `avatar_url` are `uri`. */
async function person(): Promise<DataClass> {
  const contract = await loadContractFile(
    new URL('../../../contracts/addressbook.json', import.meta.url).pathname,
  );
  const cls = contract.classes.find((c) => c.name === 'person');
  assert.ok(cls);
  return cls;
}

const card = { given_name: 'Ada', family_name: 'One', email: 'ada@example.org' };

describe('storage: JSON Schema formats of string fields', () => {
  it('accepts values of the format', () => {
    assert.equal(matchesFormat('email', 'ada@example.org'), true);
    assert.equal(matchesFormat('idn-email', 'zoë@exämple.org'), true);
    assert.equal(matchesFormat('uri', 'https://example.org/a?b=c'), true);
    assert.equal(matchesFormat('date', '2026-01-31'), true);
  });

  it('refuses values that are not of the format', () => {
    for (const [format, value] of [
      ['email', 'not-an-email'],
      ['idn-email', 'not-an-email'],
      ['idn-email', 'a@b'],
      ['idn-email', 'a b@example.org'],
      ['uri', 'example.org'],
      ['uri', 'not a uri'],
      ['date', '31/01/2026'],
    ] as const) {
      assert.equal(matchesFormat(format, value), false, `${format}: ${value}`);
    }
  });

  it('accepts any value of a format it does not check (a JSON Schema annotation)', () => {
    assert.equal(matchesFormat('x-color', 'anything at all'), true);
    // The pod writes request addresses itself; an IPv6-mapped one must not be refused.
    assert.equal(matchesFormat('ipv4', '::ffff:127.0.0.1'), true);
  });

  it("names the field and says in words what it expects when a record's email is not one", async () => {
    const cls = await person();
    assert.throws(
      () => canonicalRecord(cls, { ...card, email: 'not-an-email' }),
      (err: Error & { code?: string }) =>
        err.code === 'BYODA_ERR_VALUE' &&
        err.message === 'person.email: expected an email address like name@example.org',
    );
  });

  it('refuses a uri without a scheme and keeps a good record as given', async () => {
    const cls = await person();
    assert.throws(
      () => canonicalRecord(cls, { ...card, homepage_url: 'example.org' }),
      /person\.homepage_url: expected a full web address like https:\/\/example\.org\/page/,
    );
    const good = { ...card, homepage_url: 'https://example.org/ada' };
    assert.deepEqual(canonicalRecord(cls, good), good);
  });
});
