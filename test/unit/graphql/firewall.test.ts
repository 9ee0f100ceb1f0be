import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataStore } from '../../../src/storage/index.js';
import { executeMembershipQuery, INTERNAL_ERROR_MESSAGE } from '../../../src/graphql/index.js';
import {
  ANONYMOUS,
  OWNER,
  POD_MEMBER_ID,
  SERVICE,
  codes,
  member,
  openMembership,
  plain,
  recordingLogger,
  type Membership,
  OTHER_MEMBER_ID,
} from './membership.js';

const PERSON = { given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.org' };
const FRIEND_SIGNED = member({ relations: ['friend'], distance: 1, originSignatureVerified: true });
const LINK = {
  member_id: '00000000-0000-4000-8000-000000000001',
  relation: 'friend',
  created_timestamp: '2024-01-01T00:00:00Z',
};

describe('resolvers enforce the data firewall (spec §6)', () => {
  let m: Membership;
  before(async () => {
    m = await openMembership('addressbook');
    await m.store.putObject('person', PERSON);
    await m.store.append('network_links', LINK);
  });
  after(async () => {
    await m.close();
  });

  describe('reads', () => {
    it('gives an anonymous requester reading person a FORBIDDEN error on the field and no data', async () => {
      const result = await m.run(ANONYMOUS, '{ person { given_name email } }');
      assert.deepEqual(result.data, { person: null });
      assert.deepEqual(codes(result), ['BYODA_ERR_FORBIDDEN']);
      assert.deepEqual(result.errors?.[0]?.path, ['person']);
      assert.doesNotMatch(JSON.stringify(result), /Ada|Lovelace/);
    });

    it('denies the connection of a class just like the class', async () => {
      const result = await m.run(
        ANONYMOUS,
        '{ person_connection { total_count edges { node { given_name } } } }',
      );
      assert.deepEqual(result.data, { person_connection: null });
      assert.deepEqual(codes(result), ['BYODA_ERR_FORBIDDEN']);
    });

    it('denies a member without a network link', async () => {
      const result = await m.run(member(), '{ person { given_name } }');
      assert.deepEqual(result.data, { person: null });
      assert.deepEqual(codes(result), ['BYODA_ERR_FORBIDDEN']);
      assert.match(result.errors?.[0]?.message ?? '', /person/);
    });

    it('lets a friend at distance 1 with a verified origin signature read person', async () => {
      const result = await m.run(FRIEND_SIGNED, '{ person { given_name family_name email } }');
      assert.equal(result.errors, undefined);
      assert.deepEqual(result.data, { person: PERSON });
    });

    it('denies that friend without the origin signature the rule requires, and beyond its distance', async () => {
      const unsigned = await m.run(member({ relations: ['friend'] }), '{ person { given_name } }');
      assert.deepEqual(codes(unsigned), ['BYODA_ERR_FORBIDDEN']);
      const far = await m.run(
        member({ relations: ['friend'], distance: 2, originSignatureVerified: true }),
        '{ person { given_name } }',
      );
      assert.deepEqual(codes(far), ['BYODA_ERR_FORBIDDEN']);
    });

    it('denies one field without withholding the others: the service reads person but not email', async () => {
      const result = await m.run(SERVICE, '{ person { given_name email family_name } }');
      assert.deepEqual(result.data, { person: { given_name: 'Ada', email: null, family_name: 'Lovelace' } });
      assert.deepEqual(codes(result), ['BYODA_ERR_FORBIDDEN']);
      assert.deepEqual(result.errors?.[0]?.path, ['person', 'email']);
    });

    it('refuses a filter on a field the requester may not read (it would reveal the value)', async () => {
      const result = await m.run(
        SERVICE,
        '{ person_connection(filter: {email: {eq: "ada@example.org"}}) { total_count } }',
      );
      assert.deepEqual(codes(result), ['BYODA_ERR_FORBIDDEN']);
      assert.deepEqual(result.data, { person_connection: null });
      const allowed = await m.run(
        SERVICE,
        '{ person_connection(filter: {given_name: {eq: "Ada"}}) { total_count } }',
      );
      assert.deepEqual(allowed.data, { person_connection: { total_count: 1 } });
    });

    it('withholds the origin when the granting rule anonymizes responses', async () => {
      const mm = await openMembership('addressbook');
      try {
        const asset = {
          created_timestamp: '2024-01-01T00:00:00Z',
          asset_id: '00000000-0000-4000-8000-0000000000a1',
          asset_type: 'video',
        };
        await mm.store.append('network_assets', asset);
        const query = '{ network_assets_connection { edges { origin node { asset_type } } } }';
        const owner = await mm.run(OWNER, query);
        assert.deepEqual(owner.data, {
          network_assets_connection: { edges: [{ origin: POD_MEMBER_ID, node: { asset_type: 'video' } }] },
        });
        const friend = await mm.run(FRIEND_SIGNED, query);
        assert.deepEqual(friend.data, {
          network_assets_connection: { edges: [{ origin: null, node: { asset_type: 'video' } }] },
        });
      } finally {
        await mm.close();
      }
    });
  });

  describe('writes', () => {
    it('denies an append to a requester without append, and changes nothing', async () => {
      const before = await m.store.count('network_links');
      for (const requester of [ANONYMOUS, member(), FRIEND_SIGNED, SERVICE]) {
        const result = await m.run(
          requester,
          'mutation ($l: network_link_input!) { append_network_links(input: $l) { relation } }',
          { l: { ...LINK, relation: 'intruder' } },
        );
        assert.deepEqual(codes(result), ['BYODA_ERR_FORBIDDEN'], requester.kind);
        assert.deepEqual(result.data, { append_network_links: null });
      }
      assert.equal(await m.store.count('network_links'), before);
    });

    it('denies update, delete and mutate without the right, and changes nothing', async () => {
      const update = await m.run(
        member(),
        'mutation { update_network_links(filter: {}, input: {relation: "x"}) }',
      );
      const remove = await m.run(member(), 'mutation { delete_from_network_links(filter: {}) }');
      const mutate = await m.run(
        FRIEND_SIGNED,
        'mutation { mutate_person(input: {given_name: "Eve", family_name: "X", email: "eve@example.org"}) { given_name } }',
      );
      assert.deepEqual(
        [...codes(update), ...codes(remove), ...codes(mutate)],
        ['BYODA_ERR_FORBIDDEN', 'BYODA_ERR_FORBIDDEN', 'BYODA_ERR_FORBIDDEN'],
      );
      assert.deepEqual(
        (await m.store.query('network_links')).records.map((r) => r.data['relation']),
        ['friend'],
      );
      assert.equal((await m.store.getObject('person'))?.data['given_name'], 'Ada');
    });

    it('lets any member append an invite, and answers with field errors since they may not read it', async () => {
      const invite = {
        created_timestamp: '2024-01-02T00:00:00Z',
        member_id: OTHER_MEMBER_ID,
        relation: 'friend',
      };
      const result = await m.run(
        member(),
        'mutation ($i: network_invite_input!) { append_network_invites(input: $i) { relation } }',
        { i: invite },
      );
      assert.equal(await m.store.count('network_invites'), 1);
      assert.deepEqual(result.data, { append_network_invites: { relation: null } });
      assert.deepEqual(codes(result), ['BYODA_ERR_FORBIDDEN']);
      const [stored] = (await m.store.query('network_invites')).records;
      assert.equal(stored?.meta.appender, OTHER_MEMBER_ID);
    });

    it('refuses a member’s invite or inbound link in another member’s name (sender fields, issue 11)', async () => {
      const forged = {
        created_timestamp: '2024-01-02T00:00:00Z',
        member_id: '00000000-0000-4000-8000-000000000003',
        relation: 'friend',
      };
      for (const [cls, type] of [
        ['network_invites', 'network_invite'],
        ['network_links_inbound', 'network_link_inbound'],
      ] as const) {
        const before = await m.store.count(cls);
        const result = await m.run(
          member(),
          `mutation ($i: ${type}_input!) { append_${cls}(input: $i) { relation } }`,
          { i: forged },
        );
        assert.deepEqual(codes(result), ['BYODA_ERR_VALUE']);
        assert.match(
          result.errors?.[0]?.message ?? '',
          new RegExp(`${cls}\\.member_id: must be the sending`),
        );
        assert.equal(await m.store.count(cls), before);
      }
      // The owner's own records name whom they are about: not checked, and the owner is the appender.
      const owner = await m.run(
        OWNER,
        'mutation ($i: network_invite_input!) { append_network_invites(input: $i) { member_id } }',
        { i: forged },
      );
      assert.deepEqual(owner.errors, undefined);
      const edges = await m.run(
        OWNER,
        '{ network_invites_connection { edges { appender node { member_id } } } }',
      );
      assert.deepEqual(
        JSON.parse(JSON.stringify(edges.data)).network_invites_connection.edges.map(
          (e: { appender: string }) => e.appender,
        ),
        [OTHER_MEMBER_ID, POD_MEMBER_ID],
      );
    });
  });

  describe('errors', () => {
    it('never sends an unexpected error’s message to the client, and logs it', async () => {
      const logger = recordingLogger();
      const broken: DataStore = Object.create(m.store, {
        query: { value: () => Promise.reject(new Error('SQLITE_CORRUPT at /var/lib/pod/secret.db')) },
      }) as DataStore;
      const context = { ...m.context(OWNER, { logger }), store: broken };
      const result = plain(
        await executeMembershipQuery(m.schema, context, {
          query: '{ network_links_connection { total_count } }',
        }),
      );
      assert.deepEqual(codes(result), ['BYODA_ERR_INTERNAL']);
      assert.equal(result.errors?.[0]?.message, INTERNAL_ERROR_MESSAGE);
      assert.doesNotMatch(JSON.stringify(result), /secret|SQLITE/);
      assert.equal(logger.entries.length, 1);
      assert.match(logger.entries[0] ?? '', /SQLITE_CORRUPT/);
    });

    it('reports a stored value that does not fit the schema as the pod’s fault, on that field', async () => {
      // GraphQL's Int is 32-bit; storage keeps any safe integer (e.g. written by the pod itself).
      await m.store.append('restricted_content_keys', { key_id: 3_000_000_000, key: 'k' });
      const result = await m.run(
        OWNER,
        '{ restricted_content_keys_connection { edges { node { key_id key } } } }',
      );
      assert.deepEqual(codes(result), ['BYODA_ERR_INTERNAL']);
      assert.deepEqual(result.errors?.[0]?.path, [
        'restricted_content_keys_connection',
        'edges',
        0,
        'node',
        'key_id',
      ]);
      assert.deepEqual(result.data, {
        restricted_content_keys_connection: { edges: [{ node: { key_id: null, key: 'k' } }] },
      });
    });

    it('refuses a context for another contract version than the schema’s', async () => {
      const logger = recordingLogger();
      const context = {
        ...m.context(OWNER, { logger }),
        contract: { ...m.contract, version: m.contract.version + 1 },
      };
      const result = plain(
        await executeMembershipQuery(m.schema, context, { query: '{ person { given_name } }' }),
      );
      assert.deepEqual(codes(result), ['BYODA_ERR_INTERNAL']);
      assert.equal(logger.entries.length, 1);
    });
  });
});
