/**
 * The revocation list every server keeps (src/network/revocation-watcher.ts): the same list fetched
 * again is not verified again, but every other list is, so a forged or changed one is never taken.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { RevocationWatcher } from '../../../src/network/index.js';
import { networkDataCn, signRevocationList } from '../../../src/pki/index.js';
import type { Credential, RevocationList } from '../../../src/pki/index.js';
import { NETWORK, SERVICE_ID, makeHierarchy } from '../../fixtures/pki.js';

const MEMBER = '0c3a1a2e-7a8b-4c1d-9e2f-3a4b5c6d7e8f';
const OTHER = '1d4b2b3f-8b9c-4d2e-8f30-4b5c6d7e8f90';
const member = (memberId: string) =>
  ({ type: 'member', network: NETWORK, memberId, serviceId: SERVICE_ID }) as const;

function list(issuedAt: string, ...memberIds: string[]): RevocationList {
  return {
    network: NETWORK,
    issued_at: issuedAt,
    revocations: memberIds.map((memberId) => ({
      kind: 'member',
      member_id: memberId,
      service_id: SERVICE_ID,
      revoked_at: issuedAt,
      by: 'owner',
    })),
  };
}

describe('revocation watcher', () => {
  let rootCaPem: string;
  let networkData: Credential;
  let forger: Credential;

  before(async () => {
    const [{ root }, other] = await Promise.all([makeHierarchy(), makeHierarchy()]);
    rootCaPem = root.credential.certPem;
    networkData = await root.issueCredential(networkDataCn(NETWORK));
    // The network data cert of another root of the same name: a forger's.
    forger = await other.root.issueCredential(networkDataCn(NETWORK));
  });

  /** A watcher over a directory that answers whatever `answer` holds at each fetch. */
  function watcher(answer: { list: string; chain: string }) {
    let fetches = 0;
    const w = new RevocationWatcher({
      directory: {
        getRevocations: async () => {
          fetches++;
          return { ...answer };
        },
      },
      rootCaPem,
    });
    return { w, fetches: () => fetches };
  }

  it('takes a verified list, keeps it when the same list comes again, and takes a newer one', async () => {
    const first = await signRevocationList(list('2026-12-04T10:00:00.000Z', MEMBER), networkData);
    const answer = { list: first, chain: networkData.chainPem };
    const { w, fetches } = watcher(answer);
    await w.refresh();
    assert.ok(w.has(member(MEMBER)));
    await w.refresh();
    await w.refresh();
    assert.equal(fetches(), 3, 'fetched every time');
    assert.ok(w.has(member(MEMBER)));
    assert.ok(!w.has(member(OTHER)));
    answer.list = await signRevocationList(list('2026-12-04T11:00:00.000Z', MEMBER, OTHER), networkData);
    await w.refresh();
    assert.ok(w.has(member(OTHER)), 'a new list is read');
  });

  it('verifies every list that differs from the one held: a changed or forged one is refused', async () => {
    const held = await signRevocationList(list('2026-12-04T10:00:00.000Z', MEMBER), networkData);
    const answer = { list: held, chain: networkData.chainPem };
    const { w } = watcher(answer);
    await w.refresh();
    assert.ok(w.has(member(MEMBER)));
    // The held list's signature over another payload (the member taken off the list).
    const [header, , signature] = held.split('.');
    const payload = Buffer.from(JSON.stringify(list('2026-12-04T12:00:00.000Z'))).toString('base64url');
    answer.list = `${header}.${payload}.${signature}`;
    await w.refresh();
    assert.ok(w.has(member(MEMBER)), 'a changed list is not taken');
    // Signed by a forger's key, sent with the real chain, and with the forger's own.
    answer.list = await signRevocationList(list('2026-12-04T12:00:00.000Z'), forger);
    await w.refresh();
    assert.ok(w.has(member(MEMBER)), 'a forged list is not taken');
    answer.chain = forger.chainPem;
    await w.refresh();
    assert.ok(w.has(member(MEMBER)), 'nor with a chain to another root');
    // The same list with another chain (the forger's) is checked again, and refused.
    answer.list = held;
    answer.chain = forger.chainPem;
    const other = watcher(answer);
    await other.w.refresh();
    assert.ok(!other.w.has(member(MEMBER)), 'nothing is taken from a chain that does not verify');
  });
});
