/**
 * The cost estimate of a GraphQL operation (src/graphql/cost.ts) and the budgets it is judged against
 * per requester kind (docs/protocol.md, "Limits and errors").
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema, getOperationAST, parse } from 'graphql';
import {
  DEFAULT_ANSWER_BUDGETS,
  answerBudgets,
  answerBudgetsFromEnv,
  estimateCost,
  introspectionCost,
  prepareMembershipOperation,
} from '../../../src/graphql/index.js';
import { isByodaError } from '../../../src/errors/index.js';
import { ANONYMOUS, OWNER, codes, member, openMembership, type Membership } from './membership.js';

/** Connections nest: an item has children, a page of items again. */
const PAGED = buildSchema(`
  type Query { items(first: Int): ItemConnection, item: Item }
  type ItemConnection { edges: [Edge!]!, total: Int }
  type Edge { cursor: String, node: Item }
  type Item { id: String, tags: [String], children(first: Int): ItemConnection }
`);

function cost(query: string, variables?: Record<string, unknown>): number {
  const document = parse(query);
  return estimateCost(PAGED, document, getOperationAST(document), variables);
}

describe('the cost estimate', () => {
  it('counts a field as one value and a page as `first` of them, 20 without it', () => {
    assert.equal(cost('{ item { id } }'), 2);
    // items 1 + total 1 + edges: 5 × (edge 1 + node 1 + id 1)
    assert.equal(cost('{ items(first: 5) { total edges { node { id } } } }'), 2 + 5 * 3);
    assert.equal(cost('{ items { edges { node { id } } } }'), 1 + 20 * 3);
    // A list without a page (a contract array) counts once: the byte cap bounds its size.
    assert.equal(cost('{ item { tags } }'), 2);
  });

  it('adds aliases, so 250 aliases cost 250 times one', () => {
    const one = cost('{ items { edges { node { id } } } }');
    const aliases = Array.from({ length: 250 }, (_, i) => `a${i}: items { edges { node { id } } }`);
    assert.equal(cost(`{ ${aliases.join(' ')} }`), 250 * one);
  });

  it('multiplies nested pages', () => {
    const query = '{ items(first: 10) { edges { node { children(first: 10) { edges { node { id } } } } } } }';
    // items 1 + 10 × (edge 1 + node 1 + children 1 + 10 × (edge 1 + node 1 + id 1))
    assert.equal(cost(query), 1 + 10 * (3 + 10 * 3));
  });

  it('expands fragments, each time they are spread, under the page where they are spread', () => {
    const query = `{
      small: items(first: 2) { ...page }
      large: items(first: 50) { ...page }
    }
    fragment page on ItemConnection { edges { ...edge } }
    fragment edge on Edge { node { id } ... on Edge { cursor } }`;
    assert.equal(cost(query), 1 + 2 * 4 + (1 + 50 * 4));
  });

  it('reads page sizes from the request’s variables, their defaults, and bounds them as storage does', () => {
    const query = 'query($n: Int = 7) { items(first: $n) { edges { node { id } } } }';
    assert.equal(cost(query, { n: 3 }), 1 + 3 * 3);
    assert.equal(cost(query, {}), 1 + 7 * 3);
    assert.equal(cost('query($n: Int) { items(first: $n) { edges { node { id } } } }', {}), 1 + 20 * 3);
    // Storage serves at most 100 (and refuses more); the estimate never counts beyond what it serves.
    assert.equal(cost(query, { n: 100_000 }), 1 + 100 * 3);
    assert.equal(cost(query, { n: 'many' }), 1 + 20 * 3);
  });

  it('prices each __schema as the whole schema and each __type as the largest type', () => {
    const prices = introspectionCost(PAGED);
    assert.ok(prices.schema > prices.type && prices.type > 0);
    assert.equal(cost('{ __schema { types { name } } }'), prices.schema);
    const aliases = Array.from({ length: 200 }, (_, i) => `s${i}: __schema { queryType { name } }`);
    assert.equal(
      cost(`{ ${aliases.join(' ')} __type(name: "Item") { name } }`),
      200 * prices.schema + prices.type,
    );
  });

  it('saturates instead of overflowing on a document that multiplies without end', () => {
    let query = 'id';
    for (let i = 0; i < 12; i++) query = `children(first: 100) { edges { node { ${query} } } }`;
    const huge = cost(`{ item { ${query} } }`);
    assert.ok(huge > 1e20 || huge === Number.MAX_SAFE_INTEGER);
    assert.ok(Number.isFinite(huge));
  });

  it('estimates one parsed document again per request: with other variables, and under another schema', () => {
    const withVariables = parse('query($n: Int) { items(first: $n) { edges { node { id } } } }');
    const op = getOperationAST(withVariables);
    assert.equal(estimateCost(PAGED, withVariables, op, { n: 3 }), 1 + 3 * 3);
    assert.equal(estimateCost(PAGED, withVariables, op, { n: 50 }), 1 + 50 * 3);
    // Without variables the estimate is the same for every request, but it is the schema's own.
    const introspection = parse('{ __schema { types { name } } }');
    const bigger = buildSchema(`type Query { a: Int, b: Int, c(x: Int, y: Int): Int, d: String }`);
    assert.notEqual(introspectionCost(bigger).schema, introspectionCost(PAGED).schema);
    for (const schema of [PAGED, bigger, PAGED, bigger]) {
      const estimate = estimateCost(schema, introspection, getOperationAST(introspection), {});
      assert.equal(estimate, introspectionCost(schema).schema);
    }
  });

  it('takes the costliest operation when the document does not say which runs', () => {
    const document = parse('query A { item { id } } query B { items { edges { node { id } } } }');
    assert.equal(estimateCost(PAGED, document, null, {}), 1 + 20 * 3);
  });
});

describe('the budgets per requester kind', () => {
  let m: Membership;
  before(async () => {
    m = await openMembership();
  });
  after(() => m.close());

  const aliases = (n: number, field: string) =>
    `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
  const connection = 'public_assets_connection { edges { node { contents } } }';

  function prepareCodes(requester: Parameters<Membership['context']>[0], query: string, variables = {}) {
    const prepared = prepareMembershipOperation(m.schema, m.context(requester), { query, variables });
    return Array.isArray(prepared) ? prepared.map((e) => e.extensions['code']) : [];
  }

  it('refuses the amplification document (250 aliases of a connection) but to the owner', () => {
    // The owner's answer is bounded by the owner's byte cap instead (answer-meter.test.ts).
    assert.deepEqual(prepareCodes(OWNER, aliases(250, connection)), []);
    for (const requester of [ANONYMOUS, member()]) {
      assert.deepEqual(prepareCodes(requester, aliases(250, connection)), ['BYODA_ERR_QUERY_TOO_COSTLY']);
    }
  });

  it('allows what each kind reads normally, and more to the owner than to a member than to anyone', () => {
    assert.deepEqual(prepareCodes(ANONYMOUS, `{ ${connection} }`), []);
    // 100 aliases of a full page: 100 × 61 values, over the anonymous budget, within a member's.
    const many = aliases(100, connection);
    assert.deepEqual(prepareCodes(ANONYMOUS, many), ['BYODA_ERR_QUERY_TOO_COSTLY']);
    assert.deepEqual(prepareCodes(member(), many), []);
    const hundred = aliases(100, 'public_assets_connection(first: 100) { edges { node { contents } } }');
    assert.deepEqual(prepareCodes(member(), hundred), ['BYODA_ERR_QUERY_TOO_COSTLY']);
    assert.deepEqual(
      prepareCodes(OWNER, aliases(200, connection.replace('_connection', '_connection(first: 5)'))),
      [],
    );
  });

  it('judges page sizes from variables per request', () => {
    const query = `query($n: Int) ${aliases(60, 'public_assets_connection(first: $n) { edges { node { contents } } }')}`;
    assert.deepEqual(prepareCodes(ANONYMOUS, query, { n: 1 }), []);
    assert.deepEqual(prepareCodes(ANONYMOUS, query, { n: 100 }), ['BYODA_ERR_QUERY_TOO_COSTLY']);
  });

  it('counts introspection: 200 aliases of __schema are refused even to the owner', () => {
    assert.deepEqual(prepareCodes(OWNER, '{ __schema { queryType { name } } }'), []);
    assert.deepEqual(prepareCodes(OWNER, aliases(200, '__schema { queryType { name } }')), [
      'BYODA_ERR_QUERY_TOO_COSTLY',
    ]);
  });

  it('names the budget and the estimate in the refusal', () => {
    const prepared = prepareMembershipOperation(m.schema, m.context(ANONYMOUS), {
      query: aliases(250, connection),
    });
    assert.ok(Array.isArray(prepared));
    assert.match(prepared[0]?.message ?? '', /about \d+ values, more than the 2000 .* anonymous client/);
  });

  it('takes budgets from the options', async () => {
    const budgets = answerBudgets({ anonymous: { maxCost: 10 } });
    const result = await m.run(ANONYMOUS, `{ ${connection} }`);
    assert.deepEqual(codes(result), []);
    const prepared = prepareMembershipOperation(
      m.schema,
      m.context(ANONYMOUS),
      { query: `{ ${connection} }` },
      { budgets },
    );
    assert.ok(Array.isArray(prepared));
    assert.equal(prepared[0]?.extensions['code'], 'BYODA_ERR_QUERY_TOO_COSTLY');
  });
});

describe('configured budgets', () => {
  it('keep the defaults for what they leave out, and anonymous < member <= service < owner', () => {
    const budgets = answerBudgets({ member: { maxAnswerBytes: 1000 } });
    assert.deepEqual(budgets.member, {
      maxCost: DEFAULT_ANSWER_BUDGETS.member.maxCost,
      maxAnswerBytes: 1000,
    });
    assert.deepEqual(budgets.owner, DEFAULT_ANSWER_BUDGETS.owner);
    const d = DEFAULT_ANSWER_BUDGETS;
    assert.ok(d.anonymous.maxCost < d.member.maxCost && d.member.maxCost < d.owner.maxCost);
    assert.ok(
      d.anonymous.maxAnswerBytes < d.member.maxAnswerBytes &&
        d.member.maxAnswerBytes < d.owner.maxAnswerBytes,
    );
    assert.ok(d.service.maxCost <= d.owner.maxCost);
  });

  it('refuse bad figures and unknown kinds with BYODA_ERR_CONFIG naming them', () => {
    for (const [config, named] of [
      [{ anonymous: { maxCost: 0 } }, /anonymous\.maxCost/],
      [{ owner: { maxAnswerBytes: 1.5 } }, /owner\.maxAnswerBytes/],
      [{ robot: {} }, /robot/],
    ] as const) {
      assert.throws(
        () => answerBudgets(config as never),
        (err: unknown) => isByodaError(err) && err.code === 'BYODA_ERR_CONFIG' && named.test(err.message),
      );
    }
    assert.equal(answerBudgetsFromEnv({}), undefined);
    assert.equal(
      answerBudgetsFromEnv({ BYODA_GRAPHQL_BUDGETS: '{"anonymous":{"maxCost":7}}' })?.anonymous.maxCost,
      7,
    );
    assert.throws(() => answerBudgetsFromEnv({ BYODA_GRAPHQL_BUDGETS: '{nope' }), /not JSON/);
  });
});
