import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rootFieldNames, typeNames } from '../../../src/graphql/index.js';
import { MAX_PAGE_SIZE, type JsonObject } from '../../../src/storage/index.js';
import { DATALOG_CLASS } from '../../../src/contract/index.js';
import {
  OWNER,
  POD_MEMBER_ID,
  codes,
  member,
  openMembership,
  sampleInput,
  selectionOf,
  type Membership,
} from './membership.js';

type Data = Record<string, unknown>;

function dataOf(result: { data?: unknown; errors?: readonly unknown[] }): Data {
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  return result.data as Data;
}

const LINK_SELECTION = '{ member_id relation created_timestamp annotations }';

function link(n: number, relation = 'friend'): JsonObject {
  return {
    member_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    relation,
    created_timestamp: `2024-02-0${1 + (n % 9)}T10:00:00Z`,
    annotations: [`note ${n}`],
  };
}

async function appendLink(m: Membership, value: JsonObject): Promise<Data> {
  const result = await m.run(
    OWNER,
    `mutation ($input: network_link_input!) { append_network_links(input: $input) ${LINK_SELECTION} }`,
    { input: value },
  );
  return dataOf(result)['append_network_links'] as Data;
}

for (const name of ['addressbook', 'byotube'] as const) {
  describe(`the owner of a ${name} membership`, () => {
    let pod: Membership;
    before(async () => {
      pod = await openMembership(name);
    });
    after(async () => {
      await pod.close();
    });

    it('writes and reads back every class, every served field set', async () => {
      for (const cls of pod.contract.classes) {
        if (cls.obsolete) continue;
        const names = rootFieldNames(cls.name);
        if (cls.name === DATALOG_CLASS) {
          // The pod keeps its data log itself: the owner may read it but not write it (pod-kept.ts).
          const refused = await pod.run(
            OWNER,
            `mutation ($input: ${typeNames(cls.typeName).input}!) { ${names.append}(input: $input) { __typename } }`,
            { input: sampleInput(cls, 1) },
          );
          assert.deepEqual(codes(refused), ['BYODA_ERR_FORBIDDEN'], cls.name);
          dataOf(await pod.run(OWNER, `{ ${names.connection} { total_count } }`));
          continue;
        }
        const types = typeNames(cls.typeName);
        const selection = selectionOf(cls.fields);
        if (cls.kind === 'object') {
          const input = sampleInput(cls, 1);
          const written = await pod.run(
            OWNER,
            `mutation ($input: ${types.input}!) { ${names.mutate}(input: $input) ${selection} }`,
            { input },
          );
          assert.deepEqual(dataOf(written)[names.mutate], input, cls.name);
          const read = await pod.run(OWNER, `{ ${names.object} ${selection} }`);
          assert.deepEqual(dataOf(read)[names.object], input, cls.name);
          continue;
        }
        const inputs = [sampleInput(cls, 1), sampleInput(cls, 2)];
        for (const input of inputs) {
          const appended = await pod.run(
            OWNER,
            `mutation ($input: ${types.input}!) { ${names.append}(input: $input) ${selection} }`,
            { input },
          );
          assert.deepEqual(dataOf(appended)[names.append], input, cls.name);
        }
        const read = await pod.run(
          OWNER,
          `{ ${names.connection} { total_count edges { origin node ${selection} } } }`,
        );
        const connection = dataOf(read)[names.connection] as { total_count: number; edges: Data[] };
        assert.equal(connection.total_count, 2, cls.name);
        assert.deepEqual(
          connection.edges.map((e) => e['node']),
          inputs,
          cls.name,
        );
        assert.ok(connection.edges.every((e) => e['origin'] === POD_MEMBER_ID));
      }
    });
  });
}

describe('the owner', () => {
  let m: Membership;
  before(async () => {
    m = await openMembership('addressbook');
  });
  after(async () => {
    await m.close();
  });

  it('replaces the object record with mutate_X and reads it through its connection', async () => {
    const person = { given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.org' };
    await m.run(OWNER, 'mutation ($p: person_input!) { mutate_person(input: $p) { email } }', { p: person });
    const read = await m.run(
      OWNER,
      '{ person_connection { total_count edges { cursor origin node { given_name homepage_url } } page_info { has_next_page } } }',
    );
    const connection = dataOf(read)['person_connection'] as Data;
    assert.equal(connection['total_count'], 1);
    assert.deepEqual((connection['edges'] as Data[])[0]?.['node'], { given_name: 'Ada', homepage_url: null });
    assert.deepEqual(connection['page_info'], { has_next_page: false });
  });

  it("removes the object record with delete_X, which needs the class's delete right", async () => {
    const own = await openMembership('addressbook');
    try {
      const person = { given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.org' };
      await own.run(OWNER, 'mutation ($p: person_input!) { mutate_person(input: $p) { email } }', {
        p: person,
      });
      const linked = member({ relations: ['family'] });
      // A relative may read the card (spec §6) but not remove it: denied, and the card stays.
      assert.deepEqual(codes(await own.run(linked, 'mutation { delete_person }')), ['BYODA_ERR_FORBIDDEN']);
      assert.deepEqual(dataOf(await own.run(OWNER, '{ person { email } }'))['person'], {
        email: person.email,
      });
      assert.deepEqual(dataOf(await own.run(OWNER, 'mutation { delete_person }')), { delete_person: true });
      assert.deepEqual(dataOf(await own.run(OWNER, '{ person { email } }')), { person: null });
      assert.deepEqual(dataOf(await own.run(OWNER, 'mutation { delete_person }')), { delete_person: false });
    } finally {
      await own.close();
    }
  });

  describe('with many network links', () => {
    let links: Membership;
    before(async () => {
      links = await openMembership('addressbook');
      for (let n = 1; n <= 25; n++) await appendLink(links, link(n, n % 5 === 0 ? 'family' : 'friend'));
    });
    after(async () => {
      await links.close();
    });

    it('pages through a connection with first and after', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 10; pages++) {
        const result = await links.run(
          OWNER,
          'query ($after: String) { network_links_connection(first: 10, after: $after) { total_count edges { cursor node { member_id } } page_info { end_cursor has_next_page } } }',
          { after },
        );
        const page = dataOf(result)['network_links_connection'] as {
          total_count: number;
          edges: { cursor: string; node: { member_id: string } }[];
          page_info: { end_cursor: string | null; has_next_page: boolean };
        };
        assert.equal(page.total_count, 25);
        seen.push(...page.edges.map((e) => e.node.member_id));
        assert.equal(page.page_info.end_cursor, page.edges.at(-1)?.cursor ?? null);
        if (!page.page_info.has_next_page) break;
        after = page.page_info.end_cursor;
      }
      assert.equal(seen.length, 25);
      assert.deepEqual(
        seen,
        Array.from({ length: 25 }, (_, i) => link(i + 1)['member_id']),
      );
    });

    it('refuses a page larger than storage allows and a cursor it did not hand out', async () => {
      const big = await links.run(
        OWNER,
        `{ network_links_connection(first: ${MAX_PAGE_SIZE + 1}) { total_count } }`,
      );
      assert.deepEqual(codes(big), ['BYODA_ERR_BAD_REQUEST']);
      assert.deepEqual(big.data, { network_links_connection: null });
      const cursor = await links.run(
        OWNER,
        '{ network_links_connection(after: "nonsense") { total_count } }',
      );
      assert.deepEqual(codes(cursor), ['BYODA_ERR_CURSOR']);
    });

    it('filters with the operators of each field type', async () => {
      const count = async (filter: string) => {
        const result = await links.run(
          OWNER,
          `{ network_links_connection(filter: ${filter}) { total_count } }`,
        );
        return (dataOf(result)['network_links_connection'] as { total_count: number }).total_count;
      };
      assert.equal(await count('{relation: {eq: "family"}}'), 5);
      assert.equal(await count('{relation: {in: ["family", "colleague"]}}'), 5);
      assert.equal(await count('{relation: {ne: "family"}}'), 20);
      assert.equal(await count('{relation: {glob: "fam*"}}'), 5);
      assert.equal(await count('{relation: {regex: "^fr"}}'), 20);
      assert.equal(await count('{member_id: {eq: "00000000-0000-4000-8000-000000000003"}}'), 1);
      assert.equal(await count('{member_id: {in: ["00000000-0000-4000-8000-000000000003"]}}'), 1);
      assert.equal(await count('{created_timestamp: {after: "2024-02-08T00:00:00Z"}}'), 5);
      assert.equal(await count('{created_timestamp: {at: "2024-02-02T11:00:00+01:00"}}'), 3);
      assert.equal(
        await count('{relation: {eq: "friend"}, created_timestamp: {before: "2024-02-03T00:00:00Z"}}'),
        4,
      );
    });

    it('counts with X_counter under the same filters', async () => {
      const result = await links.run(
        OWNER,
        '{ all: network_links_counter family: network_links_counter(filter: {relation: {eq: "family"}}) }',
      );
      assert.deepEqual(result.data, { all: 25, family: 5 });
    });

    it('answers a bad filter with BYODA_ERR_FILTER naming the field, and reads nothing', async () => {
      const result = await links.run(
        OWNER,
        '{ network_links_connection(filter: {relation: {regex: "(unclosed"}}) { total_count } }',
      );
      assert.deepEqual(codes(result), ['BYODA_ERR_FILTER']);
      assert.match(result.errors?.[0]?.message ?? '', /relation/);
      assert.deepEqual(result.data, { network_links_connection: null });
    });

    it('refuses filters that do not fit the schema before running anything', async () => {
      const unknown = await links.run(
        OWNER,
        '{ network_links_connection(filter: {nickname: {eq: "x"}}) { total_count } }',
      );
      assert.deepEqual(codes(unknown), ['BYODA_ERR_BAD_REQUEST']);
      assert.equal(unknown.data, undefined);
      const badUuid = await links.run(
        OWNER,
        '{ network_links_connection(filter: {member_id: {eq: "not-a-uuid"}}) { total_count } }',
      );
      assert.deepEqual(codes(badUuid), ['BYODA_ERR_BAD_REQUEST']);
      assert.match(badUuid.errors?.[0]?.message ?? '', /UUID/);
      const badOperator = await links.run(
        OWNER,
        '{ network_links_connection(filter: {relation: {lt: "x"}}) { total_count } }',
      );
      assert.deepEqual(codes(badOperator), ['BYODA_ERR_BAD_REQUEST']);
    });
  });

  it('updates and deletes matching records and reports how many', async () => {
    const mm = await openMembership('addressbook');
    try {
      for (let n = 1; n <= 4; n++) await appendLink(mm, link(n, n <= 2 ? 'friend' : 'colleague'));
      const updated = await mm.run(
        OWNER,
        'mutation { update_network_links(filter: {relation: {eq: "colleague"}}, input: {relation: "family", annotations: null}) }',
      );
      assert.deepEqual(updated.data, { update_network_links: 2 });
      const family = await mm.store.query('network_links', { filter: { relation: { eq: 'family' } } });
      assert.equal(family.totalCount, 2);
      assert.ok(family.records.every((r) => r.data['annotations'] === undefined));
      const deleted = await mm.run(
        OWNER,
        'mutation { delete_from_network_links(filter: {relation: {eq: "friend"}}) }',
      );
      assert.deepEqual(deleted.data, { delete_from_network_links: 2 });
      assert.equal(await mm.store.count('network_links'), 2);
      const all = await mm.run(OWNER, 'mutation { delete_from_network_links(filter: {}) }');
      assert.deepEqual(all.data, { delete_from_network_links: 2 });
    } finally {
      await mm.close();
    }
  });

  it('gets storage’s value errors with their code, and a canonical form for scalars', async () => {
    const missing = await m.run(
      OWNER,
      'mutation { update_network_links(filter: {}, input: {relation: null}) }',
    );
    assert.deepEqual(codes(missing), ['BYODA_ERR_VALUE']);
    const written = await appendLink(m, {
      member_id: 'AAAAAAAA-0000-4000-8000-000000000001',
      relation: 'friend',
      created_timestamp: '2024-03-01T12:00:00+02:00',
    });
    assert.equal(written['member_id'], 'aaaaaaaa-0000-4000-8000-000000000001');
    assert.equal(written['created_timestamp'], '2024-03-01T10:00:00.000Z');
  });
});
