/**
 * Chain verification at its edges (the mutation survivors of scope `pki`, docs/testing.md): the
 * bounds of a path (length, loops), how an issuer is found (name, key ids), each X.509 rule with
 * its own message, validity to the millisecond on both sides, and the remembered parses and
 * signatures, which must never vouch for a pair they did not verify.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chainIntermediates,
  memberFqdn,
  membersCaCn,
  rootCaCn,
  serviceCaCn,
  verifyChain,
  verifyRootCa,
} from '../../../src/pki/index.js';
import { x509 } from '../../../src/pki/x509.js';
import { forgeCertificate, makeHierarchy, newId } from '../../fixtures/pki.js';
import type { ForgeOptions, Hierarchy } from '../../fixtures/pki.js';
import type { Credential, CryptoKeyPair } from '../../../src/pki/index.js';

const CHAIN_ERROR = (message: RegExp): { code: string; message: RegExp } => ({
  code: 'BYODA_ERR_CERT_CHAIN',
  message,
});
const GARBAGE_PEM = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';

type Forged = { certPem: string; keys: CryptoKeyPair };

describe('pki chain verification at its edges', () => {
  let h: Hierarchy;
  let rootPem: string;
  let member: Credential;
  /** A forged certificate as the issuer of the next forgery. */
  let asIssuer: (forged: Forged) => Credential;
  const memberName = (): string => memberFqdn(h.network, h.serviceId, newId());
  const membersCaName = (): string => membersCaCn(h.network, h.serviceId);

  /** A certificate named `cn`, self-signed with a key of its own (first certified by `by`). */
  async function selfSigned(by: Credential, cn: string, options: ForgeOptions = {}): Promise<Forged> {
    const first = await forgeCertificate(by, cn, options);
    return forgeCertificate(asIssuer(first), cn, { ...options, keys: first.keys });
  }

  before(async () => {
    h = await makeHierarchy();
    rootPem = h.root.credential.certPem;
    member = await h.membersCa.issueCredential(memberName());
    asIssuer = (forged) => ({ ...h.membersCa.credential, certPem: forged.certPem, keys: forged.keys });
  });

  describe('the path', () => {
    it('refuses a chain of 6 CAs below the root as too long, and takes 5 past the length bound', async () => {
      const cas: Forged[] = [];
      let issuer = h.root.credential;
      for (let i = 0; i < 6; i++) {
        const ca = await forgeCertificate(issuer, membersCaName(), { ca: true });
        cas.unshift(ca);
        issuer = asIssuer(ca);
      }
      const leaf = await forgeCertificate(issuer, memberName());
      await assert.rejects(
        verifyChain(
          leaf.certPem,
          cas.map((ca) => ca.certPem),
          rootPem,
        ),
        CHAIN_ERROR(/^the chain of '.*' is too long$/),
      );
      // One CA fewer is within the bound: the path is built, and a link check refuses it instead.
      const [, ...fiveCas] = cas;
      const shorter = await forgeCertificate(asIssuer(fiveCas[0] as Forged), memberName());
      const err = await verifyChain(
        shorter.certPem,
        fiveCas.map((ca) => ca.certPem),
        rootPem,
      ).then(
        () => assert.fail('a members CA under the root must not verify'),
        (cause: Error) => cause,
      );
      assert.match(err.message, /may not issue|pathLength/);
    });

    it('refuses a loop: an intermediate that issued itself', async () => {
      const loopCa = await selfSigned(h.serviceCa.credential, membersCaName(), { ca: true });
      const leaf = await forgeCertificate(asIssuer(loopCa), memberName());
      await assert.rejects(
        verifyChain(leaf.certPem, [loopCa.certPem], rootPem),
        CHAIN_ERROR(/^the chain of '.*' has a loop at 'CN=members-ca\.members-\d+\.byoda\.test'$/),
      );
    });

    it('skips the leaf among the intermediates: a self-signed leaf is not its own issuer', async () => {
      const leaf = await selfSigned(h.membersCa.credential, memberName());
      await assert.rejects(
        verifyChain(leaf.certPem, [leaf.certPem, rootPem], rootPem),
        CHAIN_ERROR(/does not lead to root-ca\.byoda\.test: no issuer 'CN=/),
      );
    });

    it('finds an issuer by name when the key ids are missing on either side', async () => {
      // A leaf without key ids, under a CA that has them: the root's key id must not match it.
      const bare = await forgeCertificate(h.membersCa.credential, memberName(), { keyIds: false });
      const intermediates = [h.membersCa.credential.chainPem];
      assert.equal((await verifyChain(bare.certPem, intermediates, rootPem)).type, 'member');
      // A CA without key ids (so with no authority key id to its own issuer) over a leaf that has one.
      const bareCa = await forgeCertificate(h.serviceCa.credential, membersCaName(), {
        ca: true,
        keyIds: false,
      });
      const leaf = await forgeCertificate(asIssuer(bareCa), memberName());
      const withBareCa = [bareCa.certPem, h.serviceCa.credential.chainPem];
      assert.equal((await verifyChain(leaf.certPem, withBareCa, rootPem)).type, 'member');
    });
  });

  describe('each rule, with its message', () => {
    it('refuses a CA whose keyUsage lacks keyCertSign', async () => {
      const ca = await forgeCertificate(h.serviceCa.credential, membersCaName(), {
        ca: true,
        keyUsage: x509.KeyUsageFlags.digitalSignature,
      });
      const leaf = await forgeCertificate(asIssuer(ca), memberName());
      await assert.rejects(
        verifyChain(leaf.certPem, [ca.certPem, h.serviceCa.credential.chainPem], rootPem),
        CHAIN_ERROR(/^'members-ca\..*' may not sign certificates \(keyUsage lacks keyCertSign\)$/),
      );
    });

    it('refuses a CA name on a certificate that is not a CA', async () => {
      const { certPem } = await forgeCertificate(h.serviceCa.credential, membersCaName());
      await assert.rejects(
        verifyChain(certPem, [h.serviceCa.credential.chainPem], rootPem),
        CHAIN_ERROR(/^'members-ca\..*' names a CA but is not a CA$/),
      );
    });

    it('refuses a name that is no certificate name of the network', async () => {
      const { certPem } = await forgeCertificate(h.membersCa.credential, 'not-a-byoda-name');
      await assert.rejects(
        verifyChain(certPem, [h.membersCa.credential.chainPem], rootPem),
        CHAIN_ERROR(/^'not-a-byoda-name' is not a certificate name of network 'byoda\.test'$/),
      );
    });

    it('takes the critical extensions it understands and refuses an unknown critical one', async () => {
      const name = memberName();
      const understood = await forgeCertificate(h.membersCa.credential, name, {
        keyIds: 'critical',
        extensions: [
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], true),
          new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: name }], true),
        ],
      });
      const intermediates = [h.membersCa.credential.chainPem];
      assert.equal((await verifyChain(understood.certPem, intermediates, rootPem)).type, 'member');
      const oid = '1.3.6.1.4.1.55555.1';
      const nullValue = new Uint8Array([0x05, 0x00]);
      const unknown = await forgeCertificate(h.membersCa.credential, memberName(), {
        extensions: [new x509.Extension(oid, true, nullValue)],
      });
      await assert.rejects(
        verifyChain(unknown.certPem, intermediates, rootPem),
        CHAIN_ERROR(/^'.*' has an unsupported critical extension 1\.3\.6\.1\.4\.1\.55555\.1$/),
      );
      const notCritical = await forgeCertificate(h.membersCa.credential, memberName(), {
        extensions: [new x509.Extension(oid, false, nullValue)],
      });
      assert.equal((await verifyChain(notCritical.certPem, intermediates, rootPem)).type, 'member');
    });

    it('refuses a root that its own key signed under another issuer name', async () => {
      const first = await forgeCertificate(h.root.credential, 'not-the-root', { ca: true });
      const root = await forgeCertificate(asIssuer(first), rootCaCn(h.network), {
        ca: true,
        keys: first.keys,
      });
      await assert.rejects(verifyRootCa(root.certPem), CHAIN_ERROR(/is not validly self-signed/));
    });

    it('names which certificate is not one: the leaf, an intermediate or the root', async () => {
      await assert.rejects(
        verifyChain('nope', [], rootPem),
        CHAIN_ERROR(/^the certificate must be exactly one PEM certificate$/),
      );
      await assert.rejects(
        verifyChain(member.certPem, [GARBAGE_PEM], rootPem),
        CHAIN_ERROR(/^the intermediate certificate is not a valid X\.509 certificate$/),
      );
      await assert.rejects(
        verifyChain(member.certPem, [], GARBAGE_PEM),
        CHAIN_ERROR(/^the root certificate is not a valid X\.509 certificate$/),
      );
    });

    it('turns a malformed extension found late into a chain error with its cause', async () => {
      const { certPem } = await forgeCertificate(h.membersCa.credential, memberName(), {
        extensions: [new x509.Extension('2.5.29.15', false, new Uint8Array([0x04, 0x01, 0xff]))],
      });
      const err = await verifyChain(certPem, [h.membersCa.credential.chainPem], rootPem).then(
        () => assert.fail('a malformed keyUsage must not verify'),
        (cause: unknown) => cause,
      );
      assert.deepEqual(
        { code: (err as { code?: string }).code, message: (err as Error).message },
        { code: 'BYODA_ERR_CERT_CHAIN', message: 'a certificate of the chain is malformed' },
      );
      assert.ok((err as Error).cause instanceof Error);
    });

    it('refuses a signature that is not even a well-formed ECDSA value', async () => {
      const der = Buffer.from(new x509.X509Certificate(member.certPem).rawData);
      // The signature is the last element: BIT STRING (03 len 00), SEQUENCE (30 len), INTEGER (02) r.
      const at = [...der.subarray(der.length - 80)].findIndex(
        (byte, i, tail) => byte === 0x03 && tail[i + 2] === 0x00 && tail[i + 3] === 0x30,
      );
      assert.ok(at >= 0);
      const integerTag = der.length - 80 + at + 5;
      assert.equal(der[integerTag], 0x02);
      der[integerTag] = 0x04;
      const malformed = x509.PemConverter.encode(der, 'CERTIFICATE');
      await assert.rejects(
        verifyChain(malformed, chainIntermediates(member.chainPem), rootPem),
        CHAIN_ERROR(/^the signature of '.*' does not verify with the key of 'members-ca\./),
      );
    });
  });

  describe('validity, to the millisecond', () => {
    it('accepts at notBefore and at notAfter, refuses a millisecond outside, whatever the clock says', async () => {
      // In the future, so that only `at` (never the real clock) can make it valid.
      const second = 1000;
      const notBefore = new Date(Math.ceil((Date.now() + 60 * second) / second) * second);
      const notAfter = new Date(notBefore.getTime() + 3600 * second);
      const { certPem } = await forgeCertificate(h.membersCa.credential, memberName(), {
        validity: { notBefore, notAfter },
      });
      const intermediates = [h.membersCa.credential.chainPem];
      const at = (ms: number): Promise<unknown> =>
        verifyChain(certPem, intermediates, rootPem, { at: new Date(ms) });
      assert.equal(((await at(notBefore.getTime())) as { type: string }).type, 'member');
      assert.equal(((await at(notAfter.getTime())) as { type: string }).type, 'member');
      await assert.rejects(at(notBefore.getTime() - 1), CHAIN_ERROR(/is not valid before/));
      await assert.rejects(at(notAfter.getTime() + 1), CHAIN_ERROR(/expired on/));
    });
  });

  describe('what is remembered', () => {
    it('never takes a signature verified with one issuer as verified with another of the same name', async () => {
      const [membersCaPem, serviceCaPem, servicesCaPem] = chainIntermediates(member.chainPem);
      assert.ok(membersCaPem && serviceCaPem && servicesCaPem);
      // The members CA's signature by the real service CA is verified (and remembered) here...
      await verifyChain(member.certPem, [membersCaPem, serviceCaPem, servicesCaPem], rootPem);
      // ...then a service CA of the same name but another key, without key ids so that the name decides.
      const impostor = await forgeCertificate(h.servicesCa.credential, serviceCaCn(h.network, h.serviceId), {
        ca: true,
        keyIds: false,
      });
      await assert.rejects(
        verifyChain(member.certPem, [membersCaPem, impostor.certPem, servicesCaPem], rootPem),
        CHAIN_ERROR(/^the signature of 'members-ca\..*' does not verify with the key of 'service-ca\./),
      );
    });
  });
});
