import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  getNamedType,
  isNonNullType,
  type GraphQLSchema,
} from 'graphql';
import { parseContract, type Contract } from '../../../src/contract/index.js';
import type { ByodaError } from '../../../src/errors/index.js';
import { DateTimeScalar, UUIDScalar, buildMembershipSchema } from '../../../src/graphql/index.js';
import { loadSharedContract, smallContractDocument } from '../../fixtures/contracts.js';

function objectType(schema: GraphQLSchema, name: string): GraphQLObjectType {
  const type = schema.getType(name);
  assert.ok(type instanceof GraphQLObjectType, `${name} is an object type`);
  return type;
}

function inputType(schema: GraphQLSchema, name: string): GraphQLInputObjectType {
  const type = schema.getType(name);
  assert.ok(type instanceof GraphQLInputObjectType, `${name} is an input type`);
  return type;
}

function rootField(schema: GraphQLSchema, root: 'Query' | 'Mutation' | 'Subscription', name: string) {
  const field = objectType(schema, root).getFields()[name];
  assert.ok(field, `${root}.${name} exists`);
  return field;
}

function argNames(field: { args: readonly { name: string }[] }): string[] {
  return field.args.map((a) => a.name);
}

describe('buildMembershipSchema', () => {
  describe('the addressbook contract', async () => {
    const contract = await loadSharedContract('addressbook');
    const schema = buildMembershipSchema(contract);

    it('names types as spec §7 fixes them', () => {
      for (const name of [
        'person',
        'person_input',
        'person_filter',
        'person_connection',
        'network_link',
        'network_link_input',
        'network_link_filter',
        'UUID',
        'DateTime',
      ]) {
        assert.ok(schema.getType(name), `type ${name}`);
      }
      assert.equal(schema.getType('UUID'), UUIDScalar);
      assert.equal(schema.getType('DateTime'), DateTimeScalar);
    });

    it('has the root fields of spec §7 for object and array classes', () => {
      for (const name of [
        'person',
        'person_connection',
        'network_links_connection',
        'network_links_counter',
      ]) {
        rootField(schema, 'Query', name);
      }
      for (const name of [
        'mutate_person',
        'delete_person',
        'append_network_links',
        'update_network_links',
        'delete_from_network_links',
      ]) {
        rootField(schema, 'Mutation', name);
      }
      rootField(schema, 'Subscription', 'network_links_updates');
      // Object classes have no array operations, array classes no `X` query or `mutate_X`.
      const mutations = objectType(schema, 'Mutation').getFields();
      assert.equal(mutations['append_person'], undefined);
      assert.equal(mutations['mutate_network_links'], undefined);
      assert.equal(objectType(schema, 'Query').getFields()['network_links'], undefined);
    });

    it('gives every connection query the arguments of spec §7 and §8', () => {
      assert.deepEqual(argNames(rootField(schema, 'Query', 'network_links_connection')), [
        'filter',
        'first',
        'after',
        'depth',
        'relations',
        'remote_member_id',
        'query_id',
        'timestamp',
        'origin_member_id',
        'origin_signature',
        'trusted_claim',
      ]);
      const connection = objectType(schema, 'network_link_connection');
      assert.deepEqual(Object.keys(connection.getFields()), [
        'total_count',
        'edges',
        'page_info',
        'remote_errors',
      ]);
      assert.deepEqual(Object.keys(objectType(schema, 'network_link_edge').getFields()), [
        'cursor',
        'origin',
        'appender',
        'node',
        'signature',
        'claims',
      ]);
      // spec §9 (ours: docs/protocol.md, "Signed data").
      assert.equal(
        String(objectType(schema, 'network_link_edge').getFields()['signature']?.type),
        'DataSignature',
      );
      assert.deepEqual(
        Object.entries(objectType(schema, 'DataSignature').getFields()).map(
          ([n, f]) => `${n}: ${String(f.type)}`,
        ),
        [
          'jws: String',
          'signer_member_id: UUID',
          'signed_at: DateTime',
          'verified: Boolean!',
          'reason: String',
        ],
      );
      assert.deepEqual(Object.keys(objectType(schema, 'page_info').getFields()), [
        'end_cursor',
        'has_next_page',
      ]);
    });

    it('types the mutations: whole inputs for append and mutate, partial ones for update', () => {
      const append = rootField(schema, 'Mutation', 'append_network_links');
      assert.equal(String(append.type), 'network_link');
      assert.equal(String(append.args[0]?.type), 'network_link_input!');
      const update = rootField(schema, 'Mutation', 'update_network_links');
      assert.deepEqual(
        update.args.map((a) => `${a.name}: ${String(a.type)}`),
        ['filter: network_link_filter!', 'input: network_link_update_input!'],
      );
      assert.equal(String(update.type), 'Int');
      assert.equal(String(rootField(schema, 'Mutation', 'delete_from_network_links').type), 'Int');
      assert.equal(String(rootField(schema, 'Mutation', 'mutate_person').args[0]?.type), 'person_input!');
      // spec §9: how a written record is signed; append may go to another member's pod.
      assert.deepEqual(
        append.args.map((a) => `${a.name}: ${String(a.type)}`),
        ['input: network_link_input!', 'signature: String', 'sign: Boolean', 'remote_member_id: UUID'],
      );
      assert.deepEqual(
        rootField(schema, 'Mutation', 'mutate_person').args.map((a) => `${a.name}: ${String(a.type)}`),
        ['input: person_input!', 'signature: String', 'sign: Boolean'],
      );
      const required = inputType(schema, 'network_link_input').getFields();
      assert.equal(String(required['member_id']?.type), 'UUID!');
      assert.equal(String(required['annotations']?.type), '[String!]');
      const partial = inputType(schema, 'network_link_update_input').getFields();
      assert.equal(String(partial['member_id']?.type), 'UUID');
    });

    it('keeps output fields nullable so that one denied field does not null its record', () => {
      const fields = objectType(schema, 'person').getFields();
      assert.ok(!isNonNullType(fields['email']?.type));
      assert.equal(String(fields['email']?.type), 'String');
    });

    it('maps scalars and filter operators per field type', () => {
      const filter = inputType(schema, 'network_link_filter').getFields();
      assert.equal(String(filter['relation']?.type), 'string_filter');
      assert.equal(String(filter['created_timestamp']?.type), 'datetime_filter');
      assert.equal(String(filter['member_id']?.type), 'uuid_filter');
      assert.equal(String(filter['last_health_api_success']?.type), 'number_filter');
      assert.equal(filter['annotations'], undefined, 'arrays are not filterable');
      const ops = (name: string) => Object.keys(inputType(schema, name).getFields());
      assert.deepEqual(ops('string_filter'), ['eq', 'ne', 'in', 'nin', 'glob', 'regex']);
      assert.deepEqual(ops('number_filter'), ['eq', 'ne', 'lt', 'gt', 'le', 'ge']);
      assert.deepEqual(ops('datetime_filter'), ['at', 'after', 'before']);
      assert.deepEqual(ops('uuid_filter'), ['eq', 'ne', 'in']);
      assert.equal(String(inputType(schema, 'uuid_filter').getFields()['in']?.type), '[UUID!]');
      const link = objectType(schema, 'network_link').getFields();
      assert.equal(getNamedType(link['created_timestamp']?.type), DateTimeScalar);
      assert.ok(link['annotations']?.type instanceof GraphQLList);
    });

    it('leaves obsolete fields out and carries the contract’s descriptions', () => {
      const member = objectType(schema, 'member').getFields();
      assert.equal(member['supported_schema_version'], undefined);
      assert.equal(inputType(schema, 'member_input').getFields()['supported_schema_version'], undefined);
      assert.equal(member['joined']?.description, 'Date & time when the pod became a member of the service');
      assert.match(
        rootField(schema, 'Query', 'network_links_connection').description ?? '',
        /social connection/,
      );
    });

    it('builds nested types from the model and shares a $defs type between classes', () => {
      assert.equal(
        rootField(schema, 'Query', 'incoming_claims_connection').type,
        rootField(schema, 'Query', 'verified_claims_connection').type,
      );
      const claims = objectType(schema, 'network_invite').getFields()['claims'];
      assert.equal(String(claims?.type), '[claim]');
      assert.ok(schema.getType('claim_input') instanceof GraphQLInputObjectType);
    });
  });

  it('builds the byotube contract with its own names', async () => {
    const schema = buildMembershipSchema(await loadSharedContract('byotube'));
    rootField(schema, 'Query', 'network_links_connection');
    rootField(schema, 'Mutation', 'append_network_links');
    rootField(schema, 'Subscription', 'public_assets_updates');
    rootField(schema, 'Query', 'settings');
    assert.ok(schema.getType('asset') instanceof GraphQLObjectType);
    assert.ok(schema.getType('asset_update_event') instanceof GraphQLObjectType);
    assert.equal(objectType(schema, 'channel').getFields()['channel_banner_url'], undefined, 'obsolete');
    assert.ok(objectType(schema, 'channel').getFields()['banners']);
    assert.ok(schema.getType('DateTime') instanceof GraphQLScalarType);
  });

  it('leaves obsolete classes out', () => {
    const doc = smallContractDocument();
    const jsonschema = doc['jsonschema'] as { properties: Record<string, Record<string, unknown>> };
    (jsonschema.properties['timeline'] as Record<string, unknown>)['#obsolete'] = true;
    const schema = buildMembershipSchema(parseContract(doc));
    assert.equal(objectType(schema, 'Query').getFields()['timeline_connection'], undefined);
    rootField(schema, 'Query', 'feed_connection');
  });

  it('refuses a contract whose type names collide with generated ones, naming them', () => {
    const doc = smallContractDocument();
    const jsonschema = doc['jsonschema'] as { $defs: Record<string, unknown> };
    // `post_update_input` is the update input of `post` and also the input of `post_update`.
    jsonschema.$defs['post_update'] = { type: 'object', properties: { x: { type: 'string' } } };
    const post = (jsonschema.$defs['post'] as { properties: Record<string, unknown> }).properties;
    post['next'] = { $ref: '#/$defs/post_update' };
    const contract: Contract = parseContract(doc);
    assert.throws(
      () => buildMembershipSchema(contract),
      (err: ByodaError) => err.code === 'BYODA_ERR_CONTRACT_PATH' && /post_update_input/.test(err.message),
    );
  });

  it('refuses a contract whose classes generate the same root field, naming the class', () => {
    const doc = smallContractDocument();
    const jsonschema = doc['jsonschema'] as { properties: Record<string, unknown> };
    // Object class `from_posts` would get `delete_from_posts`, the delete of array class `posts`.
    jsonschema.properties['from_posts'] = {
      type: 'object',
      '#accesscontrol': { member: { permissions: ['read', 'update', 'delete'] } },
      properties: { x: { type: 'string' } },
    };
    assert.throws(
      () => buildMembershipSchema(parseContract(doc)),
      (err: ByodaError) =>
        err.code === 'BYODA_ERR_CONTRACT_PATH' &&
        /"delete_from_posts"/.test(err.message) &&
        err.path === '/jsonschema/properties/from_posts',
    );
  });

  it('makes required input fields non-null', async () => {
    const schema = buildMembershipSchema(await loadSharedContract('addressbook'));
    const person = inputType(schema, 'person_input').getFields();
    assert.ok(person['email']?.type instanceof GraphQLNonNull);
    assert.ok(!(person['homepage_url']?.type instanceof GraphQLNonNull));
  });
});
