import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import type { Contract } from '../../../src/contract/index.js';
import {
  admitIncomingQuery,
  createQueryMemory,
  readIncomingOperation,
  replayContext,
  signOriginQuery,
} from '../../../src/federation/index.js';
import type { AdmissionDeps, IncomingOperation } from '../../../src/federation/index.js';
import type { Requester } from '../../../src/firewall/index.js';
import { MembershipEvents, buildMembershipSchema } from '../../../src/graphql/index.js';
import type { MembershipContext } from '../../../src/graphql/index.js';
import type { DataStore } from '../../../src/storage/index.js';
import { loadSharedContract } from '../../fixtures/contracts.js';
import { NETWORK, SERVICE_ID, testNetwork } from './pods.js';
import type { TestMember, TestNetwork } from './pods.js';

const QUERY_ID = '0b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
const ONLY_FORWARDED =
  'a forwarded query may hold only forwarded X_connection fields: the origin signature covers nothing else';
const SENDER: Requester = {
  kind: 'member',
  memberId: '44444444-4444-4444-8444-444444444444',
  relations: ['friend'],
  distance: 1,
  originSignatureVerified: false,
};

describe('incoming forwarded queries (spec §6, §8)', () => {
  let contract: Contract;
  let schema: GraphQLSchema;
  let net: TestNetwork;
  let origin: TestMember;

  const read = (query: string, variableValues?: Record<string, unknown>, operationName?: string) =>
    readIncomingOperation({ schema, document: parse(query), variableValues, operationName });

  function deps(memory = createQueryMemory()): AdmissionDeps {
    return {
      queryMemory: memory,
      verify: {
        fetchDataCertChain: async () => origin.data.chainPem,
        rootCaPem: net.rootCaPem,
        network: NETWORK,
        serviceId: SERVICE_ID,
        maxSignedDepth: contract.maxQueryDepth,
      },
    };
  }

  /**
   * A forwarded `network_links_connection` as the origin signed it with `signedDepth`, arriving with
   * `depth`, and the root fields `alongside` after it in the same operation.
   */
  async function forwarded(
    depth: number,
    signedDepth = depth,
    queryId = QUERY_ID,
    alongside = '',
  ): Promise<IncomingOperation> {
    const timestamp = new Date().toISOString();
    const signature = await signOriginQuery(
      {
        query_id: queryId,
        timestamp,
        service_id: SERVICE_ID,
        class: 'network_links',
        filter: { relation: { eq: 'friend' } },
        depth: signedDepth,
        relations: ['friend'],
      },
      origin.data,
    );
    return read(
      'query($f: network_link_filter, $sig: String) { network_links_connection(filter: $f, ' +
        `depth: ${depth}, relations: ["Friend"], query_id: "${queryId}", timestamp: "${timestamp}", ` +
        `origin_member_id: "${origin.memberId}", origin_signature: $sig) { total_count } ${alongside}}`,
      { f: { relation: { eq: 'friend' } }, sig: signature },
    );
  }

  before(async () => {
    contract = await loadSharedContract('addressbook');
    schema = buildMembershipSchema(contract);
    net = await testNetwork();
    origin = await net.member();
  });

  describe('readIncomingOperation', () => {
    it('reads connection arguments from literals and variables, through fragments and aliases', () => {
      const operation = read(
        'query Q($d: Int) { __typename a: network_links_connection(depth: $d, query_id: "' +
          QUERY_ID.toUpperCase() +
          '") { total_count } ...F } fragment F on Query { person_connection { total_count } person { given_name } }',
        { d: 2 },
      );
      assert.deepEqual(operation.otherFields, ['person']);
      assert.deepEqual(
        operation.connections.map((c) => [c.className, c.depth, c.queryId]),
        [
          ['network_links', 2, QUERY_ID],
          ['person', 0, undefined],
        ],
      );
    });

    it('reads root fields inside inline fragments, with and without a type condition', () => {
      const operation = read(
        '{ ... on Query { network_links_connection(depth: 1) { total_count } } ... { person { given_name } } }',
      );
      assert.deepEqual(
        operation.connections.map((c) => [c.className, c.depth]),
        [['network_links', 1]],
      );
      assert.deepEqual(operation.otherFields, ['person']);
    });

    it('reads the operation that operationName names', () => {
      const operation = read(
        'query A { person { given_name } } query B { network_links_connection(depth: 1) { total_count } }',
        {},
        'B',
      );
      assert.deepEqual(
        operation.connections.map((c) => [c.className, c.depth]),
        [['network_links', 1]],
      );
      assert.deepEqual(operation.otherFields, []);
    });

    it('reads an explicit null filter, literal or variable, as no filter', () => {
      const literal = read('{ network_links_connection(filter: null) { total_count } }');
      assert.deepEqual(
        literal.connections.map((c) => c.filter),
        [undefined],
      );
      const variable = read(
        'query($f: network_link_filter) { network_links_connection(filter: $f) { total_count } }',
        { f: null },
      );
      assert.deepEqual(
        variable.connections.map((c) => c.filter),
        [undefined],
      );
    });

    it('reads only the strings of relations, even from a variable that validation would refuse', () => {
      // The pod validates first (a [String] variable cannot stand for [String!]); graphql-js hands a
      // variable's value on as it is, so the null would otherwise reach the signature check.
      const operation = read(
        'query($r: [String]) { network_links_connection(relations: $r) { total_count } }',
        { r: ['friend', null, 'colleague'] },
      );
      assert.deepEqual(
        operation.connections.map((c) => c.relations),
        [['friend', 'colleague']],
      );
    });

    it('reads nothing from mutations, unknown operations and variables that do not coerce', () => {
      assert.deepEqual(read('mutation { delete_from_network_links(filter: {}) }'), {
        connections: [],
        otherFields: [],
      });
      assert.deepEqual(read('query A { person { given_name } }', {}, 'B'), {
        connections: [],
        otherFields: [],
      });
      assert.deepEqual(
        read('query($d: Int) { network_links_connection(depth: $d) { total_count } }', { d: 'deep' }),
        { connections: [], otherFields: [] },
      );
    });

    it('reads nothing from an operation with an argument that does not coerce', () => {
      assert.deepEqual(
        read(
          '{ person_connection(depth: 1) { total_count } network_links_connection(depth: "deep") { total_count } }',
        ),
        { connections: [], otherFields: [] },
      );
    });
  });

  describe('admitIncomingQuery', () => {
    it('leaves owners and plain queries alone', async () => {
      const plain = read('{ network_links_connection { total_count } person { given_name } }');
      assert.deepEqual(await admitIncomingQuery(plain, SENDER, deps()), { requester: SENDER, replay: false });
      const owner: Requester = { kind: 'owner' };
      assert.deepEqual(await admitIncomingQuery(await forwarded(1), owner, deps()), {
        requester: owner,
        replay: false,
      });
    });

    it('admits a signed query: verified origin, distance from the origin, first visit', async () => {
      const memory = createQueryMemory();
      const direct = await admitIncomingQuery(await forwarded(1), SENDER, deps(memory));
      assert.deepEqual(direct, {
        requester: { ...SENDER, distance: 1, originSignatureVerified: true },
        replay: false,
      });
      assert.equal(memory.has(QUERY_ID), true);
      const other = '1b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
      const twoHops = await admitIncomingQuery(await forwarded(0, 1, other), SENDER, deps(memory));
      assert.deepEqual(twoHops.requester, { ...SENDER, distance: 2, originSignatureVerified: true });
    });

    it('marks a query id seen before as a replay', async () => {
      const memory = createQueryMemory();
      await admitIncomingQuery(await forwarded(1), SENDER, deps(memory));
      const again = await admitIncomingQuery(await forwarded(0, 1), SENDER, deps(memory));
      assert.equal(again.replay, true);
    });

    it('takes one query id in two spellings within one operation as one first visit', async () => {
      const timestamp = new Date().toISOString();
      const signature = await signOriginQuery(
        {
          query_id: QUERY_ID,
          timestamp,
          service_id: SERVICE_ID,
          class: 'network_links',
          filter: null,
          depth: 1,
          relations: null,
        },
        origin.data,
      );
      const connection = (alias: string, queryId: string) =>
        `${alias}: network_links_connection(depth: 1, query_id: "${queryId}", timestamp: "${timestamp}", ` +
        `origin_member_id: "${origin.memberId}", origin_signature: $sig) { total_count } `;
      const operation = read(
        `query($sig: String) { ${connection('lower', QUERY_ID)}${connection('upper', QUERY_ID.toUpperCase())}}`,
        { sig: signature },
      );
      // The UUID scalar hands over the canonical (lower-case) spelling of both.
      assert.deepEqual(
        operation.connections.map((c) => c.queryId),
        [QUERY_ID, QUERY_ID],
      );
      const memory = createQueryMemory();
      assert.equal((await admitIncomingQuery(operation, SENDER, deps(memory))).replay, false);
      assert.equal((await admitIncomingQuery(operation, SENDER, deps(memory))).replay, true);
    });

    it('does not remember the id of a query whose signature fails', async () => {
      const memory = createQueryMemory();
      const good = await forwarded(1);
      const [connection] = good.connections;
      assert.ok(connection);
      const forged = { ...good, connections: [{ ...connection, filter: undefined }] };
      await assert.rejects(admitIncomingQuery(forged, SENDER, deps(memory)), {
        code: 'BYODA_ERR_FORBIDDEN',
        message: /origin signature does not verify/,
      });
      assert.equal(memory.has(QUERY_ID), false, 'a forged query cannot burn the id of the real one');
      assert.equal((await admitIncomingQuery(good, SENDER, deps(memory))).replay, false);
    });

    it('admits a depth of exactly max_query_depth', async () => {
      const deepest = await admitIncomingQuery(await forwarded(contract.maxQueryDepth), SENDER, deps());
      assert.deepEqual(deepest, {
        requester: { ...SENDER, distance: 1, originSignatureVerified: true },
        replay: false,
      });
    });

    it('refuses a depth over max_query_depth before any check, without remembering the query id', async () => {
      const memory = createQueryMemory();
      const tooDeep = await forwarded(contract.maxQueryDepth + 1);
      let fetched = false;
      const watched = deps(memory);
      const counting: AdmissionDeps = {
        ...watched,
        verify: {
          ...watched.verify,
          fetchDataCertChain: async () => {
            fetched = true;
            return origin.data.chainPem;
          },
        },
      };
      await assert.rejects(admitIncomingQuery(tooDeep, SENDER, counting), {
        code: 'BYODA_ERR_BAD_REQUEST',
        message:
          `depth ${contract.maxQueryDepth + 1} is more than the greatest depth this service allows, ` +
          `${contract.maxQueryDepth} (max_query_depth, spec §8)`,
      });
      assert.equal(fetched, false, 'no certificate is fetched for it');
      assert.equal(memory.has(QUERY_ID), false);
    });

    it('refuses forwarded queries from requesters that cannot sign, incomplete ones and mixed operations', async () => {
      const signed = await forwarded(1);
      for (const requester of [{ kind: 'anonymous' }, { kind: 'service', serviceId: SERVICE_ID }] as const) {
        await assert.rejects(admitIncomingQuery(signed, requester, deps()), {
          code: 'BYODA_ERR_FORBIDDEN',
          message:
            'only members of the service can send forwarded queries: they need an origin signature (spec §8)',
        });
      }
      const unsigned = read(
        `{ network_links_connection(depth: 1, query_id: "${QUERY_ID}") { total_count } }`,
      );
      await assert.rejects(admitIncomingQuery(unsigned, SENDER, deps()), {
        code: 'BYODA_ERR_BAD_REQUEST',
        message: /needs query_id, timestamp, origin_member_id and origin_signature/,
      });
      const mixed = { ...signed, otherFields: ['person'] };
      await assert.rejects(admitIncomingQuery(mixed, SENDER, deps()), {
        code: 'BYODA_ERR_BAD_REQUEST',
        message: ONLY_FORWARDED,
      });
    });

    it('refuses a forwarded query alongside a connection that is not forwarded', async () => {
      const alongside = await forwarded(1, 1, QUERY_ID, 'person_connection { total_count } ');
      assert.deepEqual(
        alongside.connections.map((c) => c.className),
        ['network_links', 'person'],
      );
      assert.deepEqual(alongside.otherFields, []);
      const memory = createQueryMemory();
      await assert.rejects(admitIncomingQuery(alongside, SENDER, deps(memory)), {
        code: 'BYODA_ERR_BAD_REQUEST',
        message: ONLY_FORWARDED,
      });
      assert.equal(memory.has(QUERY_ID), false);
    });

    it('takes a connection with only a timestamp, origin_member_id or origin_signature for forwarded', async () => {
      const fields = [
        'timestamp: "2026-01-01T00:00:00.000Z"',
        `origin_member_id: "${origin.memberId}"`,
        'origin_signature: "c2lnbmF0dXJl"',
      ];
      for (const field of fields) {
        const operation = read(`{ network_links_connection(${field}) { total_count } }`);
        assert.deepEqual(
          operation.connections.map((c) => c.depth),
          [0],
        );
        await assert.rejects(
          admitIncomingQuery(operation, SENDER, deps()),
          {
            code: 'BYODA_ERR_BAD_REQUEST',
            message:
              'a forwarded query needs query_id, timestamp, origin_member_id and origin_signature (spec §8)',
          },
          field,
        );
      }
    });
  });

  describe('replayContext', () => {
    it('answers from a store that holds nothing, forwards nothing and refuses writes', async () => {
      const calls: string[] = [];
      const store = new Proxy({} as DataStore, {
        get: (_target, key) => {
          if (key === 'contract') return contract;
          return async () => {
            calls.push(String(key));
          };
        },
      });
      const context: MembershipContext = {
        contract,
        store,
        requester: SENDER,
        memberId: origin.memberId,
        events: new MembershipEvents(),
        proxy: async () => assert.fail('must not forward'),
      };
      const replay = replayContext(context);
      assert.deepEqual(replay.requester, { kind: 'owner' });
      assert.equal(replay.store.contract, contract);
      assert.deepEqual(await replay.store.query('network_links'), {
        records: [],
        totalCount: 0,
        endCursor: null,
        hasNextPage: false,
      });
      assert.equal(await replay.store.getObject('person'), null);
      assert.equal(await replay.store.count('network_links'), 0);
      await assert.rejects(replay.store.append('network_links', {}), {
        code: 'BYODA_ERR_BAD_REQUEST',
        message: 'a repeated forwarded query neither reads nor writes data',
      });
      assert.deepEqual(await replay.proxy?.({} as never), { edges: [], errors: [] });
      await replay.store.close();
      assert.deepEqual(calls, [], 'the real store is never touched');
      context.events.close();
    });
  });
});
