/** The network's revocation list (src/pki revocation.ts): signed, verified, looked up; tampering refused. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RevocationSet,
  memberFqdn,
  networkDataCn,
  signRevocationList,
  verifyRevocationList,
} from '../../../src/pki/index.js';
import type { RevocationList } from '../../../src/pki/index.js';
import { NETWORK, SERVICE_ID, makeHierarchy } from '../../fixtures/pki.js';

const MEMBER = '0c3a1a2e-7a8b-4c1d-9e2f-3a4b5c6d7e8f';
const ACCOUNT = '1d4b2b3f-8b9c-4d2e-8f30-4b5c6d7e8f90';

const LIST: RevocationList = {
  network: NETWORK,
  issued_at: '2026-12-02T12:00:00.000Z',
  revocations: [
    {
      kind: 'member',
      member_id: MEMBER,
      service_id: SERVICE_ID,
      revoked_at: '2026-12-02T11:00:00.000Z',
      by: 'owner',
    },
    { kind: 'account', account_id: ACCOUNT, revoked_at: '2026-12-02T11:00:00.000Z', by: 'operator' },
  ],
};

describe('revocation list', () => {
  it('verifies with the network data cert and answers lookups', async () => {
    const { root } = await makeHierarchy();
    const networkData = await root.issueCredential(networkDataCn(NETWORK));
    const jws = await signRevocationList(LIST, networkData);
    const verified = await verifyRevocationList(jws, networkData.chainPem, root.credential.certPem);
    const set = new RevocationSet(verified);
    assert.ok(set.has({ type: 'member', network: NETWORK, memberId: MEMBER, serviceId: SERVICE_ID }));
    assert.ok(set.has({ type: 'account', network: NETWORK, accountId: ACCOUNT }));
    assert.ok(
      !set.has({ type: 'member', network: NETWORK, memberId: MEMBER, serviceId: 1 }),
      'another service',
    );
    assert.ok(!set.has({ type: 'service', network: NETWORK, serviceId: SERVICE_ID }));
  });

  it('refuses a list signed by any other key, or changed after signing', async () => {
    const { root, membersCa } = await makeHierarchy();
    const networkData = await root.issueCredential(networkDataCn(NETWORK));
    const member = await membersCa.issueCredential(memberFqdn(NETWORK, SERVICE_ID, MEMBER));
    await assert.rejects(signRevocationList(LIST, member), { code: 'BYODA_ERR_PKI' });
    const jws = await signRevocationList(LIST, networkData);
    await assert.rejects(verifyRevocationList(jws, member.chainPem, root.credential.certPem), {
      code: 'BYODA_ERR_CERT_CHAIN',
    });
    const [header, , signature] = jws.split('.');
    const forged = Buffer.from(JSON.stringify({ ...LIST, revocations: [] })).toString('base64url');
    await assert.rejects(
      verifyRevocationList(`${header}.${forged}.${signature}`, networkData.chainPem, root.credential.certPem),
      { code: 'BYODA_ERR_PKI' },
    );
    const other = await makeHierarchy();
    await assert.rejects(verifyRevocationList(jws, networkData.chainPem, other.root.credential.certPem), {
      code: 'BYODA_ERR_CERT_CHAIN',
    });
  });

  it('refuses a malformed payload', async () => {
    const { root } = await makeHierarchy();
    const networkData = await root.issueCredential(networkDataCn(NETWORK));
    const bad = { ...LIST, revocations: [{ kind: 'member', member_id: 'x', service_id: 1, by: 'owner' }] };
    const jws = await signRevocationList(bad as unknown as RevocationList, networkData);
    await assert.rejects(verifyRevocationList(jws, networkData.chainPem, root.credential.certPem), {
      code: 'BYODA_ERR_PKI',
    });
  });
});
