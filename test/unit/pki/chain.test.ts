import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CertificateAuthority,
  accountFqdn,
  chainIntermediates,
  joinPemBundle,
  memberDataCn,
  memberFqdn,
  membersCaCn,
  networkDataCn,
  rootCaCn,
  splitPemBundle,
  verifyChain,
  verifyChainBundle,
  verifyRootCa,
} from '../../../src/pki/index.js';
import { x509 } from '../../../src/pki/x509.js';
import { forgeCertificate, makeHierarchy, newId } from '../../fixtures/pki.js';
import type { Hierarchy } from '../../fixtures/pki.js';
import type { Credential } from '../../../src/pki/index.js';

const DAY_MS = 86_400_000;
const CHAIN_ERROR = (message: RegExp): { code: string; message: RegExp } => ({
  code: 'BYODA_ERR_CERT_CHAIN',
  message,
});

/** The PEM with one byte of its DER changed at `offset` from the start (negative: from the end). */
function tamper(pem: string, offset: number): string {
  const der = Buffer.from(new x509.X509Certificate(pem).rawData);
  const index = offset < 0 ? der.length + offset : offset;
  der[index] = (der[index] ?? 0) ^ 0x01;
  return x509.PemConverter.encode(der, 'CERTIFICATE');
}

describe('pki chain verification', () => {
  let h: Hierarchy;
  let rootPem: string;
  let member: Credential;
  let memberId: string;

  before(async () => {
    h = await makeHierarchy();
    rootPem = h.root.credential.certPem;
    memberId = newId();
    member = await h.membersCa.issueCredential(memberFqdn(h.network, h.serviceId, memberId));
  });

  describe('accepts', () => {
    it('a member chain and returns the member identity', async () => {
      const identity = await verifyChain(member.certPem, chainIntermediates(member.chainPem), rootPem);
      assert.deepEqual(identity, { type: 'member', network: h.network, memberId, serviceId: h.serviceId });
    });

    it('chains of every depth, from the root itself to a member data cert', async () => {
      const chains: Array<[string, string]> = [
        [rootPem, 'root-ca'],
        [h.accountsCa.credential.chainPem, 'accounts-ca'],
        [h.membersCa.credential.chainPem, 'members-ca'],
        [(await h.root.issueCredential(networkDataCn(h.network))).chainPem, 'network-data'],
        [(await h.accountsCa.issueCredential(accountFqdn(h.network, newId()))).chainPem, 'account'],
        [
          (await h.membersCa.issueCredential(memberDataCn(h.network, h.serviceId, newId()))).chainPem,
          'member-data',
        ],
      ];
      for (const [chainPem, type] of chains) {
        assert.equal((await verifyChainBundle(chainPem, rootPem)).type, type);
      }
    });

    it('intermediates in any order, as bundles that also hold the leaf and the root', async () => {
      const reversed = chainIntermediates(member.chainPem).reverse();
      assert.equal((await verifyChain(member.certPem, reversed, rootPem)).type, 'member');
      const everything = joinPemBundle([member.chainPem, rootPem]);
      assert.equal((await verifyChain(member.certPem, [everything], rootPem)).type, 'member');
    });
  });

  describe('refuses', () => {
    it('a chain of another network', async () => {
      const other = await makeHierarchy('other.test');
      const foreign = await other.membersCa.issueCredential(memberFqdn('other.test', h.serviceId, newId()));
      await assert.rejects(
        verifyChainBundle(foreign.chainPem, rootPem),
        CHAIN_ERROR(/belongs to network 'other.test', not 'byoda.test'/),
      );
    });

    it("a name of another network even when signed by this network's CA key", async () => {
      const { certPem } = await forgeCertificate(h.accountsCa.credential, accountFqdn('other.test', newId()));
      await assert.rejects(
        verifyChain(certPem, [h.accountsCa.credential.chainPem], rootPem),
        CHAIN_ERROR(/belongs to network 'other.test'/),
      );
    });

    it('an impostor hierarchy with the same network name but another root key', async () => {
      const impostor = await makeHierarchy(h.network, h.serviceId);
      const fake = await impostor.membersCa.issueCredential(memberFqdn(h.network, h.serviceId, memberId));
      await assert.rejects(
        verifyChainBundle(fake.chainPem, rootPem),
        CHAIN_ERROR(/does not lead to root-ca/),
      );
    });

    it('an expired leaf', async () => {
      const expired = await h.accountsCa.issueCredential(accountFqdn(h.network, newId()), {
        validity: { notBefore: new Date(Date.now() - 30 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) },
      });
      await assert.rejects(verifyChainBundle(expired.chainPem, rootPem), CHAIN_ERROR(/expired on \d{4}-/));
    });

    it('a leaf under an expired intermediate CA', async () => {
      const past = { notBefore: new Date(Date.now() - 30 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) };
      const oldMembersCa = CertificateAuthority.fromCredential(
        await h.serviceCa.issueCredential(membersCaCn(h.network, h.serviceId), { validity: past }),
      );
      // Our CAs clamp a leaf to its issuer's life, so forge a leaf that is itself still valid.
      const { certPem } = await forgeCertificate(
        oldMembersCa.credential,
        memberFqdn(h.network, h.serviceId, newId()),
      );
      await assert.rejects(
        verifyChain(certPem, [oldMembersCa.credential.chainPem], rootPem),
        CHAIN_ERROR(/'members-ca\.members-\d+\.byoda\.test' expired/),
      );
    });

    it('a chain checked at a moment outside its validity (`at`)', async () => {
      const intermediates = chainIntermediates(member.chainPem);
      const later = new Date(Date.now() + 400 * DAY_MS);
      await assert.rejects(
        verifyChain(member.certPem, intermediates, rootPem, { at: later }),
        CHAIN_ERROR(/expired/),
      );
      const earlier = new Date(Date.now() - DAY_MS);
      await assert.rejects(
        verifyChain(member.certPem, intermediates, rootPem, { at: earlier }),
        CHAIN_ERROR(/not valid before/),
      );
    });

    it('a tampered certificate (changed content or signature)', async () => {
      const intermediates = chainIntermediates(member.chainPem);
      // The member id sits in the subject; change its first character to another hex digit (still a
      // well-formed certificate). Always a different one, or the "tampered" cert would be the original.
      const der = Buffer.from(new x509.X509Certificate(member.certPem).rawData);
      const idOffset = der.indexOf(Buffer.from(memberId));
      assert.ok(idOffset > 0);
      const replacement = memberId.startsWith('f') ? 'e' : 'f';
      const changedId = x509.PemConverter.encode(
        Buffer.concat([der.subarray(0, idOffset), Buffer.from(replacement), der.subarray(idOffset + 1)]),
        'CERTIFICATE',
      );
      await assert.rejects(
        verifyChain(changedId, intermediates, rootPem),
        CHAIN_ERROR(/signature .* does not verify/),
      );
      await assert.rejects(
        verifyChain(tamper(member.certPem, -3), intermediates, rootPem),
        CHAIN_ERROR(/does not verify|not a valid X.509/),
      );
    });

    it('a tampered intermediate', async () => {
      const [membersCa, ...rest] = chainIntermediates(member.chainPem);
      assert.ok(membersCa);
      await assert.rejects(
        verifyChain(member.certPem, [tamper(membersCa, -3), ...rest], rootPem),
        CHAIN_ERROR(/does not verify|not a valid X.509/),
      );
    });

    it('after the same CAs verified (their parse and signatures are remembered), a tampered intermediate or a moment past their validity', async () => {
      const intermediates = chainIntermediates(member.chainPem);
      await verifyChain(member.certPem, intermediates, rootPem);
      await verifyChain(member.certPem, intermediates, rootPem);
      const [membersCa, ...rest] = intermediates;
      assert.ok(membersCa);
      await assert.rejects(
        verifyChain(member.certPem, [tamper(membersCa, -3), ...rest], rootPem),
        CHAIN_ERROR(/does not verify|not a valid X.509/),
      );
      await assert.rejects(
        verifyChain(member.certPem, intermediates, rootPem, { at: new Date(Date.now() + 400 * DAY_MS) }),
        CHAIN_ERROR(/expired/),
      );
      const impostor = await makeHierarchy();
      await assert.rejects(
        verifyChain(member.certPem, intermediates, impostor.root.credential.certPem),
        CHAIN_ERROR(/does not lead to|does not verify/),
      );
    });

    it('a chain with a missing intermediate', async () => {
      const [, ...withoutMembersCa] = chainIntermediates(member.chainPem);
      await assert.rejects(
        verifyChain(member.certPem, withoutMembersCa, rootPem),
        CHAIN_ERROR(/does not lead to root-ca\.byoda\.test: no issuer 'CN=members-ca/),
      );
    });

    it('a certificate signed by a leaf (not a CA)', async () => {
      const { certPem } = await forgeCertificate(member, memberFqdn(h.network, h.serviceId, newId()));
      await assert.rejects(verifyChain(certPem, [member.chainPem], rootPem), CHAIN_ERROR(/is not a CA/));
    });

    it('a certificate a CA may not issue (an accounts CA key signing a member cert)', async () => {
      const { certPem } = await forgeCertificate(
        h.accountsCa.credential,
        memberFqdn(h.network, h.serviceId, newId()),
      );
      await assert.rejects(
        verifyChain(certPem, [h.accountsCa.credential.chainPem], rootPem),
        CHAIN_ERROR(/'accounts-ca\.byoda\.test' may not issue/),
      );
    });

    it('a leaf name on a CA certificate', async () => {
      const { certPem } = await forgeCertificate(
        h.membersCa.credential,
        memberFqdn(h.network, h.serviceId, newId()),
        {
          ca: true,
        },
      );
      await assert.rejects(
        verifyChain(certPem, [h.membersCa.credential.chainPem], rootPem),
        CHAIN_ERROR(/is a CA but names a leaf/),
      );
    });

    it('a chain longer than a CA pathLength allows', async () => {
      // A second members CA under the real one (pathLength 0), then a member under it.
      const subCa = await forgeCertificate(h.membersCa.credential, membersCaCn(h.network, h.serviceId), {
        ca: true,
      });
      const subCredential = {
        ...h.membersCa.credential,
        certPem: subCa.certPem,
        keys: subCa.keys,
      };
      const leaf = await forgeCertificate(subCredential, memberFqdn(h.network, h.serviceId, newId()));
      await assert.rejects(
        verifyChain(leaf.certPem, [subCa.certPem, h.membersCa.credential.chainPem], rootPem),
        CHAIN_ERROR(/longer than its pathLength 0/),
      );
    });

    it('a root that is not a network root CA or not self-signed', async () => {
      await assert.rejects(
        verifyChainBundle(member.chainPem, h.servicesCa.credential.certPem),
        CHAIN_ERROR(/is not a network root CA/),
      );
      const { certPem } = await forgeCertificate(h.root.credential, rootCaCn(h.network), { ca: true });
      await assert.rejects(verifyRootCa(certPem), CHAIN_ERROR(/not validly self-signed/));
    });

    it('input that is not a certificate', async () => {
      await assert.rejects(verifyChain('nope', [], rootPem), CHAIN_ERROR(/exactly one PEM certificate/));
      await assert.rejects(verifyChainBundle('', rootPem), CHAIN_ERROR(/no certificate/));
      const garbage = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
      await assert.rejects(verifyChain(garbage, [], rootPem), CHAIN_ERROR(/not a valid X.509/));
    });
  });

  describe('PEM bundles', () => {
    it('splits a bundle into its certificates, in order, ignoring text around them', () => {
      const [a, b] = splitPemBundle(member.chainPem);
      assert.ok(a && b);
      const messy = `subject=x\r\n${a.replace(/\n/g, '\r\n')}junk\n${b}trailing`;
      assert.deepEqual(splitPemBundle(messy), [a, b]);
      assert.deepEqual(splitPemBundle(joinPemBundle([a.trimEnd(), b])), [a, b]);
      assert.deepEqual(splitPemBundle('no certificates'), []);
    });
  });
});
