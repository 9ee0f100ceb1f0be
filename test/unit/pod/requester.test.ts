import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseContract } from '../../../src/contract/index.js';
import type { Contract } from '../../../src/contract/index.js';
import { ByodaError } from '../../../src/errors/index.js';
import type { PkiIdentity } from '../../../src/pki/index.js';
import { linkRelations, linkTargets } from '../../../src/pod/federation/network-links.js';
import { OwnerTokens } from '../../../src/pod/auth/owner-token.js';
import { memberPortRequester, webRequester } from '../../../src/pod/auth/requester.js';
import type { Membership } from '../../../src/pod/memberships/membership.js';
import { loadSharedContract, smallContractDocument } from '../../fixtures/contracts.js';
import { makeMembership, makeTestNetwork } from './pod-fixtures.js';
import type { TestNetwork } from './pod-fixtures.js';

const NETWORK = 'byoda.test';
const ADDRESSBOOK = 4294929430;

function tokens(podFqdn = 'a.accounts.byoda.test'): OwnerTokens {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return new OwnerTokens({ podFqdn, accountId: randomUUID(), privateKey, publicKey });
}

function unauthorized(err: unknown): boolean {
  assert.ok(err instanceof ByodaError);
  assert.equal(err.status, 401);
  return true;
}

describe('pod: requesters on the web port', () => {
  it('is anonymous without an Authorization header and the owner with a valid token', async () => {
    const issuer = tokens();
    assert.deepEqual(await webRequester(undefined, issuer), { kind: 'anonymous' });
    const { token } = await issuer.issue();
    assert.deepEqual(await webRequester(`Bearer ${token}`, issuer), { kind: 'owner' });
  });

  it('refuses another scheme, a malformed token and another pod’s token with 401', async () => {
    const mine = tokens();
    const { token: theirs } = await tokens('b.accounts.byoda.test').issue();
    await assert.rejects(webRequester('Basic b3duZXI6cHc=', mine), unauthorized);
    await assert.rejects(webRequester('Bearer nonsense', mine), unauthorized);
    await assert.rejects(webRequester(`Bearer ${theirs}`, mine), unauthorized);
  });
});

describe('pod: requesters on the member port (spec §3, §6)', () => {
  let net: TestNetwork;
  let addressbook: Contract;
  let membership: Membership;
  const other = randomUUID();
  const identity = (type: PkiIdentity['type'], fields: Partial<PkiIdentity> = {}): PkiIdentity => ({
    type,
    network: NETWORK,
    ...fields,
  });

  before(async () => {
    net = await makeTestNetwork();
    addressbook = await loadSharedContract('addressbook');
    membership = await makeMembership(net, addressbook);
  });
  after(async () => {
    await membership.close();
    await net.remove();
  });

  it('is anonymous without a verified certificate, or with one that names nobody of the service', async () => {
    assert.deepEqual(await memberPortRequester(null, membership), { kind: 'anonymous' });
    const account = identity('account', { accountId: randomUUID() });
    assert.deepEqual(await memberPortRequester(account, membership), { kind: 'anonymous' });
    const data = identity('member-data', { memberId: other, serviceId: ADDRESSBOOK });
    assert.deepEqual(await memberPortRequester(data, membership), { kind: 'anonymous' });
  });

  it('is the owner for the membership’s own certificate', async () => {
    const own = identity('member', { memberId: membership.memberId, serviceId: ADDRESSBOOK });
    assert.deepEqual(await memberPortRequester(own, membership), { kind: 'owner' });
  });

  it('is a member at distance 1 with the relations of the owner’s links to it', async () => {
    const asker = identity('member', { memberId: other, serviceId: ADDRESSBOOK });
    assert.deepEqual(await memberPortRequester(asker, membership), {
      kind: 'member',
      memberId: other,
      relations: [],
      distance: 1,
      originSignatureVerified: false,
    });
    for (const relation of ['Friend', 'family', 'friend']) {
      await membership.store.append('network_links', {
        member_id: other,
        relation,
        created_timestamp: new Date().toISOString(),
      });
    }
    await membership.store.append('network_links', {
      member_id: randomUUID(),
      relation: 'colleague',
      created_timestamp: new Date().toISOString(),
    });
    const linked = await memberPortRequester(asker, membership);
    assert.equal(linked.kind, 'member');
    assert.deepEqual(linked.kind === 'member' ? [...linked.relations].sort() : [], ['family', 'friend']);
  });

  it('remembers a member’s relations only until the links change (issue 12)', async () => {
    const someone = randomUUID();
    const relationsOf = async () => {
      const requester = await memberPortRequester(
        identity('member', { memberId: someone, serviceId: ADDRESSBOOK }),
        membership,
      );
      return requester.kind === 'member' ? [...requester.relations].sort() : ['not a member'];
    };
    assert.deepEqual(await relationsOf(), []);
    await membership.store.append('network_links', {
      member_id: someone,
      relation: 'friend',
      created_timestamp: new Date().toISOString(),
    });
    assert.deepEqual(await relationsOf(), ['friend']);
    assert.deepEqual(await relationsOf(), ['friend']);
    await membership.store.update('network_links', { member_id: { eq: someone } }, { relation: 'family' });
    assert.deepEqual(await relationsOf(), ['family']);
    await membership.store.delete('network_links', { member_id: { eq: someone } });
    assert.deepEqual(await relationsOf(), []);
  });

  it('is the service for the service’s TLS certificate', async () => {
    const service = identity('service', { serviceId: ADDRESSBOOK });
    assert.deepEqual(await memberPortRequester(service, membership), {
      kind: 'service',
      serviceId: ADDRESSBOOK,
    });
  });

  it('refuses members and services of another service with 403', async () => {
    for (const wrong of [
      identity('member', { memberId: other, serviceId: 4242 }),
      identity('service', { serviceId: 4242 }),
    ]) {
      await assert.rejects(memberPortRequester(wrong, membership), (err: unknown) => {
        assert.ok(err instanceof ByodaError);
        assert.equal(err.status, 403);
        return true;
      });
    }
  });

  it('finds no relations or link targets in a contract without a network_links class', async () => {
    const small = parseContract(smallContractDocument());
    const plain = await makeMembership(net, small);
    try {
      assert.deepEqual(await linkRelations(plain.store, small, other), []);
      assert.deepEqual(await linkTargets(plain.store, small), []);
    } finally {
      await plain.close();
    }
  });

  it('gives the fan-out every link, relations lower-cased (spec §8)', async () => {
    const linked = await makeMembership(net, addressbook);
    const [a, b] = [randomUUID(), randomUUID()];
    try {
      for (const [memberId, relation] of [
        [a, 'Family'],
        [b, 'friend'],
        [a, 'colleague'],
      ] as const) {
        await linked.store.append('network_links', {
          member_id: memberId,
          relation,
          created_timestamp: new Date().toISOString(),
        });
      }
      assert.deepEqual(await linkTargets(linked.store, addressbook), [
        { memberId: a, relation: 'family' },
        { memberId: b, relation: 'friend' },
        { memberId: a, relation: 'colleague' },
      ]);
    } finally {
      await linked.close();
    }
  });
});
