/**
 * The owner's labels for members in account.db (src/pod/lifecycle/link-label-ledger.ts): the label
 * rules, per-membership storage, replacement, removal, the bound on their number, and a reopen.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccountStore } from '../../../src/pod/lifecycle/account-store.js';
import {
  MAX_LINK_LABEL_LENGTH,
  MAX_LINK_LABELS,
  normaliseLinkLabel,
} from '../../../src/pod/lifecycle/link-label-ledger.js';

const member = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('link labels: the rules of a label', () => {
  it('trims and NFC-normalises, keeping any script and emoji', () => {
    assert.equal(normaliseLinkLabel('  Mum  ', 'body/label'), 'Mum');
    assert.equal(normaliseLinkLabel('Jose\u0301', 'body/label'), 'José');
    assert.equal(normaliseLinkLabel('奶奶 👵', 'body/label'), '奶奶 👵');
    assert.equal(normaliseLinkLabel('é'.repeat(MAX_LINK_LABEL_LENGTH), 'x').length, MAX_LINK_LABEL_LENGTH);
    // Counted in characters, not UTF-16 units: 64 emoji are 64 characters.
    assert.equal(
      [...normaliseLinkLabel('👵'.repeat(MAX_LINK_LABEL_LENGTH), 'x')].length,
      MAX_LINK_LABEL_LENGTH,
    );
  });

  for (const [what, value] of [
    ['empty', ''],
    ['only spaces', '   '],
    ['too long', 'x'.repeat(MAX_LINK_LABEL_LENGTH + 1)],
    ['a newline', 'a\nb'],
    ['a NUL', 'a\u0000b'],
    ['a line separator', 'a\u2028b'],
    ['a lone surrogate', 'a\ud800b'],
    ['a number', 7],
    ['null', null],
  ] as const) {
    it(`refuses ${what}, naming the field`, () => {
      assert.throws(
        () => normaliseLinkLabel(value, 'body/label'),
        (err: Error & { code?: string }) =>
          err.code === 'BYODA_ERR_BAD_REQUEST' && /^body\/label: /.test(err.message),
      );
    });
  }
});

describe('link labels: in account.db', () => {
  let dir = '';
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'byoda-labels-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps labels per membership, replaces and removes them, and outlives a reopen', () => {
    const path = join(dir, 'account.db');
    const store = AccountStore.open(path);
    const labels = store.linkLabels();
    labels.put(1, member(1), 'Mum', new Date('2026-01-01T00:00:00Z'));
    labels.put(2, member(1), 'Jan');
    labels.put(1, member(1), 'Mam', new Date('2026-01-02T00:00:00Z'));
    assert.deepEqual(labels.list(1), [
      { memberId: member(1), label: 'Mam', updatedAt: '2026-01-02T00:00:00.000Z' },
    ]);
    assert.deepEqual(
      labels.list(2).map((l) => l.label),
      ['Jan'],
    );
    assert.equal(labels.remove(2, member(1)), true);
    assert.equal(labels.remove(2, member(1)), false);
    store.close();
    const reopened = AccountStore.open(path);
    assert.deepEqual(
      reopened
        .linkLabels()
        .list(1)
        .map((l) => l.label),
      ['Mam'],
    );
    assert.deepEqual(reopened.linkLabels().list(2), []);
    reopened.close();
  });

  it(`refuses a new label past ${MAX_LINK_LABELS} in one membership, but replaces one and takes another membership's`, () => {
    const store = AccountStore.open(join(dir, 'full.db'));
    const labels = store.linkLabels();
    for (let n = 0; n < MAX_LINK_LABELS; n++) labels.put(7, member(n), `m${n}`);
    assert.throws(
      () => labels.put(7, member(MAX_LINK_LABELS), 'one too many'),
      (err: Error & { code?: string }) => err.code === 'BYODA_ERR_CONFLICT',
    );
    assert.equal(labels.put(7, member(3), 'replaced').label, 'replaced');
    assert.equal(labels.put(8, member(MAX_LINK_LABELS), 'elsewhere').label, 'elsewhere');
    assert.equal(labels.list(7).length, MAX_LINK_LABELS);
    store.close();
  });
});
