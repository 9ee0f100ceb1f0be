import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxyHook, ProxyRequest, ProxyResult } from '../../../src/graphql/index.js';
import {
  OWNER,
  OTHER_MEMBER_ID,
  POD_MEMBER_ID,
  codes,
  member,
  openMembership,
  type Membership,
} from './membership.js';

const THIRD_MEMBER_ID = '33333333-3333-4333-8333-333333333333';
const QUERY_ID = '44444444-4444-4444-8444-444444444444';

function link(n: number, relation: string) {
  return {
    member_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    relation,
    created_timestamp: '2024-01-01T00:00:00.000Z',
  };
}

/** A proxy hook that records its requests and answers with `result`. */
function recordingProxy(result: ProxyResult): ProxyHook & { readonly requests: ProxyRequest[] } {
  const requests: ProxyRequest[] = [];
  const hook = async (request: ProxyRequest) => {
    requests.push(request);
    return result;
  };
  return Object.assign(hook, { requests });
}

const CONNECTION =
  '{ total_count edges { origin cursor node { member_id relation } } remote_errors { origin message code } }';

describe('federation arguments of X_connection (spec §8)', () => {
  let m: Membership;
  before(async () => {
    m = await openMembership('addressbook');
    await m.store.append('network_links', link(1, 'friend'));
  });
  after(async () => {
    await m.close();
  });

  it('refuses a depth beyond the contract’s max_query_depth with a clear error', async () => {
    const depth = m.contract.maxQueryDepth + 1;
    const result = await m.run(OWNER, `{ network_links_connection(depth: ${depth}) { total_count } }`);
    assert.deepEqual(codes(result), ['BYODA_ERR_BAD_REQUEST']);
    assert.match(result.errors?.[0]?.message ?? '', new RegExp(`depth ${depth}.*max_query_depth`));
    assert.deepEqual(result.data, { network_links_connection: null });
  });

  it('refuses a negative depth', async () => {
    const result = await m.run(OWNER, '{ network_links_connection(depth: -1) { total_count } }');
    assert.deepEqual(codes(result), ['BYODA_ERR_BAD_REQUEST']);
  });

  it('refuses depth >= 1 and remote_member_id on a pod without a proxy hook', async () => {
    const deep = await m.run(OWNER, '{ network_links_connection(depth: 1) { total_count } }');
    assert.deepEqual(codes(deep), ['BYODA_ERR_BAD_REQUEST']);
    assert.match(deep.errors?.[0]?.message ?? '', /does not forward/);
    const remote = await m.run(
      OWNER,
      `{ network_links_connection(remote_member_id: "${OTHER_MEMBER_ID}") { total_count } }`,
    );
    assert.deepEqual(codes(remote), ['BYODA_ERR_BAD_REQUEST']);
  });

  it('answers depth >= 1 from its own data and what the hook brings, with per-origin errors', async () => {
    const proxy = recordingProxy({
      edges: [
        { origin: OTHER_MEMBER_ID, cursor: 'r1', node: link(2, 'friend') },
        { origin: OTHER_MEMBER_ID, cursor: 'r2', node: link(3, 'family') },
      ],
      errors: [
        { origin: THIRD_MEMBER_ID, message: 'timed out', code: 'BYODA_ERR_UNREACHABLE' },
        { origin: OTHER_MEMBER_ID, message: 'sent without a code', code: null },
      ],
    });
    const result = await m.run(
      OWNER,
      `{ network_links_connection(depth: 1, relations: ["Friend"], filter: {relation: {eq: "friend"}}) ${CONNECTION} }`,
      undefined,
      { proxy },
    );
    assert.equal(result.errors, undefined);
    assert.deepEqual(result.data, {
      network_links_connection: {
        total_count: 2,
        edges: [
          {
            origin: POD_MEMBER_ID,
            cursor: (await m.store.query('network_links')).endCursor,
            node: { member_id: link(1, '').member_id, relation: 'friend' },
          },
          // the family edge is dropped: remote pods are not trusted to have applied the filter
          {
            origin: OTHER_MEMBER_ID,
            cursor: 'r1',
            node: { member_id: link(2, '').member_id, relation: 'friend' },
          },
        ],
        remote_errors: [
          { origin: THIRD_MEMBER_ID, message: 'timed out', code: 'BYODA_ERR_UNREACHABLE' },
          { origin: OTHER_MEMBER_ID, message: 'sent without a code', code: null },
        ],
      },
    });
    const [request] = proxy.requests;
    assert.equal(request?.className, 'network_links');
    assert.equal(request?.depth, 1);
    assert.deepEqual(request?.relations, ['friend']);
    assert.deepEqual(request?.filter, { relation: { eq: 'friend' } });
    assert.match(request?.queryId ?? '', /^[0-9a-f-]{36}$/, 'the owner’s pod makes up a query id');
    assert.equal(request?.requester.kind, 'owner');
  });

  it('forwards remote_member_id to that member alone, for the owner only', async () => {
    const proxy = recordingProxy({
      edges: [{ origin: OTHER_MEMBER_ID, cursor: 'r1', node: link(7, 'friend') }],
      errors: [],
    });
    const query = `{ network_links_connection(remote_member_id: "${OTHER_MEMBER_ID}") ${CONNECTION} }`;
    const result = await m.run(OWNER, query, undefined, { proxy });
    assert.deepEqual(result.data, {
      network_links_connection: {
        total_count: 1,
        edges: [
          {
            origin: OTHER_MEMBER_ID,
            cursor: 'r1',
            node: { member_id: link(7, '').member_id, relation: 'friend' },
          },
        ],
        remote_errors: [],
      },
    });
    assert.equal(proxy.requests[0]?.remoteMemberId, OTHER_MEMBER_ID);
    assert.equal(proxy.requests[0]?.depth, 0);
    const asMember = await m.run(member({ relations: ['friend'] }), query, undefined, { proxy });
    assert.deepEqual(codes(asMember), ['BYODA_ERR_FORBIDDEN']);
    assert.equal(proxy.requests.length, 1, 'nothing forwarded for a member');
  });

  it('answers remote_member_id naming this pod itself locally', async () => {
    const result = await m.run(
      OWNER,
      `{ network_links_connection(remote_member_id: "${POD_MEMBER_ID}") { total_count } }`,
    );
    assert.deepEqual(result.data, { network_links_connection: { total_count: 1 } });
  });

  it('needs a query_id from anyone but the owner for depth >= 1, and passes it on', async () => {
    const proxy = recordingProxy({ edges: [], errors: [] });
    const requester = member({ relations: ['friend'], distance: 1, originSignatureVerified: true });
    const without = await m.run(requester, '{ person_connection(depth: 1) { total_count } }', undefined, {
      proxy,
    });
    assert.deepEqual(codes(without), ['BYODA_ERR_BAD_REQUEST']);
    assert.match(without.errors?.[0]?.message ?? '', /query_id/);
    const withId = await m.run(
      requester,
      `{ person_connection(depth: 1, query_id: "${QUERY_ID}", origin_member_id: "${OTHER_MEMBER_ID}", origin_signature: "sig", timestamp: "2024-01-01T00:00:00Z") { total_count } }`,
      undefined,
      { proxy },
    );
    assert.equal(withId.errors, undefined);
    assert.deepEqual(
      proxy.requests.map((r) => [r.queryId, r.originMemberId, r.originSignature, r.timestamp]),
      [[QUERY_ID, OTHER_MEMBER_ID, 'sig', '2024-01-01T00:00:00.000Z']],
    );
  });

  it('refuses remote_member_id combined with a depth', async () => {
    const proxy = recordingProxy({ edges: [], errors: [] });
    const result = await m.run(
      OWNER,
      `{ network_links_connection(depth: 1, remote_member_id: "${OTHER_MEMBER_ID}") { total_count } }`,
      undefined,
      { proxy },
    );
    assert.deepEqual(codes(result), ['BYODA_ERR_BAD_REQUEST']);
    assert.equal(proxy.requests.length, 0);
  });
});
