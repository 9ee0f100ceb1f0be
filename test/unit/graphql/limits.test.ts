import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import {
  AnswerMeter,
  DEFAULT_QUERY_LIMITS,
  executeMembershipQuery,
  ownerOnlyIntrospectionRule,
  prepareMembershipOperation,
  queryLimitsRule,
} from '../../../src/graphql/index.js';
import {
  ANONYMOUS,
  OWNER,
  SERVICE,
  codes,
  member,
  openMembership,
  plain,
  type Membership,
} from './membership.js';

/** A recursive schema, so that depth can be as large as a test needs; `nested(d)` is d levels deep. */
const TREE = buildSchema('type Query { node: Node } type Node { id: String child: Node }');

function nested(depth: number): string {
  let query = 'id';
  for (let i = 0; i < depth - 2; i++) query = `child { ${query} }`;
  return `{ node { ${query} } }`;
}

/** Fragments that each spread the one before twice: a short text for 2^levels fields. */
function fragmentBomb(levels: number): string {
  const fragments = ['fragment f0 on network_link { member_id relation }'];
  for (let i = 1; i <= levels; i++) {
    fragments.push(`fragment f${i} on network_link { ...f${i - 1} ... on network_link { ...f${i - 1} } }`);
  }
  return `{ network_links_connection { edges { node { ...f${levels} } } } } ${fragments.join(' ')}`;
}

describe('the query limits rule', () => {
  it('allows a document up to the greatest depth and refuses one level more', () => {
    const rule = queryLimitsRule();
    assert.deepEqual(validate(TREE, parse(nested(DEFAULT_QUERY_LIMITS.maxDepth)), [rule]), []);
    const errors = validate(TREE, parse(nested(DEFAULT_QUERY_LIMITS.maxDepth + 1)), [rule]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.extensions['code'], 'BYODA_ERR_TOO_LARGE');
    assert.match(errors[0]?.message ?? '', /13 levels deep; at most 12/);
  });

  it('counts depth through fragments', () => {
    const query = `{ node { ...a } } fragment a on Node { child { ...b } } fragment b on Node { child { child { id } } }`;
    assert.equal(
      validate(TREE, parse(query), [queryLimitsRule({ maxDepth: 3, maxSelections: 100 })]).length,
      1,
    );
    assert.equal(
      validate(TREE, parse(query), [queryLimitsRule({ maxDepth: 5, maxSelections: 100 })]).length,
      0,
    );
  });

  it('counts selections through fragments and aliases, and stops at the limit', () => {
    const aliases = Array.from({ length: 11 }, (_, i) => `a${i}: node { id }`).join(' ');
    const rule = queryLimitsRule({ maxDepth: 12, maxSelections: 21 });
    assert.equal(validate(TREE, parse(`{ ${aliases} }`), [rule]).length, 1, '22 fields');
    assert.equal(validate(TREE, parse(`{ ${aliases.replace(/a10.*$/, '')} }`), [rule]).length, 0);
  });

  it('survives fragment cycles, leaving them to GraphQL’s own rule', () => {
    const query =
      '{ node { ...a } } fragment a on Node { child { ...b } } fragment b on Node { child { ...a } }';
    assert.deepEqual(validate(TREE, parse(query), [queryLimitsRule()]), []);
  });
});

describe('executeMembershipQuery limits', () => {
  let m: Membership;
  before(async () => {
    m = await openMembership('addressbook');
  });
  after(async () => {
    await m.close();
  });

  it('refuses a huge query (a fragment bomb) before running it', async () => {
    const result = await m.run(OWNER, fragmentBomb(16));
    assert.deepEqual(codes(result), ['BYODA_ERR_TOO_LARGE']);
    assert.match(result.errors?.[0]?.message ?? '', /selects \d+ fields; at most 1000/);
    assert.equal(result.data, undefined);
    // 2^64 fields: only a measurer that sizes each fragment once (no expansion) ever gets here.
    const huge = await m.run(OWNER, fragmentBomb(64));
    assert.match(huge.errors?.[0]?.message ?? '', /selects too many fields/);
    assert.equal((await m.run(OWNER, fragmentBomb(5))).errors, undefined, '64 fields are fine');
  });

  it('applies the depth limit it is given', async () => {
    const result = plain(
      await executeMembershipQuery(
        m.schema,
        m.context(OWNER),
        { query: '{ network_links_connection { edges { node { relation } } } }' },
        { limits: { maxDepth: 3, maxSelections: 1000 } },
      ),
    );
    assert.deepEqual(codes(result), ['BYODA_ERR_TOO_LARGE']);
  });

  it('allows exactly maxSelections fields and names the operation that asks for more (mutation survivors)', async () => {
    const run = (query: string, maxSelections: number) =>
      executeMembershipQuery(
        m.schema,
        m.context(OWNER),
        { query },
        { limits: { maxDepth: 12, maxSelections } },
      );
    const four = '{ network_links_connection { edges { node { relation } } } }';
    assert.deepEqual(codes(plain(await run(four, 4))), [], 'four fields, four allowed');
    const over = plain(await run(`query Big ${four}`, 3));
    assert.deepEqual(codes(over), ['BYODA_ERR_TOO_LARGE']);
    assert.match(over.errors?.[0]?.message ?? '', /^operation 'Big' selects 4 fields; at most 3/);
    const anonymous = plain(await run(four, 3));
    assert.match(anonymous.errors?.[0]?.message ?? '', /^operation selects 4 fields/);
  });

  it('does not count __type against the depth limit (mutation survivor)', async () => {
    const query = '{ __type(name: "person") { fields { type { ofType { name } } } } }';
    const result = plain(
      await executeMembershipQuery(
        m.schema,
        m.context(OWNER),
        { query },
        { limits: { maxDepth: 1, maxSelections: 1000 } },
      ),
    );
    assert.deepEqual(codes(result), []);
  });

  it('refuses a document with too many tokens while parsing', async () => {
    const result = plain(
      await executeMembershipQuery(
        m.schema,
        m.context(OWNER),
        { query: '{ person { given_name } }' },
        { maxTokens: 5 },
      ),
    );
    assert.deepEqual(codes(result), ['BYODA_ERR_BAD_REQUEST']);
    assert.match(result.errors?.[0]?.message ?? '', /token/);
  });

  it('prepares operations for other transports: arguments to run, or coded errors', () => {
    const context = m.context(ANONYMOUS);
    const args = prepareMembershipOperation(m.schema, context, {
      query: 'query Q { network_links_counter }',
      operationName: 'Q',
    });
    assert.ok(!Array.isArray(args) && 'document' in args);
    // The caller's context with the operation's own answer meter; spreading it keeps both.
    const { answer, ...fields } = { ...args.contextValue };
    assert.deepEqual(fields, context);
    assert.ok(answer instanceof AnswerMeter);
    // A requester defined as a getter is still read live.
    let requester = ANONYMOUS;
    const live = Object.defineProperty({ ...context }, 'requester', {
      get: () => requester,
      enumerable: true,
    });
    const prepared = prepareMembershipOperation(m.schema, live, { query: '{ network_links_counter }' });
    assert.ok(!Array.isArray(prepared) && 'document' in prepared);
    requester = OWNER;
    assert.equal(prepared.contextValue.requester, OWNER);
    assert.equal(args.operationName, 'Q');
    const refused = prepareMembershipOperation(m.schema, context, { query: '{ __schema { description } }' });
    assert.ok(Array.isArray(refused));
    assert.deepEqual(
      refused.map((e) => e.extensions['code']),
      ['BYODA_ERR_FORBIDDEN'],
    );
  });

  it('gives syntax and validation errors a code', async () => {
    assert.deepEqual(codes(await m.run(OWNER, '{ person { ')), ['BYODA_ERR_BAD_REQUEST']);
    assert.deepEqual(codes(await m.run(OWNER, '{ nobody }')), ['BYODA_ERR_BAD_REQUEST']);
    assert.deepEqual(codes(await m.run(OWNER, '')), ['BYODA_ERR_BAD_REQUEST']);
    const variables = await m.run(
      OWNER,
      'query ($n: Int) { network_links_connection(first: $n) { total_count } }',
      {
        n: 'many',
      },
    );
    assert.deepEqual(codes(variables), ['BYODA_ERR_BAD_REQUEST']);
  });
});

describe('introspection (spec §7: on for the owner, off for others)', () => {
  let m: Membership;
  before(async () => {
    m = await openMembership('addressbook');
  });
  after(async () => {
    await m.close();
  });

  it('answers the full introspection query for the owner', async () => {
    const result = await m.run(OWNER, getIntrospectionQuery());
    assert.equal(result.errors, undefined);
    const schema = (result.data as { __schema: { types: { name: string }[] } }).__schema;
    assert.ok(schema.types.some((t) => t.name === 'person_connection'));
  });

  it('refuses __schema and __type to everyone else, even inside fragments', async () => {
    for (const requester of [ANONYMOUS, SERVICE, member({ relations: ['friend'] })]) {
      const schema = await m.run(requester, '{ __schema { types { name } } }');
      assert.match(
        schema.errors?.[0]?.message ?? '',
        /^introspection \(__schema\) is available to the pod's owner only/,
      );
      assert.deepEqual(codes(schema), ['BYODA_ERR_FORBIDDEN'], requester.kind);
      assert.equal(schema.data, undefined);
      const type = await m.run(requester, '{ ...q } fragment q on Query { __type(name: "person") { name } }');
      assert.deepEqual(codes(type), ['BYODA_ERR_FORBIDDEN']);
    }
  });

  it('still answers __typename to everyone', async () => {
    const result = await m.run(ANONYMOUS, '{ __typename }');
    assert.deepEqual(result, { data: { __typename: 'Query' } });
  });

  it('is a plain validation rule that can be used on its own', () => {
    const errors = validate(m.schema, parse('{ __schema { queryType { name } } }'), [
      ownerOnlyIntrospectionRule,
    ]);
    assert.equal(errors.length, 1);
  });
});
