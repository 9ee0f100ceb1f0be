/**
 * Signed data in the GraphQL API (spec §9): edges' `signature` (verified lazily, by this pod), and the
 * `signature`, `sign` and `remote_member_id` arguments of the mutations, with their refusals.
 */
import { afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDataCertCache } from '../../../src/federation/index.js';
import { parseContract } from '../../../src/contract/index.js';
import type { Requester } from '../../../src/firewall/index.js';
import {
  MembershipEvents,
  buildMembershipSchema,
  executeMembershipQuery,
} from '../../../src/graphql/index.js';
import type { ProxyHook, RemoteAppendRequest } from '../../../src/graphql/index.js';
import { REASON_CHANGED, createRecordSignatures, signRecord } from '../../../src/signing/index.js';
import type { RecordSignatures, SignatureCheck } from '../../../src/signing/index.js';
import { openSqliteStore } from '../../../src/storage/index.js';
import type { DataRecord } from '../../../src/storage/index.js';
import { smallContractDocument } from '../../fixtures/contracts.js';
import { NETWORK, SERVICE_ID, testNetwork } from '../federation/pods.js';
import type { TestMember } from '../federation/pods.js';
import { OTHER_MEMBER_ID, OWNER, codes, member, openMembership, plain, sampleInput } from './membership.js';
import type { ContextOptions, Membership } from './membership.js';

const APPEND =
  'mutation($input: network_link_inbound_input!, $signature: String, $sign: Boolean, $remote: UUID) { ' +
  'append_network_links_inbound(input: $input, signature: $signature, sign: $sign, remote_member_id: $remote) ' +
  '{ member_id relation text } }';
const READ =
  '{ network_links_inbound_connection { edges { node { member_id text } ' +
  'signature { jws signer_member_id signed_at verified reason } } } }';
const READ_JWS = '{ network_links_inbound_connection { edges { signature { jws } } } }';

interface ReadEdge {
  readonly node: { readonly member_id: string; readonly text: string | null };
  readonly signature: {
    readonly jws: string;
    readonly signer_member_id: string | null;
    readonly signed_at: string | null;
    readonly verified: boolean;
    readonly reason: string | null;
  } | null;
}

interface EdgeSig {
  readonly signature: { readonly jws: string } | null;
}

function edgesOf(data: unknown): readonly ReadEdge[] {
  return (data as { network_links_inbound_connection: { edges: ReadEdge[] } })
    .network_links_inbound_connection.edges;
}

describe('signed data in the GraphQL API (spec §9)', () => {
  let pod: Membership;
  let owner: TestMember;
  let stranger: TestMember;
  let signatures: RecordSignatures;
  let verifications: number;
  let input: DataRecord;

  before(async () => {
    const net = await testNetwork();
    [owner, stranger] = await Promise.all([net.member(), net.member()]);
    const chains = new Map([
      [owner.memberId, owner.data.chainPem],
      [stranger.memberId, stranger.data.chainPem],
    ]);
    const cache = createDataCertCache({
      fetchChain: (id) => Promise.resolve(chains.get(id) ?? ''),
      rootCaPem: net.rootCaPem,
      network: NETWORK,
      serviceId: SERVICE_ID,
    });
    const real = createRecordSignatures({
      serviceId: SERVICE_ID,
      credential: owner.data,
      fetchChain: (id) => cache.get(id),
    });
    signatures = {
      sign: (className, data) => real.sign(className, data),
      verify: (jws, className, data): Promise<SignatureCheck> => {
        verifications++;
        return real.verify(jws, className, data);
      },
    };
    input = {
      created_timestamp: '2026-11-25T09:00:00.000Z',
      member_id: OTHER_MEMBER_ID,
      relation: 'follow',
      text: 'hello',
    };
  });

  beforeEach(async () => {
    pod = await openMembership('addressbook');
    verifications = 0;
  });
  afterEach(() => pod.close());

  const withSigning = (extra: ContextOptions = {}): ContextOptions => ({ signatures, ...extra });

  it('signs for the owner with sign: true, and readers see it verified, naming the signer', async () => {
    const appended = await pod.run(OWNER, APPEND, { input, sign: true }, withSigning());
    assert.deepEqual(appended.errors, undefined);
    const stored = await pod.store.query('network_links_inbound');
    assert.match(stored.records[0]?.meta.signature ?? '', /^[\w-]+\.\.[\w-]{86}$/);
    const read = await pod.run(OWNER, READ, {}, withSigning());
    const [edge] = edgesOf(read.data);
    assert.equal(edge?.signature?.verified, true);
    assert.equal(edge?.signature?.signer_member_id, owner.memberId);
    assert.equal(edge?.signature?.reason, null);
    assert.match(edge?.signature?.signed_at ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.equal(edge?.signature?.jws, stored.records[0]?.meta.signature);
  });

  it('shows a record changed after signing as not verified', async () => {
    await pod.run(OWNER, APPEND, { input, sign: true }, withSigning());
    const updated = await pod.run(
      OWNER,
      'mutation { update_network_links_inbound(filter: {}, input: {text: "changed"}) }',
      {},
      withSigning(),
    );
    assert.deepEqual(updated.data, { update_network_links_inbound: 1 });
    const [edge] = edgesOf((await pod.run(OWNER, READ, {}, withSigning())).data);
    assert.equal(edge?.node.text, 'changed');
    assert.equal(edge?.signature?.verified, false);
    assert.equal(edge?.signature?.reason, REASON_CHANGED);
  });

  it('keeps a third party’s signature given by a member, checked by every reader', async () => {
    const jws = await signRecord({
      serviceId: SERVICE_ID,
      className: 'network_links_inbound',
      data: input,
      credential: stranger.data,
    });
    // any_member may append here (the shared addressbook contract), but not read it back.
    const appended = await pod.run(
      member(),
      'mutation($input: network_link_inbound_input!, $signature: String) { ' +
        'append_network_links_inbound(input: $input, signature: $signature) { __typename } }',
      { input, signature: jws },
    );
    assert.deepEqual(appended.errors, undefined);
    const [edge] = edgesOf((await pod.run(OWNER, READ, {}, withSigning())).data);
    assert.equal(edge?.signature?.jws, jws);
    assert.equal(edge?.signature?.verified, true);
    assert.equal(edge?.signature?.signer_member_id, stranger.memberId);
  });

  it('has null for records without a signature, and verifies nothing unless asked', async () => {
    await pod.run(OWNER, APPEND, { input }, withSigning());
    await pod.run(OWNER, APPEND, { input: { ...input, text: 'two' }, sign: true }, withSigning());
    const read = await pod.run(OWNER, READ_JWS, {}, withSigning());
    const edges = edgesOf(read.data);
    assert.equal(edges[0]?.signature, null);
    assert.match(edges[1]?.signature?.jws ?? '', /\.\./);
    assert.equal(verifications, 0, 'selecting jws alone must not verify');
    await pod.run(OWNER, READ, {}, withSigning());
    assert.equal(verifications, 1, 'one verification per signed edge, however many fields');
  });

  it('reads signatures as not verified on a pod that cannot verify', async () => {
    await pod.run(OWNER, APPEND, { input, sign: true }, withSigning());
    const [edge] = edgesOf((await pod.run(OWNER, READ)).data);
    assert.equal(edge?.signature?.verified, false);
    assert.equal(edge?.signature?.reason, 'this pod cannot verify data signatures');
  });

  it('signs the object class’s record with mutate_X(sign: true)', async () => {
    const result = await pod.run(
      OWNER,
      'mutation { mutate_person(input: {given_name: "Ann", family_name: "Lee", email: "ann@example.org"}, ' +
        'sign: true) { given_name } }',
      {},
      withSigning(),
    );
    assert.deepEqual(result.errors, undefined);
    const record = await pod.store.getObject('person');
    assert.ok(record?.meta.signature);
    const check = await signatures.verify(record.meta.signature, 'person', record.data);
    assert.equal(check.verified, true);
  });

  it('verifies remote edges itself, from the JWS the remote pod sent', async () => {
    const jws = await signatures.sign('network_links_inbound', input);
    const proxy: ProxyHook = () =>
      Promise.resolve({
        edges: [
          { origin: OTHER_MEMBER_ID, cursor: 'c1', node: input, signature: jws },
          { origin: OTHER_MEMBER_ID, cursor: 'c2', node: { ...input, text: 'forged' }, signature: jws },
        ],
        errors: [],
      });
    const read = await pod.run(
      OWNER,
      `{ network_links_inbound_connection(remote_member_id: "${OTHER_MEMBER_ID}") ` +
        '{ edges { node { text } signature { verified reason } } } }',
      {},
      withSigning({ proxy }),
    );
    assert.deepEqual(read.errors, undefined);
    const edges = edgesOf(read.data);
    assert.deepEqual(
      edges.map((e) => e.signature?.verified),
      [true, false],
    );
  });

  it('withholds the signature with the origin for a grant with anonimized_responses', async () => {
    const cls = pod.contract.classes.find((c) => c.name === 'network_assets');
    assert.ok(cls);
    const written = await pod.run(
      OWNER,
      'mutation($input: asset_input!) { append_network_assets(input: $input, sign: true) { __typename } }',
      { input: sampleInput(cls, 1) },
      withSigning(),
    );
    assert.deepEqual(written.errors, undefined);
    const read = '{ network_assets_connection { edges { origin signature { jws } } } }';
    const friend = member({ relations: ['friend'], originSignatureVerified: true });
    const asFriend = await pod.run(friend, read, {}, withSigning());
    assert.deepEqual(asFriend.errors, undefined);
    assert.deepEqual(asFriend.data, {
      network_assets_connection: { edges: [{ origin: null, signature: null }] },
    });
    const asOwner = await pod.run(OWNER, read, {}, withSigning());
    const [edge] = (asOwner.data as { network_assets_connection: { edges: EdgeSig[] } })
      .network_assets_connection.edges;
    assert.match(edge?.signature?.jws ?? '', /\.\./);
  });

  it('withholds the JWS from a reader who may not read every field it covers, verified or not', async () => {
    // A small contract where a Friend-linked member reads `person` but not its `age`.
    const document = smallContractDocument();
    const person = (
      document['jsonschema'] as { properties: Record<string, { properties: Record<string, object> }> }
    ).properties['person'];
    assert.ok(person);
    person.properties['age'] = {
      type: 'integer',
      '#accesscontrol': { network: { permissions: [{ permission: 'read', relation: 'family' }] } },
    };
    const contract = parseContract(document);
    const schema = buildMembershipSchema(contract);
    const store = await openSqliteStore(':memory:', contract);
    const events = new MembershipEvents();
    const run = async (requester: Requester, query: string) =>
      plain(
        await executeMembershipQuery(
          schema,
          { contract, store, requester, memberId: owner.memberId, events, signatures },
          { query },
        ),
      );
    try {
      const stored = await run(
        OWNER,
        'mutation { mutate_person(input: {name: "Ann", age: 41}, sign: true) { name } }',
      );
      assert.equal(stored.errors, undefined);
      const read = '{ person_connection { edges { node { name } signature { jws verified } } } }';
      const jwsOf = (result: { data?: unknown }) =>
        (
          result.data as {
            person_connection: { edges: { signature: { jws: string | null; verified: boolean } }[] };
          }
        ).person_connection.edges[0]?.signature;
      const friend = member({ relations: ['friend'] });
      assert.deepEqual(jwsOf(await run(friend, read)), { jws: null, verified: true });
      const ownerView = jwsOf(await run(OWNER, read));
      assert.match(ownerView?.jws ?? '', /^[\w-]+\.\.[\w-]+$/);
      assert.equal(ownerView?.verified, true);
    } finally {
      events.close();
      await store.close();
    }
  });

  describe('refusals', () => {
    const rejects = async (
      result: Awaited<ReturnType<Membership['run']>>,
      code: string,
      message: RegExp,
    ): Promise<void> => {
      assert.deepEqual(codes(result), [code]);
      assert.match(result.errors?.[0]?.message ?? '', message);
      assert.equal(await pod.store.count('network_links_inbound'), 0, 'nothing written');
    };

    it('refuses a signature string that is not a data signature, naming the argument (400)', async () => {
      await rejects(
        await pod.run(member(), APPEND, { input, signature: 'abc' }),
        'BYODA_ERR_DATA_SIGNATURE',
        /^argument signature: the data signature is not valid: a compact JWS has three parts/,
      );
    });

    it('refuses a signature made for another class (400)', async () => {
      const jws = await signatures.sign('network_links', input);
      await rejects(
        await pod.run(OWNER, APPEND, { input, signature: jws }, withSigning()),
        'BYODA_ERR_DATA_SIGNATURE',
        /argument signature: it was made for class network_links, not network_links_inbound/,
      );
    });

    it('refuses a signature made for another service (400)', async () => {
      const other = await testNetwork(NETWORK, SERVICE_ID + 1);
      const foreign = await other.member();
      const jws = await signRecord({
        serviceId: SERVICE_ID + 1,
        className: 'network_links_inbound',
        data: input,
        credential: foreign.data,
      });
      await rejects(
        await pod.run(OWNER, APPEND, { input, signature: jws }, withSigning()),
        'BYODA_ERR_DATA_SIGNATURE',
        /argument signature: it was made for service/,
      );
    });

    it('refuses sign: true from a member (403): the pod signs only for its owner', async () => {
      await rejects(
        await pod.run(member(), APPEND, { input, sign: true }, withSigning()),
        'BYODA_ERR_FORBIDDEN',
        /only the pod's owner can have it sign data/,
      );
    });

    it('refuses signature and sign: true together (400)', async () => {
      const jws = await signatures.sign('network_links_inbound', input);
      await rejects(
        await pod.run(OWNER, APPEND, { input, signature: jws, sign: true }, withSigning()),
        'BYODA_ERR_BAD_REQUEST',
        /either signature .* or sign: true .*, not both/,
      );
    });

    it('refuses sign: true on a pod that cannot sign (400)', async () => {
      await rejects(
        await pod.run(OWNER, APPEND, { input, sign: true }),
        'BYODA_ERR_BAD_REQUEST',
        /does not sign data/,
      );
    });

    it('still applies the firewall first: an anonymous client gets 403 whatever it sends', async () => {
      await rejects(
        await pod.run({ kind: 'anonymous' }, APPEND, { input, signature: 'abc' }),
        'BYODA_ERR_FORBIDDEN',
        /not allowed to append/,
      );
    });
  });

  describe('append_X(remote_member_id)', () => {
    let sent: RemoteAppendRequest[];
    const remoteAppend = (request: RemoteAppendRequest): Promise<DataRecord> => {
      sent.push(request);
      return Promise.resolve({ member_id: String(request.input['member_id']), relation: 'follow' });
    };
    beforeEach(() => {
      sent = [];
    });

    it('sends the owner’s append, signed here, and returns the remote pod’s answer', async () => {
      const result = await pod.run(
        OWNER,
        APPEND,
        { input, sign: true, remote: OTHER_MEMBER_ID },
        withSigning({ remoteAppend }),
      );
      assert.deepEqual(result.errors, undefined);
      assert.deepEqual(result.data, {
        append_network_links_inbound: { member_id: OTHER_MEMBER_ID, relation: 'follow', text: null },
      });
      assert.equal(sent.length, 1);
      assert.equal(sent[0]?.remoteMemberId, OTHER_MEMBER_ID);
      assert.equal(sent[0]?.className, 'network_links_inbound');
      assert.deepEqual(sent[0]?.input, input);
      const check = await signatures.verify(sent[0]?.signature ?? '', 'network_links_inbound', input);
      assert.equal(check.verified, true);
      assert.equal(await pod.store.count('network_links_inbound'), 0, 'nothing written here');
    });

    it('refuses remote_member_id from anyone but the owner (403), sending nothing', async () => {
      const result = await pod.run(member(), APPEND, { input, remote: OTHER_MEMBER_ID }, { remoteAppend });
      assert.deepEqual(codes(result), ['BYODA_ERR_FORBIDDEN']);
      assert.match(result.errors?.[0]?.message ?? '', /only the pod's owner can have it append/);
      assert.deepEqual(sent, []);
    });

    it('refuses remote_member_id on a pod without the hook (400)', async () => {
      const result = await pod.run(OWNER, APPEND, { input, remote: OTHER_MEMBER_ID });
      assert.deepEqual(codes(result), ['BYODA_ERR_BAD_REQUEST']);
      assert.match(result.errors?.[0]?.message ?? '', /remote_member_id is not available/);
    });

    it('surfaces the remote pod’s refusal with its code', async () => {
      const { ByodaError } = await import('../../../src/errors/index.js');
      const refusing = (): Promise<DataRecord> =>
        Promise.reject(new ByodaError('BYODA_ERR_FORBIDDEN', 'the pod of member x refused the append: no'));
      const result = await pod.run(
        OWNER,
        APPEND,
        { input, remote: OTHER_MEMBER_ID },
        { remoteAppend: refusing },
      );
      assert.deepEqual(codes(result), ['BYODA_ERR_FORBIDDEN']);
      assert.equal(result.errors?.[0]?.message, 'the pod of member x refused the append: no');
    });

    it('appends here when remote_member_id is this pod’s own member id', async () => {
      const { POD_MEMBER_ID } = await import('./membership.js');
      const result = await pod.run(OWNER, APPEND, { input, remote: POD_MEMBER_ID }, { remoteAppend });
      assert.deepEqual(result.errors, undefined);
      assert.deepEqual(sent, []);
      assert.equal(await pod.store.count('network_links_inbound'), 1);
    });
  });
});
