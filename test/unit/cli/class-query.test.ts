import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classNames, connectionQuery, parseSchemaTypes } from '../../../src/cli/class-query.js';
import { ByodaError } from '../../../src/errors/index.js';

const named = (name: string, kind = 'OBJECT') => ({ kind, name, ofType: null });
const nonNull = (inner: object) => ({ kind: 'NON_NULL', name: null, ofType: inner });
const list = (inner: object) => ({ kind: 'LIST', name: null, ofType: inner });
const field = (name: string, type: object) => ({ name, type });

/** The introspection answer of a small schema: `person` with a nested address, and a looping type. */
const SCHEMA = {
  __schema: {
    queryType: { name: 'Query' },
    types: [
      {
        name: 'Query',
        kind: 'OBJECT',
        fields: [
          field('person', named('person')),
          field('person_connection', nonNull(named('person_connection'))),
          field('loop_connection', named('loop_connection')),
        ],
      },
      {
        name: 'person_connection',
        kind: 'OBJECT',
        fields: [
          field('total_count', named('Int', 'SCALAR')),
          field('edges', nonNull(list(nonNull(named('person_edge'))))),
          field('remote_errors', list(named('remote_error'))),
        ],
      },
      {
        name: 'person_edge',
        kind: 'OBJECT',
        fields: [field('origin', named('UUID', 'SCALAR')), field('node', named('person'))],
      },
      {
        name: 'person',
        kind: 'OBJECT',
        fields: [field('given_name', named('String', 'SCALAR')), field('home_address', named('address'))],
      },
      { name: 'address', kind: 'OBJECT', fields: [field('city', named('String', 'SCALAR'))] },
      {
        name: 'loop_connection',
        kind: 'OBJECT',
        fields: [field('total_count', named('Int', 'SCALAR')), field('edges', list(named('loop_edge')))],
      },
      { name: 'loop_edge', kind: 'OBJECT', fields: [field('node', named('loop'))] },
      {
        name: 'loop',
        kind: 'OBJECT',
        fields: [field('id', named('ID', 'SCALAR')), field('next', named('loop'))],
      },
      { name: 'Int', kind: 'SCALAR', fields: null },
      { name: 'String', kind: 'SCALAR', fields: null },
      { name: 'UUID', kind: 'SCALAR', fields: null },
      { name: 'ID', kind: 'SCALAR', fields: null },
    ],
  },
};

describe('class query of byoda query --class', () => {
  const schema = parseSchemaTypes(SCHEMA);

  it('lists the classes: the root X_connection fields', () => {
    assert.deepEqual(classNames(schema), ['loop', 'person']);
  });

  it('selects every field, nested objects expanded, each origin and the remote errors', () => {
    assert.equal(
      connectionQuery(schema, 'person', {}),
      'query { person_connection { total_count edges { origin node { given_name home_address { city } } } ' +
        'remote_errors { origin message } } }',
    );
  });

  it('writes depth, relations and remote_member_id as GraphQL literals', () => {
    const query = connectionQuery(schema, 'person', {
      depth: 1,
      relations: ['family', 'friend'],
      remoteMemberId: '3f0c1d2e-8b7a-4c6d-9e5f-0a1b2c3d4e5f',
    });
    assert.match(
      query,
      /^query \{ person_connection\(depth: 1, relations: \["family","friend"\], remote_member_id: "3f0c1d2e-8b7a-4c6d-9e5f-0a1b2c3d4e5f"\) \{/,
    );
  });

  it('never expands a type inside itself', () => {
    assert.equal(
      connectionQuery(schema, 'loop', {}),
      'query { loop_connection { total_count edges { origin node { id } } } }',
    );
  });

  it('names the classes when the class is unknown', () => {
    assert.throws(
      () => connectionQuery(schema, 'pet', {}),
      (err: unknown) =>
        err instanceof ByodaError && /no class pet \(classes: loop, person\)/.test(err.message),
    );
  });

  it('refuses an answer that is not a schema', () => {
    assert.throws(() => parseSchemaTypes({ data: 1 }), ByodaError);
  });
});
