/**
 * Signed data between real pod processes (spec §9): a directory with its DNS server, the project's
 * addressbook service and four pods, each a `byoda` process started by the network harness.
 *
 *   A signs a "follow" record and has its pod append it in B's `network_links_inbound` (any member may).
 *   C appends one there with a signature the test forged: it names A but C's data key made it.
 *   M's pod holds a member data cert of the right member id and service, issued by another, independent
 *   hierarchy (same network name): it signs and appends, B must not trust it.
 *   B signs one of its own public assets, and A's owner reads it through A's pod (a proxied query).
 *
 * Every check is made by the pod that reads (B for its own records, A for the proxied ones), from the
 * signer's data cert chain fetched from the signer's pod over mutual TLS and verified to the root.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CompactSign } from 'jose';
import type { Agent } from 'undici';
import { findClass, loadContractFile } from '../../../src/contract/index.js';
import type { DataClass } from '../../../src/contract/index.js';
import { memberDataCn, writeCredential } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { CREDENTIALS } from '../../../src/pod/index.js';
import { DATA_SIGNATURE_TYPE, REASON_CHANGED, signedBytes } from '../../../src/signing/index.js';
import { canonicalRecord } from '../../../src/storage/index.js';
import { NetworkHarness, NETWORK } from '../../fixtures/network-harness.js';
import type { PodInfo } from '../../fixtures/network-harness.js';
import { makeHierarchy } from '../../fixtures/pki.js';
import { LOADED_MACHINE_ENV } from '../../fixtures/test-env.js';
import { EXAMPLE_CONTRACT, joinEachPod, podOfSession } from '../federation/owner-session.js';
import type { OwnerSession } from '../federation/owner-session.js';
import { graphql, ownerToken, podCredential, tlsAgent } from '../pod/pod-clients.js';
import type { GraphqlAnswer } from '../pod/pod-clients.js';

const INBOUND = 'network_links_inbound';
const APPEND_INBOUND =
  'mutation($input: network_link_inbound_input!, $signature: String, $sign: Boolean, $remote: UUID) { ' +
  'append_network_links_inbound(input: $input, signature: $signature, sign: $sign, ' +
  'remote_member_id: $remote) { member_id } }';
const READ_INBOUND =
  'query($id: UUID!) { network_links_inbound_connection(filter: {member_id: {eq: $id}}) { edges { ' +
  'node { member_id relation text } signature { jws verified signer_member_id signed_at reason } } } }';

interface SignatureView {
  readonly jws: string;
  readonly verified: boolean;
  readonly signer_member_id: string | null;
  readonly signed_at: string | null;
  readonly reason: string | null;
}

interface EdgeView {
  readonly origin?: string | null;
  readonly node: Record<string, unknown>;
  readonly signature: SignatureView | null;
}

/** Someone who can ask a pod's web port as its owner (an `OwnerSession`, or a pod restarted later). */
interface Asker {
  query(query: string, variables?: Record<string, unknown>): Promise<GraphqlAnswer>;
}

/** A query that must answer without errors; the edges of its one connection. */
async function edges(who: Asker, query: string, variables: Record<string, unknown>): Promise<EdgeView[]> {
  const answer = await who.query(query, variables);
  assert.deepEqual(answer.errors, [], answer.text);
  const connection = Object.values(answer.data ?? {})[0] as { edges: EdgeView[] } | undefined;
  assert.ok(connection, answer.text);
  return connection.edges;
}

/** A link record as a member would append it in another member's pod (canonical scalars). */
function inboundLink(memberId: string, text: string): Record<string, unknown> {
  return {
    created_timestamp: new Date().toISOString(),
    member_id: memberId,
    relation: 'follow',
    text,
  };
}

/**
 * A data signature made outside any pod, as a third party's tool would: `key` signs the canonical
 * record of `cls`, in a header that names `signerId` as the signer.
 */
async function signElsewhere(
  key: Credential['keys']['privateKey'],
  signerId: string,
  serviceId: number,
  cls: DataClass,
  input: Record<string, unknown>,
): Promise<string> {
  const signed = await new CompactSign(signedBytes(canonicalRecord(cls, input)))
    .setProtectedHeader({
      alg: 'ES256',
      typ: DATA_SIGNATURE_TYPE,
      byoda_member_id: signerId,
      byoda_service_id: serviceId,
      byoda_class: cls.name,
      iat: Math.floor(Date.now() / 1000),
    })
    .sign(key);
  const [header, , signature] = signed.split('.');
  return `${header ?? ''}..${signature ?? ''}`;
}

describe('signed data between pod processes (spec §9)', () => {
  let net: NetworkHarness;
  let a: OwnerSession;
  let b: OwnerSession;
  let c: OwnerSession;
  let mSession: OwnerSession;
  let m: Asker;
  let inbound: DataClass;
  const agents: Agent[] = [];

  const podOf = (session: OwnerSession): PodInfo => podOfSession(net, session);

  before(async () => {
    const contract = await loadContractFile(EXAMPLE_CONTRACT);
    const cls = findClass(contract, INBOUND);
    assert.ok(cls);
    inbound = cls;
    // Inherited by the pod processes the harness starts (and only by this test file's processes).
    for (const key of ['BYODA_FEDERATION_HOP_TIMEOUT_MS', 'BYODA_FEDERATION_DEADLINE_MS']) {
      process.env[key] = LOADED_MACHINE_ENV[key];
    }
    net = await NetworkHarness.start({ pods: 4, contract: EXAMPLE_CONTRACT });
    [a, b, c, mSession] = await joinEachPod(net, ['a', 'b', 'c', 'm']);
    m = await withForeignDataCert(podOf(mSession), mSession.memberId);
  });

  after(async () => {
    await Promise.all([...agents, a, b, c, mSession].map((closable) => closable?.close()));
    await net?.stop();
  });

  /**
   * Stops M's pod, replaces its member data credential with one for the same member id and service
   * issued by an independent hierarchy (another root, same network name), and starts it again. The pod
   * starts (it does not check its own data cert against the root) and serves that chain at its
   * data-cert endpoint, which is what a pod with a forged or foreign certificate would do.
   */
  async function withForeignDataCert(pod: PodInfo, memberId: string): Promise<Asker> {
    const serviceId = net.service.serviceId;
    const foreign = await makeHierarchy(NETWORK, serviceId);
    const credential = await foreign.membersCa.issueCredential(memberDataCn(NETWORK, serviceId, memberId));
    await pod.process.stop();
    const passphrase = (await readFile(join(pod.dataDir, 'passphrase'), 'utf8')).trim();
    await writeCredential(
      join(pod.dataDir, 'pki'),
      CREDENTIALS.memberData(serviceId),
      credential,
      passphrase,
    );
    const restarted = await net.restartPod(pod);
    const agent = tlsAgent(net.directory.rootCaPem, restarted.fqdn);
    agents.push(agent);
    const token = await ownerToken(agent, restarted);
    // The pod now really holds the foreign credential.
    const held = await podCredential(restarted, CREDENTIALS.memberData(serviceId));
    assert.equal(held.chainPem, credential.chainPem);
    return {
      query: (query, variables) =>
        graphql(agent, restarted.webUrl, serviceId, query, { token, ...(variables ? { variables } : {}) }),
    };
  }

  /** B's owner reads the inbound links of `memberId`, with their signatures. */
  const inboundAtB = (memberId: string): Promise<EdgeView[]> => edges(b, READ_INBOUND, { id: memberId });

  describe('A signs a record and appends it in B’s pod', () => {
    it('is verified by B, naming A as the signer', async () => {
      const answer = await a.query(APPEND_INBOUND, {
        input: inboundLink(a.memberId, 'A follows B'),
        sign: true,
        remote: b.memberId,
      });
      // A may append in B's network_links_inbound (any_member) but not read it back: the answer's
      // fields are null, and what counts is what B now holds.
      assert.deepEqual(answer.errors, [], answer.text);
      const [edge, ...rest] = await inboundAtB(a.memberId);
      assert.deepEqual(rest, []);
      assert.equal(edge?.node['text'], 'A follows B');
      assert.equal(edge?.signature?.verified, true, JSON.stringify(edge?.signature));
      assert.equal(edge?.signature?.signer_member_id, a.memberId);
      assert.equal(edge?.signature?.reason, null);
      assert.ok(Math.abs(Date.parse(edge?.signature?.signed_at ?? '') - Date.now()) < 10 * 60_000);
    });

    it('shows as no longer verified once B’s owner changes the record', async () => {
      const updated = await b.query(
        'mutation($id: UUID!) { update_network_links_inbound(filter: {member_id: {eq: $id}}, ' +
          'input: {text: "B rewrote this"}) }',
        { id: a.memberId },
      );
      assert.deepEqual(updated.errors, [], updated.text);
      const [edge] = await inboundAtB(a.memberId);
      assert.equal(edge?.node['text'], 'B rewrote this');
      assert.equal(edge?.signature?.verified, false);
      assert.equal(edge?.signature?.signer_member_id, a.memberId);
      assert.equal(edge?.signature?.reason, REASON_CHANGED);
    });

    it('refuses sign: true with a signature (400), and a bad signature (400 naming it), writing nothing', async () => {
      const both = await a.query(APPEND_INBOUND, {
        input: inboundLink(a.memberId, 'x'),
        sign: true,
        signature: 'abc',
        remote: b.memberId,
      });
      assert.deepEqual(
        both.errors.map((e) => e.extensions?.code),
        ['BYODA_ERR_BAD_REQUEST'],
      );
      // A malformed signature is refused before it leaves C's pod.
      const bad = await c.query(APPEND_INBOUND, {
        input: inboundLink(c.memberId, 'x'),
        signature: 'abc',
        remote: b.memberId,
      });
      assert.deepEqual(
        bad.errors.map((e) => e.extensions?.code),
        ['BYODA_ERR_DATA_SIGNATURE'],
        bad.text,
      );
      assert.match(bad.errors[0]?.message ?? '', /^argument signature: the data signature is not valid: /);
      assert.deepEqual(await inboundAtB(c.memberId), []);
    });
  });

  describe('B’s refusal of a remote append', () => {
    it('reaches C’s owner with B’s code and message', async () => {
      // Only B's owner may append to B's public_assets: B's firewall refuses C.
      const answer = await c.query(
        'mutation($input: asset_input!, $remote: UUID) { ' +
          'append_public_assets(input: $input, sign: true, remote_member_id: $remote) { title } }',
        {
          input: {
            asset_id: randomUUID(),
            created_timestamp: new Date().toISOString(),
            asset_type: 'note',
            title: 'from C',
          },
          remote: b.memberId,
        },
      );
      assert.deepEqual(
        answer.errors.map((e) => e.extensions?.code),
        ['BYODA_ERR_FORBIDDEN'],
        answer.text,
      );
      assert.match(
        answer.errors[0]?.message ?? '',
        new RegExp(`^the pod of member ${b.memberId} refused the append: not allowed to append`),
      );
    });
  });

  describe('C forges A’s signature with its own data key', () => {
    it('is stored by B but not verified: A’s key did not make it', async () => {
      const serviceId = net.service.serviceId;
      const cData = await podCredential(podOf(c), CREDENTIALS.memberData(serviceId));
      const input = inboundLink(c.memberId, 'signed by A, honest');
      const forged = await signElsewhere(cData.keys.privateKey, a.memberId, serviceId, inbound, input);
      const answer = await c.query(APPEND_INBOUND, { input, signature: forged, remote: b.memberId });
      assert.deepEqual(answer.errors, [], answer.text);
      const [edge] = await inboundAtB(c.memberId);
      assert.equal(edge?.signature?.jws, forged);
      assert.equal(edge?.signature?.verified, false);
      assert.equal(edge?.signature?.signer_member_id, a.memberId);
      assert.equal(edge?.signature?.reason, REASON_CHANGED);
    });
  });

  describe('M signs with a data cert of another network', () => {
    it('is not verified by B, which says the certificate is the problem', async () => {
      const answer = await m.query(APPEND_INBOUND, {
        input: inboundLink(mSession.memberId, 'signed under a foreign root'),
        sign: true,
        remote: b.memberId,
      });
      assert.deepEqual(answer.errors, [], answer.text);
      const [edge] = await inboundAtB(mSession.memberId);
      assert.equal(edge?.node['text'], 'signed under a foreign root');
      assert.equal(edge?.signature?.verified, false);
      assert.equal(edge?.signature?.signer_member_id, mSession.memberId);
      assert.match(edge?.signature?.reason ?? '', /^the signer's data certificate could not be verified: /);
    });
  });

  describe('a signed record read through a proxied query', () => {
    const READ_ASSETS =
      'query($remote: UUID, $id: UUID!) { public_assets_connection(remote_member_id: $remote, ' +
      'filter: {asset_id: {eq: $id}}) { edges { origin node { title } ' +
      'signature { jws verified signer_member_id reason } } remote_errors { origin message } } }';
    const assetId = randomUUID();

    it('carries the JWS to A’s pod, which verifies it itself', async () => {
      const written = await b.query(
        'mutation($input: asset_input!) { append_public_assets(input: $input, sign: true) { title } }',
        {
          input: {
            asset_id: assetId,
            created_timestamp: new Date().toISOString(),
            asset_type: 'note',
            title: 'signed by B',
          },
        },
      );
      assert.deepEqual(written.errors, [], written.text);
      const [local] = await edges(b, READ_ASSETS, { id: assetId });
      const [edge, ...rest] = await edges(a, READ_ASSETS, { remote: b.memberId, id: assetId });
      assert.deepEqual(rest, []);
      assert.equal(edge?.origin, b.memberId);
      assert.equal(edge?.node['title'], 'signed by B');
      assert.equal(edge?.signature?.jws, local?.signature?.jws);
      assert.equal(edge?.signature?.verified, true, JSON.stringify(edge?.signature));
      assert.equal(edge?.signature?.signer_member_id, b.memberId);
    });

    it('shows A that B changed the record after signing it', async () => {
      const updated = await b.query(
        'mutation($id: UUID!) { update_public_assets(filter: {asset_id: {eq: $id}}, input: {title: "changed"}) }',
        { id: assetId },
      );
      assert.deepEqual(updated.errors, [], updated.text);
      const [edge] = await edges(a, READ_ASSETS, { remote: b.memberId, id: assetId });
      assert.equal(edge?.node['title'], 'changed');
      assert.equal(edge?.signature?.verified, false);
      assert.equal(edge?.signature?.reason, REASON_CHANGED);
    });
  });

  describe('a third party’s claim, kept by the member it is about', () => {
    const READ_CLAIM =
      'query($remote: UUID, $id: UUID!) { public_assets_connection(remote_member_id: $remote, ' +
      'filter: {asset_id: {eq: $id}}) { edges { node { title } signature { verified signer_member_id reason } } } }';
    const assetId = randomUUID();

    it('is verified by whoever reads it: a member through its pod, and an anonymous client', async () => {
      // C reviews an asset of B's and signs the review with its own data key, outside any pod; B's
      // owner keeps the signed record in B's pod with that signature.
      const serviceId = net.service.serviceId;
      const assets = findClass(await loadContractFile(EXAMPLE_CONTRACT), 'public_assets');
      assert.ok(assets);
      const review = {
        asset_id: assetId,
        created_timestamp: new Date().toISOString(),
        asset_type: 'review',
        title: 'reviewed by C: accurate',
      };
      const cData = await podCredential(podOf(c), CREDENTIALS.memberData(serviceId));
      const claim = await signElsewhere(cData.keys.privateKey, c.memberId, serviceId, assets, review);
      const kept = await b.query(
        'mutation($input: asset_input!, $signature: String) { ' +
          'append_public_assets(input: $input, signature: $signature) { title } }',
        { input: review, signature: claim },
      );
      assert.deepEqual(kept.errors, [], kept.text);
      const expected = { verified: true, signer_member_id: c.memberId, reason: null };
      // A member that is neither the signer nor the holder: A's pod fetches C's chain and checks it.
      const [viaA] = await edges(a, READ_CLAIM, { remote: b.memberId, id: assetId });
      assert.deepEqual(viaA?.signature, expected);
      // Anyone: public assets are readable anonymously, on B's web port without a token.
      const agent = tlsAgent(net.directory.rootCaPem, podOf(b).fqdn);
      agents.push(agent);
      const anonymous = await graphql(agent, podOf(b).webUrl, serviceId, READ_CLAIM, {
        variables: { id: assetId },
      });
      assert.deepEqual(anonymous.errors, [], anonymous.text);
      const connection = anonymous.data?.['public_assets_connection'] as { edges: EdgeView[] };
      assert.deepEqual(connection.edges[0]?.signature, expected);
    });
  });
});
