import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse, specifiedRules, validate } from 'graphql';
import type { Contract, DataClass } from '../../../src/contract/index.js';
import { findClass, parseContract } from '../../../src/contract/index.js';
import {
  REMOTE_RESULT_ALIAS,
  buildRemoteQuery,
  readRemoteAnswer,
  validateRemoteEdges,
} from '../../../src/federation/index.js';
import type { RemoteQueryArgs } from '../../../src/federation/index.js';
import { DEFAULT_QUERY_LIMITS, buildMembershipSchema, queryLimitsRule } from '../../../src/graphql/index.js';
import { loadSharedContract, smallContractDocument } from '../../fixtures/contracts.js';
import { OWNER, member, openMembership, plain, sampleInput } from '../graphql/membership.js';
import type { Membership } from '../graphql/membership.js';

const FROM = '22222222-2222-4222-8222-222222222222';
const DEEPER = '33333333-3333-4333-8333-333333333333';

const ARGS: RemoteQueryArgs = {
  filter: { relation: { eq: 'friend' } },
  first: 10,
  depth: 1,
  relations: ['friend'],
  queryId: '0b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
  timestamp: '2025-03-01T12:00:00.000Z',
  originMemberId: '11111111-1111-4111-8111-111111111111',
  originSignature: 'c2lnbmF0dXJl',
};

function requireClass(contract: Contract, name: string): DataClass {
  const cls = findClass(contract, name);
  assert.ok(cls, `class ${name}`);
  return cls;
}

describe('the remote query document (spec §7, §8)', () => {
  for (const name of ['addressbook', 'byotube'] as const) {
    it(`parses and validates for every class of ${name}, within the pods’ query limits`, async () => {
      const contract = await loadSharedContract(name);
      const schema = buildMembershipSchema(contract);
      const rules = [...specifiedRules, queryLimitsRule(DEFAULT_QUERY_LIMITS)];
      for (const cls of contract.classes.filter((c) => !c.obsolete)) {
        const { query } = buildRemoteQuery(cls, { ...ARGS, filter: undefined });
        const errors = validate(schema, parse(query), rules);
        assert.deepEqual(
          errors.map((e) => e.message),
          [],
          cls.name,
        );
      }
    });
  }

  it('sends the forwarded arguments as variables, never `after`, and only those given', async () => {
    const contract = await loadSharedContract('addressbook');
    const cls = requireClass(contract, 'network_links');
    const { query, variables } = buildRemoteQuery(cls, ARGS);
    assert.deepEqual(variables, {
      filter: { relation: { eq: 'friend' } },
      first: 10,
      depth: 1,
      relations: ['friend'],
      query_id: ARGS.queryId,
      timestamp: ARGS.timestamp,
      origin_member_id: ARGS.originMemberId,
      origin_signature: ARGS.originSignature,
    });
    assert.doesNotMatch(query, /after/);
    assert.match(query, new RegExp(`${REMOTE_RESULT_ALIAS}: network_links_connection\\(filter: \\$filter`));
    assert.match(query, /edges \{ cursor origin node \{ created_timestamp member_id relation annotations/);
    assert.match(query, /remote_errors \{ origin message code \}/);
    assert.deepEqual(buildRemoteQuery(cls, { depth: 0 }).variables, { depth: 0 });
  });

  it('expands nested objects from the contract model and leaves obsolete fields out', () => {
    const doc = smallContractDocument();
    const contract = parseContract(doc);
    for (const cls of contract.classes) {
      const { query } = buildRemoteQuery(cls, { depth: 0 });
      const errors = validate(buildMembershipSchema(contract), parse(query));
      assert.deepEqual(
        errors.map((e) => e.message),
        [],
        cls.name,
      );
      for (const field of cls.fields.filter((f) => f.obsolete)) {
        assert.doesNotMatch(query, new RegExp(`\\b${field.name}\\b`), `${cls.name}.${field.name}`);
      }
    }
  });
});

describe('reading a remote answer', () => {
  let m: Membership;
  before(async () => {
    m = await openMembership('addressbook');
  });
  after(async () => {
    await m.close();
  });

  it('reads back every field of records a real membership served for the document', async () => {
    for (const name of ['network_links', 'person', 'network_assets']) {
      const cls = requireClass(m.contract, name);
      const input = sampleInput(cls, 7);
      if (cls.kind === 'object') await m.store.putObject(name, input);
      else await m.store.append(name, input);
      const { query, variables } = buildRemoteQuery(cls, { depth: 0 });
      const result = await m.run(OWNER, query, variables);
      assert.deepEqual(result.errors, undefined, name);
      const answer = readRemoteAnswer(cls, { status: 200, body: result }, FROM);
      assert.deepEqual(answer.errors, [], name);
      assert.equal(answer.edges.length, 1, name);
      assert.deepEqual(answer.edges[0]?.node, input, name);
      assert.equal(answer.edges[0]?.origin, '11111111-1111-4111-8111-111111111111');
    }
  });

  it('turns a refused query into one error naming the pod, with the pod’s message and code', async () => {
    const cls = requireClass(m.contract, 'person');
    // A real refusal: the firewall of a membership that has no link to the asker.
    const { query, variables } = buildRemoteQuery(cls, { depth: 0 });
    const refused = plain(await m.run(member(), query, variables));
    const answer = readRemoteAnswer(cls, { status: 200, body: refused }, FROM);
    assert.deepEqual(answer.edges, []);
    assert.deepEqual(
      answer.errors.map((e) => [e.origin, e.code]),
      [[FROM, 'BYODA_ERR_FORBIDDEN']],
    );
    assert.match(answer.errors[0]?.message ?? '', /^not allowed to read person: /);
  });

  it('keeps a remote code only when it is a well-formed BYODA_ERR_* code, else null', () => {
    const cls = requireClass(m.contract, 'person');
    const refusedWith = (extensions: unknown): string | null | undefined =>
      readRemoteAnswer(
        cls,
        {
          status: 200,
          body: { errors: [{ message: 'no', extensions }], data: { [REMOTE_RESULT_ALIAS]: null } },
        },
        FROM,
      ).errors[0]?.code;
    assert.equal(refusedWith({ code: 'BYODA_ERR_RATE_LIMITED' }), 'BYODA_ERR_RATE_LIMITED');
    // A code this implementation does not know is still taken over: the pod may be newer.
    assert.equal(refusedWith({ code: 'BYODA_ERR_SOMETHING_NEW_2' }), 'BYODA_ERR_SOMETHING_NEW_2');
    for (const junk of [
      undefined,
      'X',
      { code: 'X' },
      { code: 'INTERNAL_SERVER_ERROR' },
      { code: 'byoda_err_forbidden' },
      { code: 'BYODA_ERR_' },
      { code: 'BYODA_ERR_FORBIDDEN <script>' },
      { code: `BYODA_ERR_${'A'.repeat(65)}` },
      { code: 403 },
      { code: ['BYODA_ERR_FORBIDDEN'] },
    ]) {
      assert.equal(refusedWith(junk), null, JSON.stringify(junk));
    }
    // A refusal before GraphQL (spec §4 error body), e.g. a client certificate the pod does not accept.
    const body = { error: { code: 'BYODA_ERR_UNAUTHORIZED', message: 'no client certificate' } };
    assert.deepEqual(readRemoteAnswer(cls, { status: 401, body }, FROM).errors, [
      { origin: FROM, message: 'no client certificate', code: 'BYODA_ERR_UNAUTHORIZED' },
    ]);
    const uncoded = { error: { message: 'go away' } };
    assert.deepEqual(readRemoteAnswer(cls, { status: 403, body: uncoded }, FROM).errors, [
      { origin: FROM, message: 'go away', code: null },
    ]);
    // Neither: this pod's own finding, with its code for a pod that answered nonsense.
    assert.deepEqual(readRemoteAnswer(cls, { status: 502, body: 'oops' }, FROM).errors, [
      {
        origin: FROM,
        message: 'the pod answered 502 without a GraphQL result',
        code: 'BYODA_ERR_UNREACHABLE',
      },
    ]);
  });

  it('takes over well-formed remote_errors of pods further away, and ignores junk', () => {
    const cls = requireClass(m.contract, 'network_links');
    const body = {
      data: {
        [REMOTE_RESULT_ALIAS]: {
          edges: [],
          remote_errors: [
            {
              origin: DEEPER.toUpperCase(),
              message: 'timed out after 3000 ms',
              code: 'BYODA_ERR_UNREACHABLE',
            },
            { origin: DEEPER, message: 'not allowed to read person: no rule', code: 'BYODA_ERR_FORBIDDEN' },
            // A pod that sends no code (older, or another implementation), or a malformed one.
            { origin: DEEPER, message: 'from an older pod' },
            { origin: DEEPER, message: 'odd code', code: 'E42' },
            { origin: DEEPER, message: 'null code', code: null },
            { origin: 'not-a-member', message: 'x', code: 'BYODA_ERR_FORBIDDEN' },
            { origin: DEEPER, message: 42 },
            'junk',
          ],
        },
      },
    };
    assert.deepEqual(readRemoteAnswer(cls, { status: 200, body }, FROM).errors, [
      { origin: DEEPER, message: 'timed out after 3000 ms', code: 'BYODA_ERR_UNREACHABLE' },
      { origin: DEEPER, message: 'not allowed to read person: no rule', code: 'BYODA_ERR_FORBIDDEN' },
      { origin: DEEPER, message: 'from an older pod', code: null },
      { origin: DEEPER, message: 'odd code', code: null },
      { origin: DEEPER, message: 'null code', code: null },
    ]);
  });
});

describe('validateRemoteEdges', () => {
  let addressbook: Contract;
  before(async () => {
    addressbook = await loadSharedContract('addressbook');
  });
  const requireClassSync = (name: string): DataClass => requireClass(addressbook, name);

  const good = {
    cursor: 'c1',
    origin: DEEPER,
    node: {
      created_timestamp: '2024-01-01T00:00:00Z',
      member_id: 'AAAAAAAA-0000-4000-8000-000000000001',
      relation: 'friend',
      annotations: ['a', 'b'],
      last_health_api_success: null,
    },
  };

  it('keeps records that fit the contract, in canonical form, nulls dropped', () => {
    const cls = requireClassSync('network_links');
    assert.deepEqual(validateRemoteEdges(cls, [good, { ...good, origin: null, cursor: 'c2' }], FROM), {
      edges: [
        {
          cursor: 'c1',
          origin: DEEPER,
          node: {
            created_timestamp: '2024-01-01T00:00:00.000Z',
            member_id: 'aaaaaaaa-0000-4000-8000-000000000001',
            relation: 'friend',
            annotations: ['a', 'b'],
          },
        },
        {
          cursor: 'c2',
          origin: null,
          node: {
            created_timestamp: '2024-01-01T00:00:00.000Z',
            member_id: 'aaaaaaaa-0000-4000-8000-000000000001',
            relation: 'friend',
            annotations: ['a', 'b'],
          },
        },
      ],
      errors: [],
    });
  });

  it('drops records that break the contract and reports them as one error of the pod that sent them', () => {
    const cls = requireClassSync('network_links');
    const bad = [
      { ...good, node: { ...good.node, password: 'x' } },
      { ...good, node: { ...good.node, relation: 42 } },
      { ...good, node: { ...good.node, member_id: 'not-a-uuid' } },
      { ...good, node: { ...good.node, annotations: ['a', null] } },
      { ...good, node: { ...good.node, annotations: 'a' } },
      { ...good, node: null },
      { ...good, origin: 'somebody' },
      { ...good, cursor: 42 },
      { ...good, cursor: 'x'.repeat(2000) },
      'junk',
    ];
    const result = validateRemoteEdges(cls, [good, ...bad], FROM);
    assert.equal(result.edges.length, 1);
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0]?.origin, FROM);
    assert.equal(result.errors[0]?.code, 'BYODA_ERR_VALUE');
    assert.match(
      result.errors[0]?.message ?? '',
      /^dropped 10 records that break the contract \(network_link\.password: no such field/,
    );
    assert.deepEqual(validateRemoteEdges(cls, 'edges', FROM), {
      edges: [],
      errors: [{ origin: FROM, message: 'the answer has no list of edges', code: 'BYODA_ERR_VALUE' }],
    });
  });

  it('checks nested objects and enums against the model', () => {
    const doc = smallContractDocument();
    const contract = parseContract(doc);
    const withNested = contract.classes.find((c) =>
      c.fields.some(
        (f) => f.type.kind === 'object' || (f.type.kind === 'array' && f.type.items.kind === 'object'),
      ),
    );
    assert.ok(withNested, 'the small contract has a class with a nested object');
    const nested = withNested.fields.find((f) => f.type.kind === 'object' || f.type.kind === 'array');
    assert.ok(nested);
    const result = validateRemoteEdges(
      withNested,
      [{ cursor: 'c', origin: FROM, node: { [nested.name]: { nonsense: true } } }],
      FROM,
    );
    assert.equal(result.edges.length, 0);
    assert.match(result.errors[0]?.message ?? '', /nonsense|expected/);
  });
});
