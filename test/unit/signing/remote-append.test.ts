/**
 * The federation side of signed data (spec §9): appends sent to another member's pod
 * (src/federation/remote-append.ts) and the `signature { jws }` of forwarded query answers.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse, validate } from 'graphql';
import type { Contract, DataClass } from '../../../src/contract/index.js';
import { findClass } from '../../../src/contract/index.js';
import { ByodaError } from '../../../src/errors/index.js';
import {
  buildRemoteAppend,
  buildRemoteQuery,
  createRemoteAppend,
  readRemoteAppend,
  validateRemoteEdges,
} from '../../../src/federation/index.js';
import type { PeerClient } from '../../../src/federation/index.js';
import { buildMembershipSchema } from '../../../src/graphql/index.js';
import { loadSharedContract } from '../../fixtures/contracts.js';

const FROM = '33333333-3333-4333-8333-333333333333';
const INPUT = {
  created_timestamp: '2026-11-25T09:00:00.000Z',
  member_id: '44444444-4444-4444-8444-444444444444',
  relation: 'follow',
};
const JWS = `${Buffer.from('{}').toString('base64url')}..${'A'.repeat(86)}`;

describe('remote appends and signatures in forwarded answers (spec §9)', () => {
  let contract: Contract;
  let inbound: DataClass;

  before(async () => {
    contract = await loadSharedContract('addressbook');
    const cls = findClass(contract, 'network_links_inbound');
    assert.ok(cls);
    inbound = cls;
  });

  const request = (signature?: string) => ({
    className: 'network_links_inbound',
    input: INPUT,
    signature,
    remoteMemberId: FROM,
  });

  it('sends a document the generated schema accepts, with the signature as a variable', () => {
    const body = buildRemoteAppend(inbound, request(JWS));
    assert.deepEqual(validate(buildMembershipSchema(contract), parse(body.query)), []);
    assert.deepEqual(body.variables, { input: INPUT, signature: JWS });
    assert.deepEqual(buildRemoteAppend(inbound, request()).variables, { input: INPUT });
  });

  it('asks for the signature JWS of every forwarded edge, a document the schema accepts', () => {
    const body = buildRemoteQuery(inbound, { depth: 0 });
    assert.match(body.query, /signature \{ jws \}/);
    assert.deepEqual(validate(buildMembershipSchema(contract), parse(body.query)), []);
  });

  it('returns the record the remote pod answered, nulls (fields it may not read) left out', () => {
    const record = readRemoteAppend(
      inbound,
      { status: 200, body: { data: { result: { ...INPUT, text: null } }, errors: [{ message: 'x' }] } },
      FROM,
    );
    assert.deepEqual(record, INPUT);
  });

  it('keeps the remote pod’s code and message for a refusal', () => {
    assert.throws(
      () =>
        readRemoteAppend(
          inbound,
          {
            status: 200,
            body: {
              data: { result: null },
              errors: [{ message: 'not allowed to append', extensions: { code: 'BYODA_ERR_FORBIDDEN' } }],
            },
          },
          FROM,
        ),
      {
        code: 'BYODA_ERR_FORBIDDEN',
        message: `the pod of member ${FROM} refused the append: not allowed to append`,
      },
    );
    assert.throws(
      () =>
        readRemoteAppend(
          inbound,
          {
            status: 400,
            body: { errors: [{ message: 'bad', extensions: { code: 'BYODA_ERR_DATA_SIGNATURE' } }] },
          },
          FROM,
        ),
      { code: 'BYODA_ERR_DATA_SIGNATURE', status: 400 },
    );
  });

  it('does not take over codes that are about the remote pod itself, nor answers that are not GraphQL', () => {
    const internal = {
      status: 200,
      body: { errors: [{ message: 'internal error', extensions: { code: 'BYODA_ERR_INTERNAL' } }] },
    };
    assert.throws(() => readRemoteAppend(inbound, internal, FROM), { code: 'BYODA_ERR_UNREACHABLE' });
    assert.throws(() => readRemoteAppend(inbound, { status: 502, body: '<html>' }, FROM), {
      code: 'BYODA_ERR_UNREACHABLE',
      message: `the pod of member ${FROM} answered 502 without a GraphQL result`,
    });
    assert.throws(
      () => readRemoteAppend(inbound, { status: 200, body: { data: { result: { bogus: 1 } } } }, FROM),
      { code: 'BYODA_ERR_UNREACHABLE', message: /breaks the contract/ },
    );
  });

  it('posts through the peer pool to the member, and an unreachable pod stays BYODA_ERR_UNREACHABLE', async () => {
    const posted: string[] = [];
    const peers: PeerClient = {
      postGraphQL: (memberId) => {
        posted.push(memberId);
        return Promise.reject(new ByodaError('BYODA_ERR_UNREACHABLE', 'no address for the member'));
      },
      getText: () => Promise.reject(new Error('not used')),
    };
    const hook = createRemoteAppend({ peers, contract: () => contract });
    await assert.rejects(hook(request()), {
      code: 'BYODA_ERR_UNREACHABLE',
      message: 'no address for the member',
    });
    assert.deepEqual(posted, [FROM]);
    await assert.rejects(hook({ ...request(), className: 'person' }), {
      code: 'BYODA_ERR_BAD_REQUEST',
      message: 'person is not an array class',
    });
  });

  it('reads the JWS of forwarded edges, never a remote `verified`, and drops an edge with a bogus one', () => {
    const edge = (signature: unknown) => ({ cursor: 'c', origin: FROM, node: INPUT, signature });
    const answer = validateRemoteEdges(
      inbound,
      [edge({ jws: JWS, verified: true }), edge(null), edge({ jws: 42 }), edge({ jws: 'x'.repeat(9000) })],
      FROM,
    );
    assert.deepEqual(
      answer.edges.map((e) => e.signature),
      [JWS, undefined],
    );
    assert.equal(answer.errors.length, 1);
    assert.match(
      answer.errors[0]?.message ?? '',
      /dropped 2 records .*signature that is not a data signature/,
    );
  });
});
