import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCsr, generateKeyPair, memberDataCn, memberFqdn, verifyCsr } from '../../../src/pki/index.js';
import { subtle, x509 } from '../../../src/pki/x509.js';
import { NETWORK, SERVICE_ID, csrFor, foreignKeyCsr, newId } from '../../fixtures/pki.js';

const SAN_OID = '2.5.29.17';
const MEMBER_CN = memberFqdn(NETWORK, SERVICE_ID, newId());

/** The CSR's DER with one byte flipped in its signature (the last bytes of the structure). */
function withBrokenSignature(csrPem: string): string {
  const der = Buffer.from(new x509.Pkcs10CertificateRequest(csrPem).rawData);
  der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0x01;
  return x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
}

/** The CSR's DER with a byte of its public key's point changed: no longer a point of P-256. */
function withKeyOffTheCurve(csrPem: string): string {
  const der = Buffer.from(new x509.Pkcs10CertificateRequest(csrPem).rawData);
  // The key is the BIT STRING `03 42 00 04 <x> <y>` of an uncompressed P-256 point.
  const at = der.indexOf(Buffer.from([0x03, 0x42, 0x00, 0x04]));
  assert.ok(at > 0, 'no P-256 point in the CSR');
  der[at + 20] = (der[at + 20] ?? 0) ^ 0xff;
  return x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
}

describe('pki CSRs', () => {
  it('creates a CSR that verifies and carries the CN and the key', async () => {
    const { keys, csrPem } = await csrFor(MEMBER_CN);
    assert.match(csrPem, /^-----BEGIN CERTIFICATE REQUEST-----/);
    const csr = await verifyCsr(csrPem);
    assert.equal(csr.commonName, MEMBER_CN);
    const [got, want] = await Promise.all([
      subtle.exportKey('spki', csr.publicKey),
      subtle.exportKey('spki', keys.publicKey),
    ]);
    assert.deepEqual(Buffer.from(got), Buffer.from(want));
  });

  it('requests the CN as DNS SAN for a TLS name only', async () => {
    const san = async (cn: string): Promise<x509.Extension | null> =>
      new x509.Pkcs10CertificateRequest((await csrFor(cn)).csrPem).getExtension(SAN_OID);
    const tls = await san(MEMBER_CN);
    assert.ok(tls instanceof x509.SubjectAlternativeNameExtension);
    assert.deepEqual(tls.names.toJSON(), [{ type: 'dns', value: MEMBER_CN }]);
    assert.equal(await san(memberDataCn(NETWORK, SERVICE_ID, newId())), null);
  });

  it('refuses to create a CSR for a name that is not of the network forms', async () => {
    await assert.rejects(createCsr('www.example.com', await generateKeyPair()), { code: 'BYODA_ERR_CSR' });
  });

  it('refuses malformed PEM', async () => {
    const { csrPem } = await csrFor(MEMBER_CN);
    const bad = [
      '',
      'hello',
      csrPem.replace('CERTIFICATE REQUEST', 'CERTIFICATE'),
      '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
      csrPem.slice(0, 200) + '\n-----END CERTIFICATE REQUEST-----\n',
      csrPem + csrPem,
      csrPem.replace(/\n(.)/, '\n!$1'),
      `${csrPem}${'A'.repeat(10_000)}`,
    ];
    for (const pem of bad) {
      await assert.rejects(
        verifyCsr(pem),
        { code: 'BYODA_ERR_CSR', message: /malformed/ },
        JSON.stringify(pem),
      );
    }
  });

  it('refuses a CSR whose signature does not verify', async () => {
    const { csrPem } = await csrFor(MEMBER_CN);
    await assert.rejects(verifyCsr(withBrokenSignature(csrPem)), {
      code: 'BYODA_ERR_CSR',
      message: /signature .* does not verify/,
    });
  });

  // Found by test/fuzz/pki.fuzz.test.ts: WebCrypto's DataError escaped, and servers answered 500.
  it('refuses a CSR whose key is not a point of the curve with BYODA_ERR_CSR', async () => {
    const { csrPem } = await csrFor(MEMBER_CN);
    await assert.rejects(verifyCsr(withKeyOffTheCurve(csrPem)), {
      code: 'BYODA_ERR_CSR',
      message: /malformed|does not verify/,
    });
  });

  it('refuses an RSA CSR and a P-384 CSR, naming the key', async () => {
    await assert.rejects(verifyCsr(await foreignKeyCsr(MEMBER_CN, 'rsa')), {
      code: 'BYODA_ERR_CSR',
      message: /must use an ECDSA P-256 key, not RSASSA-PKCS1-v1_5/,
    });
    await assert.rejects(verifyCsr(await foreignKeyCsr(MEMBER_CN, 'p384')), {
      code: 'BYODA_ERR_CSR',
      message: /must use an ECDSA P-256 key, not ECDSA P-384/,
    });
  });

  it('refuses a CSR without exactly one CN', async () => {
    const keys = await generateKeyPair();
    for (const name of [[{ O: ['byoda'] }], [{ CN: [MEMBER_CN] }, { CN: [MEMBER_CN] }]]) {
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({
        name,
        keys,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      });
      await assert.rejects(verifyCsr(csr.toString('pem')), { code: 'BYODA_ERR_CSR', message: /exactly one/ });
    }
  });

  it('refuses a CSR signed with another hash than SHA-256', async () => {
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: [{ CN: [MEMBER_CN] }],
      keys: await generateKeyPair(),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
    });
    await assert.rejects(verifyCsr(csr.toString('pem')), { code: 'BYODA_ERR_CSR', message: /SHA-256/ });
  });
});
