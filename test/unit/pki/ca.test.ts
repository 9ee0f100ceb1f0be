import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CertificateAuthority,
  accountDataCn,
  accountFqdn,
  accountsCaCn,
  appsCaCn,
  directoryFqdn,
  generateKeyPair,
  memberDataCn,
  memberFqdn,
  membersCaCn,
  serviceFqdn,
  splitPemBundle,
} from '../../../src/pki/index.js';
import { subtle, x509 } from '../../../src/pki/x509.js';
import { csrFor, makeHierarchy, newId } from '../../fixtures/pki.js';
import type { Hierarchy } from '../../fixtures/pki.js';
import type { CryptoKeyPair } from '../../../src/pki/index.js';

const DAY_MS = 86_400_000;
const { KeyUsageFlags } = x509;

function cert(pem: string): x509.X509Certificate {
  return new x509.X509Certificate(pem);
}

function validityDays(c: x509.X509Certificate): number {
  return Math.round((c.notAfter.getTime() - c.notBefore.getTime()) / DAY_MS);
}

function extensionsOf(c: x509.X509Certificate): {
  basic: x509.BasicConstraintsExtension | null;
  keyUsage: x509.KeyUsagesExtension | null;
  eku: x509.ExtendedKeyUsageExtension | null;
  san: x509.SubjectAlternativeNameExtension | null;
  ski: x509.SubjectKeyIdentifierExtension | null;
  aki: x509.AuthorityKeyIdentifierExtension | null;
} {
  return {
    basic: c.getExtension(x509.BasicConstraintsExtension),
    keyUsage: c.getExtension(x509.KeyUsagesExtension),
    eku: c.getExtension(x509.ExtendedKeyUsageExtension),
    san: c.getExtension(x509.SubjectAlternativeNameExtension),
    ski: c.getExtension(x509.SubjectKeyIdentifierExtension),
    aki: c.getExtension(x509.AuthorityKeyIdentifierExtension),
  };
}

function keyIdOf(ca: CertificateAuthority): string | undefined {
  return cert(ca.credential.certPem).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
}

describe('pki certificate authority', () => {
  let h: Hierarchy;
  before(async () => {
    h = await makeHierarchy();
  });

  describe('certificate profiles', () => {
    it('makes a self-signed root CA valid for 10 years with pathLength 3', async () => {
      const root = cert(h.root.credential.certPem);
      assert.equal(root.subject, `CN=root-ca.${h.network}`);
      assert.equal(root.issuer, root.subject);
      assert.equal(await root.isSelfSigned(), true);
      const { basic, keyUsage, ski, aki } = extensionsOf(root);
      assert.equal(basic?.ca, true);
      assert.equal(basic?.pathLength, 3);
      assert.equal(basic?.critical, true);
      assert.equal(keyUsage?.usages, KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign);
      assert.equal(keyUsage?.critical, true);
      assert.equal(aki?.keyId, ski?.keyId);
      assert.equal(validityDays(root), 3650);
      assert.equal(h.root.credential.chainPem, h.root.credential.certPem);
    });

    it('makes intermediate CAs valid for 5 years with their path lengths and key ids', () => {
      const expected: Array<[CertificateAuthority, CertificateAuthority, number]> = [
        [h.accountsCa, h.root, 0],
        [h.servicesCa, h.root, 2],
        [h.serviceCa, h.servicesCa, 1],
        [h.membersCa, h.serviceCa, 0],
        [h.appsCa, h.serviceCa, 0],
      ];
      for (const [ca, issuer, pathLength] of expected) {
        const c = cert(ca.credential.certPem);
        const { basic, keyUsage, ski, aki, eku, san } = extensionsOf(c);
        assert.equal(basic?.ca, true, ca.commonName);
        assert.equal(basic?.pathLength, pathLength, ca.commonName);
        assert.equal(keyUsage?.usages, KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign);
        assert.ok(ski?.keyId);
        assert.equal(aki?.keyId, keyIdOf(issuer), ca.commonName);
        assert.equal(eku, null);
        assert.equal(san, null);
        assert.equal(validityDays(c), 1825, ca.commonName);
      }
    });

    it('makes TLS certs for servers and clients with the CN as DNS SAN, valid for 1 year', async () => {
      const cn = memberFqdn(h.network, h.serviceId, newId());
      const issued = await h.membersCa.signCsr((await csrFor(cn)).csrPem, cn);
      const c = cert(issued.certPem);
      const { basic, keyUsage, eku, san, aki } = extensionsOf(c);
      assert.equal(basic?.ca, false);
      assert.equal(basic?.critical, true);
      assert.equal(keyUsage?.usages, KeyUsageFlags.digitalSignature);
      assert.deepEqual(
        [...(eku?.usages ?? [])],
        [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
      );
      assert.deepEqual(san?.names.toJSON(), [{ type: 'dns', value: cn }]);
      assert.equal(aki?.keyId, keyIdOf(h.membersCa));
      assert.equal(validityDays(c), 365);
      assert.deepEqual(JSON.parse(JSON.stringify(c.signatureAlgorithm)), {
        name: 'ECDSA',
        hash: { name: 'SHA-256' },
      });
    });

    it('makes the directory cert a server-only TLS cert', async () => {
      const cn = directoryFqdn(h.network);
      const issued = await h.root.signCsr((await csrFor(cn)).csrPem, cn);
      assert.deepEqual(
        [...(extensionsOf(cert(issued.certPem)).eku?.usages ?? [])],
        [x509.ExtendedKeyUsage.serverAuth],
      );
    });

    it('makes data certs for signing only: no SAN, no serverAuth', async () => {
      const cn = memberDataCn(h.network, h.serviceId, newId());
      const issued = await h.membersCa.signCsr((await csrFor(cn)).csrPem, cn);
      const { basic, keyUsage, eku, san } = extensionsOf(cert(issued.certPem));
      assert.equal(basic?.ca, false);
      assert.equal(keyUsage?.usages, KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation);
      assert.equal(eku, null);
      assert.equal(san, null);
    });

    it('gives every certificate a random positive 16-byte serial', async () => {
      const cn = accountFqdn(h.network, newId());
      const { keys } = await csrFor(cn);
      const serials = await Promise.all(
        Array.from(
          { length: 20 },
          async () => cert((await h.accountsCa.issue(cn, keys.publicKey)).certPem).serialNumber,
        ),
      );
      assert.equal(new Set(serials).size, serials.length);
      for (const serial of serials) assert.match(serial, /^[4-7][0-9a-f]{31}$/);
    });

    it('returns the chain without the root: leaf, then the CAs above it', async () => {
      const cn = memberFqdn(h.network, h.serviceId, newId());
      const issued = await h.membersCa.signCsr((await csrFor(cn)).csrPem, cn);
      assert.deepEqual(
        splitPemBundle(issued.chainPem).map((pem) => cert(pem).subject),
        [cn, h.membersCa.commonName, h.serviceCa.commonName, h.servicesCa.commonName].map((n) => `CN=${n}`),
      );
      const accountsChain = splitPemBundle(h.accountsCa.credential.chainPem);
      assert.equal(accountsChain.length, 1);
    });
  });

  describe('validity', () => {
    it('never lets a certificate outlive its issuer', async () => {
      const cn = accountFqdn(h.network, newId());
      const { keys } = await csrFor(cn);
      const issued = await h.accountsCa.issue(cn, keys.publicKey, { validity: { days: 100_000 } });
      assert.equal(
        cert(issued.certPem).notAfter.getTime(),
        cert(h.accountsCa.credential.certPem).notAfter.getTime(),
      );
    });

    it('issues already expired certificates when asked (for tests)', async () => {
      const cn = accountFqdn(h.network, newId());
      const { keys } = await csrFor(cn);
      const notAfter = new Date(Date.now() - DAY_MS);
      const issued = await h.accountsCa.issue(cn, keys.publicKey, {
        validity: { notBefore: new Date(Date.now() - 10 * DAY_MS), notAfter },
      });
      assert.equal(cert(issued.certPem).notAfter.getTime(), Math.floor(notAfter.getTime() / 1000) * 1000);
    });

    it('refuses a validity that ends before it starts', async () => {
      const cn = accountFqdn(h.network, newId());
      const { keys } = await csrFor(cn);
      await assert.rejects(
        h.accountsCa.issue(cn, keys.publicKey, { validity: { notBefore: new Date(), days: -1 } }),
        { code: 'BYODA_ERR_PKI' },
      );
    });
  });

  describe('what a CA signs', () => {
    it('signs a CSR for the expected CN', async () => {
      const accountId = newId();
      const cn = accountFqdn(h.network, accountId);
      const issued = await h.accountsCa.signCsr((await csrFor(cn)).csrPem, cn);
      assert.deepEqual(issued.identity, { type: 'account', network: h.network, accountId });
      assert.equal(issued.commonName, cn);
    });

    it("refuses a CSR asking for someone else's CN", async () => {
      const mine = memberFqdn(h.network, h.serviceId, newId());
      const theirs = memberFqdn(h.network, h.serviceId, newId());
      await assert.rejects(h.membersCa.signCsr((await csrFor(theirs)).csrPem, mine), {
        code: 'BYODA_ERR_CSR',
        message: new RegExp(`asks for '${theirs}' but '${mine}' was expected`),
      });
    });

    it('refuses a CSR that the predicate does not allow', async () => {
      const cn = accountDataCn(h.network, newId());
      await assert.rejects(
        h.accountsCa.signCsr((await csrFor(cn)).csrPem, (id) => id.type === 'account'),
        { code: 'BYODA_ERR_CSR', message: new RegExp(cn) },
      );
    });

    it('refuses a CSR for a type this CA may not issue, naming the CN', async () => {
      const otherService = h.serviceId - 1;
      const cases: Array<[CertificateAuthority, string]> = [
        [h.accountsCa, memberFqdn(h.network, h.serviceId, newId())],
        [h.root, accountFqdn(h.network, newId())],
        [h.servicesCa, membersCaCn(h.network, h.serviceId)],
        [h.serviceCa, memberFqdn(h.network, h.serviceId, newId())],
        [h.membersCa, memberFqdn(h.network, otherService, newId())],
        [h.membersCa, serviceFqdn(h.network, h.serviceId)],
        [h.appsCa, memberFqdn(h.network, h.serviceId, newId())],
        [h.serviceCa, appsCaCn(h.network, otherService)],
      ];
      for (const [ca, cn] of cases) {
        await assert.rejects(
          ca.signCsr((await csrFor(cn)).csrPem, () => true),
          { code: 'BYODA_ERR_CSR', message: new RegExp(`${ca.commonName} may not issue .*'${cn}'`) },
          `${ca.commonName} -> ${cn}`,
        );
      }
    });

    it('refuses a CSR for a name of another network', async () => {
      const cn = accountFqdn('other.test', newId());
      await assert.rejects(
        h.accountsCa.signCsr((await csrFor(cn)).csrPem, () => true),
        {
          code: 'BYODA_ERR_CSR',
          message: /not a certificate name of network 'byoda.test'/,
        },
      );
    });

    it('applies the same rules when issuing for a key without a CSR', async () => {
      const keys = await generateKeyPair();
      await assert.rejects(h.accountsCa.issue(memberFqdn(h.network, h.serviceId, newId()), keys.publicKey), {
        code: 'BYODA_ERR_PKI',
        message: /may not issue/,
      });
    });

    it('refuses a key that is not P-256', async () => {
      const { publicKey } = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
        'sign',
        'verify',
      ])) as CryptoKeyPair;
      await assert.rejects(h.accountsCa.issue(accountFqdn(h.network, newId()), publicKey), {
        code: 'BYODA_ERR_PKI',
        message: /ECDSA P-256/,
      });
    });

    it('refuses to issue once it has expired', async () => {
      const past = { notBefore: new Date(Date.now() - 30 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) };
      const expiredCa = CertificateAuthority.fromCredential(
        await h.root.issueCredential(accountsCaCn(h.network), { validity: past }),
      );
      await assert.rejects(expiredCa.issueCredential(accountFqdn(h.network, newId())), {
        code: 'BYODA_ERR_PKI',
        message: /expired on/,
      });
    });

    it('cannot be made from a leaf credential', async () => {
      const leaf = await h.accountsCa.issueCredential(accountFqdn(h.network, newId()));
      assert.throws(() => CertificateAuthority.fromCredential(leaf), { code: 'BYODA_ERR_PKI' });
    });
  });
});
