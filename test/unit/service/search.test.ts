/**
 * The service's search, its pure parts and its index: which fields are searchable (a `search` grant
 * to the service, never `read`), how values fold and match, the query's input errors, reading a pod's
 * search data, and the collector's scheduling and failure rules (over an in-memory SQLite index; the
 * index itself, on both backends: test/integration/search/search-store.test.ts).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { findClass, loadContractFile, parseContract } from '../../../src/contract/index.js';
import type { Contract, DataClass } from '../../../src/contract/index.js';
import { ByodaError } from '../../../src/errors/index.js';
import { silentLogger } from '../../../src/http/index.js';
import { SearchCollector, isMembershipGone, readSearchData } from '../../../src/service/search-collector.js';
import { SqliteSearchIndex } from '../../../src/service/search-store/sqlite-search-index.js';
import type { SearchIndex } from '../../../src/service/search-store/search-index.js';
import { readSearchQuery } from '../../../src/service/search-query.js';
import {
  foldText,
  matchesValue,
  searchDataPath,
  searchText,
  searchableClasses,
} from '../../../src/service/search-values.js';
import { smallContractDocument } from '../../fixtures/contracts.js';

const ADDRESSBOOK = fileURLToPath(new URL('../../../contracts/addressbook.json', import.meta.url));

/** The small test contract with `person.name` searchable by prefix, case-sensitively. */
function prefixContract(): Contract {
  const doc = smallContractDocument() as { jsonschema: { properties: Record<string, unknown> } };
  const person = doc.jsonschema.properties['person'] as {
    properties: Record<string, Record<string, unknown>>;
  };
  const name = person.properties['name'];
  assert.ok(name);
  name['#accesscontrol'] = {
    service: { permissions: [{ permission: 'search', match: 'prefix', casesensitive: true }] },
  };
  return parseContract(doc);
}

function classOf(contract: Contract, name: string): DataClass {
  const cls = findClass(contract, name);
  assert.ok(cls, name);
  return cls;
}

describe('search: what is searchable and how it matches', () => {
  let addressbook: Contract;
  before(async () => (addressbook = await loadContractFile(ADDRESSBOOK)));

  it('makes searchable exactly the fields that grant the service search (addressbook: person.email)', () => {
    const classes = searchableClasses(addressbook);
    assert.deepEqual([...classes.keys()], ['person']);
    const fields = classes.get('person') ?? [];
    assert.deepEqual(
      fields.map((f) => [f.field.name, f.match, f.caseSensitive]),
      [['email', 'exact', false]],
    );
  });

  it('takes match and casesensitive from the grant', () => {
    const fields = searchableClasses(prefixContract()).get('person') ?? [];
    assert.deepEqual(
      fields.map((f) => [f.field.name, f.match, f.caseSensitive]),
      [
        ['name', 'prefix', true],
        ['email', 'exact', true],
      ],
    );
  });

  it('indexes scalars as text and folds case with NFC', () => {
    assert.equal(searchText('Suzie'), 'Suzie');
    assert.equal(searchText(42), '42');
    assert.equal(searchText(1.5), '1.5');
    assert.equal(searchText(true), 'true');
    assert.equal(searchText(false), 'false');
    for (const none of [null, undefined, {}, [], Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.equal(searchText(none), undefined);
    }
    assert.equal(foldText('Suzie@Example.ORG'), 'suzie@example.org');
    assert.equal(foldText('E\u0301'), foldText('\u00c9'), 'combining and precomposed É fold alike');
  });

  it('matches exact and prefix, with and without case', () => {
    const exact = { match: 'exact', caseSensitive: false } as const;
    const exactCase = { match: 'exact', caseSensitive: true } as const;
    const prefixCase = { match: 'prefix', caseSensitive: true } as const;
    const prefix = { match: 'prefix', caseSensitive: false } as const;
    assert.ok(matchesValue('Suzie@Example.org', 'suzie@example.org', exact));
    assert.ok(!matchesValue('Suzie@Example.org', 'suzie', exact));
    assert.ok(!matchesValue('Suzie@Example.org', 'suzie@example.org', exactCase));
    assert.ok(matchesValue('Suzie', 'Su', prefixCase));
    assert.ok(!matchesValue('Suzie', 'su', prefixCase));
    assert.ok(matchesValue('Suzie', 'su', prefix));
    assert.ok(!matchesValue('Su', 'Suzie', prefix));
  });
});

describe('search: the query string', () => {
  let person: DataClass;
  let addressbook: Contract;
  before(async () => {
    addressbook = await loadContractFile(ADDRESSBOOK);
    person = classOf(addressbook, 'person');
  });

  const refused = (query: unknown, path: string, pattern: RegExp): void => {
    assert.throws(
      () => readSearchQuery(person, query, addressbook.serviceId),
      (err: unknown) =>
        err instanceof ByodaError &&
        err.status === 400 &&
        err.code === 'BYODA_ERR_BAD_REQUEST' &&
        err.path === path &&
        err.message.includes(path) &&
        pattern.test(err.message),
    );
  };

  it('reads one searchable field with its grant', () => {
    const request = readSearchQuery(person, { email: 'Suzie@Example.org' }, addressbook.serviceId);
    assert.equal(request.field.name, 'email');
    assert.equal(request.value, 'Suzie@Example.org');
    assert.equal(request.match, 'exact');
    assert.equal(request.caseSensitive, false);
  });

  it('refuses no parameter and two parameters, naming the searchable fields', () => {
    refused({}, 'querystring', /searchable fields of person: email/);
    refused(undefined, 'querystring', /give one field/);
    refused({ email: 'a', given_name: 'b' }, 'querystring', /one field at a time, not email, given_name/);
  });

  it('refuses an unknown field and a field without search, naming it', () => {
    refused({ phone: '1' }, 'querystring/phone', /person has no field 'phone'/);
    refused({ given_name: 'Suzie' }, 'querystring/given_name', /grants the service no search/);
    refused({ home_address: 'x' }, 'querystring/home_address', /not searchable/);
    refused({ ['x'.repeat(500)]: 'a' }, `querystring/${'x'.repeat(64)}...`, /has no field/);
  });

  it('refuses a repeated, empty or too long value', () => {
    refused({ email: ['a', 'b'] }, 'querystring/email', /more than once/);
    refused({ email: '' }, 'querystring/email', /must not be empty/);
    refused({ email: 'a'.repeat(257) }, 'querystring/email', /at most 256 characters/);
    refused({ email: 'suzie\u0000@example.org' }, 'querystring/email', /must not contain a NUL character/);
    assert.equal(
      readSearchQuery(person, { email: 'a'.repeat(256) }, addressbook.serviceId).value.length,
      256,
    );
    // Characters, not UTF-16 units: 256 emoji are allowed.
    assert.ok(readSearchQuery(person, { email: '😀'.repeat(256) }, addressbook.serviceId));
  });

  it('says so when a class has no searchable field at all', () => {
    const links = classOf(addressbook, 'network_links');
    assert.throws(
      () => readSearchQuery(links, { member_id: randomUUID() }, addressbook.serviceId),
      /network_links has no field the service may search/,
    );
  });
});

describe('search: reading a pod’s search data', () => {
  let addressbook: Contract;
  const member = randomUUID();
  before(async () => (addressbook = await loadContractFile(ADDRESSBOOK)));

  const answer = (classes: unknown, memberId = member): string =>
    JSON.stringify({ member_id: memberId, contract_version: 1, classes });

  it('keeps only the searchable fields of the contract it publishes, as text', () => {
    const data = readSearchData(
      answer({
        person: [{ email: 'Suzie@Example.org', given_name: 'Suzie' }, { email: 42 }, { email: null }, {}],
        network_links: [{ member_id: randomUUID() }],
        no_such_class: [{ email: 'x@example.org' }],
      }),
      member.toUpperCase(),
      addressbook,
    );
    assert.equal(data.contractVersion, 1);
    assert.deepEqual(data.rows, [
      { className: 'person', field: 'email', value: 'Suzie@Example.org' },
      { className: 'person', field: 'email', value: '42' },
    ]);
  });

  it('skips values that are empty, too long to index or hold a NUL (PostgreSQL text cannot)', () => {
    const data = readSearchData(
      answer({ person: [{ email: '' }, { email: 'a'.repeat(1025) }, { email: 'nul\u0000@example.org' }] }),
      member,
      addressbook,
    );
    assert.deepEqual(data.rows, []);
  });

  it('refuses an answer of another member or of the wrong shape', () => {
    const refusals: [string, RegExp][] = [
      [answer({}, randomUUID()), /member_id is not the member asked/],
      ['not json', /not JSON/],
      ['[]', /not a JSON object/],
      [JSON.stringify({ member_id: member, contract_version: '1', classes: {} }), /contract_version/],
      [JSON.stringify({ member_id: member, contract_version: 1, classes: [] }), /classes is not an object/],
      [answer({ person: { email: 'x' } }), /classes.person is not a list/],
      [answer({ person: ['x'] }), /a record of classes.person is not an object/],
    ];
    for (const [text, pattern] of refusals) {
      assert.throws(() => readSearchData(text, member, addressbook), pattern);
    }
  });

  it('recognises the peer pool’s answer to a 404 as a membership that is gone', async () => {
    assert.ok(isMembershipGone(new ByodaError('BYODA_ERR_UNREACHABLE', 'the pod answered 404')));
    assert.ok(!isMembershipGone(new ByodaError('BYODA_ERR_UNREACHABLE', 'the pod answered 403')));
    assert.ok(!isMembershipGone(new ByodaError('BYODA_ERR_UNREACHABLE', 'timed out after 10 ms')));
    assert.ok(!isMembershipGone(new Error('the pod answered 404')));
    // The message is the peer pool's: if it changes there, this must change too.
    const source = await readFile(
      fileURLToPath(new URL('../../../src/federation/peer-pool.ts', import.meta.url)),
      'utf8',
    );
    assert.ok(source.includes('unreachable(`the pod answered ${status}`)'));
  });
});

describe('search: the collector', () => {
  let addressbook: Contract;
  before(async () => (addressbook = await loadContractFile(ADDRESSBOOK)));

  const body = (memberId: string, email: string): string =>
    JSON.stringify({ member_id: memberId, contract_version: 1, classes: { person: [{ email }] } });

  /** Pods that answer from `answers` (a function per member id), counting calls and concurrency. */
  function fakePods(answers: Map<string, () => Promise<string>>) {
    const stats = { calls: [] as string[], active: 0, maxActive: 0 };
    const peers = {
      async getText(memberId: string, path: string): Promise<string> {
        assert.equal(path, searchDataPath(addressbook.serviceId));
        stats.calls.push(memberId);
        stats.active += 1;
        stats.maxActive = Math.max(stats.maxActive, stats.active);
        try {
          await new Promise((resolve) => setImmediate(resolve));
          const answer = answers.get(memberId);
          if (!answer) throw new ByodaError('BYODA_ERR_UNREACHABLE', 'the pod answered 404');
          return await answer();
        } finally {
          stats.active -= 1;
        }
      },
    };
    return { peers, stats };
  }

  type Peers = ConstructorParameters<typeof SearchCollector>[0]['peers'];
  const collectorOf = (peers: Peers, index: SearchIndex) =>
    new SearchCollector({
      peers,
      index,
      serviceId: addressbook.serviceId,
      contract: async () => addressbook,
      logger: silentLogger(),
      concurrency: 2,
      minIntervalMs: 0,
    });

  const found = (index: SearchIndex, email: string): Promise<string[]> =>
    index.find({
      className: 'person',
      field: 'email',
      value: email,
      match: 'exact',
      caseSensitive: false,
      limit: 10,
    });

  it('collects every member with bounded concurrency', async () => {
    const members = Array.from({ length: 6 }, () => randomUUID());
    const answers = new Map(members.map((m, i) => [m, async () => body(m, `m${i}@example.org`)]));
    const { peers, stats } = fakePods(answers);
    const index = new SqliteSearchIndex(':memory:');
    const collector = collectorOf(peers, index);
    collector.start(() => members, 60_000);
    await collector.whenIdle();
    assert.equal(stats.calls.length, 6);
    assert.ok(stats.maxActive <= 2, `at most 2 at once, saw ${stats.maxActive}`);
    assert.deepEqual(await found(index, 'm3@example.org'), [members[3]]);
    await collector.stop();
    await index.close();
  });

  it('collects a member again when asked while collecting it, never twice at once', async () => {
    const member = randomUUID();
    let email = 'first@example.org';
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const answers = new Map([
      [
        member,
        async () => {
          calls += 1;
          if (calls === 1) await gate;
          return body(member, email);
        },
      ],
    ]);
    const { peers, stats } = fakePods(answers);
    const index = new SqliteSearchIndex(':memory:');
    const collector = collectorOf(peers, index);
    collector.request(member);
    await new Promise((resolve) => setImmediate(resolve));
    email = 'second@example.org';
    collector.request(member);
    collector.request(member);
    release();
    await collector.whenIdle();
    assert.equal(stats.calls.length, 2);
    assert.equal(stats.maxActive, 1);
    assert.deepEqual(await found(index, 'second@example.org'), [member]);
    await collector.stop();
    await index.close();
  });

  it('removes a member whose pod answers 404, keeps one whose pod is unreachable', async () => {
    const [gone, away] = [randomUUID(), randomUUID()];
    const index = new SqliteSearchIndex(':memory:');
    await index.replaceMember(gone, 1, [{ className: 'person', field: 'email', value: 'gone@example.org' }]);
    await index.replaceMember(away, 1, [{ className: 'person', field: 'email', value: 'away@example.org' }]);
    const answers = new Map([
      [
        away,
        async (): Promise<string> => Promise.reject(new ByodaError('BYODA_ERR_UNREACHABLE', 'timed out')),
      ],
    ]);
    const { peers } = fakePods(answers);
    const collector = collectorOf(peers, index);
    collector.request(gone);
    collector.request(away);
    await collector.whenIdle();
    assert.deepEqual(await found(index, 'gone@example.org'), []);
    assert.deepEqual(await found(index, 'away@example.org'), [away]);
    await collector.stop();
    await index.close();
  });

  it('merges the nudges of one member within minIntervalMs into one more collection', async () => {
    const member = randomUUID();
    const index = new SqliteSearchIndex(':memory:');
    const { peers, stats } = fakePods(new Map([[member, async () => body(member, 'loop@example.org')]]));
    const collector = new SearchCollector({
      peers,
      index,
      serviceId: addressbook.serviceId,
      contract: async () => addressbook,
      logger: silentLogger(),
      minIntervalMs: 300,
    });
    collector.request(member);
    await collector.whenIdle();
    for (let i = 0; i < 100; i++) collector.request(member);
    await collector.whenIdle();
    assert.equal(stats.calls.length, 1, 'nothing more within the interval');
    // The merged request runs once the interval is over.
    for (let waited = 0; stats.calls.length < 2 && waited < 5000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await collector.whenIdle();
    assert.equal(stats.calls.length, 2);
    await collector.stop();
    await index.close();
  });

  it('drops an unreachable member’s values once they are older than staleAfterMs', async () => {
    const [recent, old] = [randomUUID(), randomUUID()];
    const index = new SqliteSearchIndex(':memory:');
    await index.replaceMember(recent, 1, [
      { className: 'person', field: 'email', value: 'recent@example.org' },
    ]);
    await index.replaceMember(old, 1, [{ className: 'person', field: 'email', value: 'old@example.org' }]);
    const unreachable = async (): Promise<string> =>
      Promise.reject(new ByodaError('BYODA_ERR_UNREACHABLE', 'timed out'));
    const { peers } = fakePods(
      new Map([
        [recent, unreachable],
        [old, unreachable],
      ]),
    );
    // A collector whose clock is two days past the collection: for it, the values are stale.
    const collectedOld = Date.parse((await index.collectedAt(old)) ?? '');
    const collector = new SearchCollector({
      peers,
      index,
      serviceId: addressbook.serviceId,
      contract: async () => addressbook,
      logger: silentLogger(),
      staleAfterMs: 24 * 60 * 60_000,
      now: () => collectedOld + 2 * 24 * 60 * 60_000,
    });
    // The same index read with the real clock: `recent` is fresh there.
    const recentCollector = new SearchCollector({
      peers,
      index,
      serviceId: addressbook.serviceId,
      contract: async () => addressbook,
      logger: silentLogger(),
      staleAfterMs: 24 * 60 * 60_000,
    });
    collector.request(old);
    recentCollector.request(recent);
    await Promise.all([collector.whenIdle(), recentCollector.whenIdle()]);
    assert.deepEqual(await found(index, 'old@example.org'), []);
    assert.equal(await index.collectedAt(old), undefined);
    assert.deepEqual(await found(index, 'recent@example.org'), [recent]);
    await Promise.all([collector.stop(), recentCollector.stop()]);
    await index.close();
  });

  it('keeps a member’s values when its pod answers nonsense', async () => {
    const member = randomUUID();
    const index = new SqliteSearchIndex(':memory:');
    await index.replaceMember(member, 1, [
      { className: 'person', field: 'email', value: 'kept@example.org' },
    ]);
    const { peers } = fakePods(new Map([[member, async () => body(randomUUID(), 'other@example.org')]]));
    const collector = collectorOf(peers, index);
    collector.request(member);
    await collector.whenIdle();
    assert.deepEqual(await found(index, 'kept@example.org'), [member]);
    await collector.stop();
    await index.close();
  });

  it('cuts a collection in flight at stop, and writes nothing afterwards', async () => {
    const member = randomUUID();
    const index = new SqliteSearchIndex(':memory:');
    let asked: () => void = () => {};
    const wasAsked = new Promise<void>((resolve) => (asked = resolve));
    const peers = {
      getText: (_memberId: string, _path: string, options?: { signal?: AbortSignal }): Promise<string> =>
        new Promise((_resolve, reject) => {
          asked();
          options?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    };
    const collector = collectorOf(peers, index);
    collector.request(member);
    await wasAsked;
    await collector.stop();
    assert.equal(await index.valueCount(member), 0);
    await index.close();
  });

  it('collects nothing once stopped', async () => {
    const member = randomUUID();
    const { peers, stats } = fakePods(new Map([[member, async () => body(member, 'x@example.org')]]));
    const index = new SqliteSearchIndex(':memory:');
    const collector = collectorOf(peers, index);
    await collector.stop();
    collector.request(member);
    await collector.whenIdle();
    assert.equal(stats.calls.length, 0);
    await index.close();
  });
});
