import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decryptPrivateKey,
  encryptPrivateKey,
  generateKeyPair,
  readPrivateKeyFile,
  writePrivateKeyFile,
} from '../../../src/pki/index.js';
import { subtle } from '../../../src/pki/x509.js';
import { tempDir } from '../../fixtures/pki.js';
import type { CryptoKeyPair } from '../../../src/pki/index.js';

const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** Whether `signer`'s private key and `verifier`'s public key are the same pair. */
async function samePair(signer: CryptoKeyPair, verifier: CryptoKeyPair): Promise<boolean> {
  const data = new TextEncoder().encode('byoda');
  const signature = await subtle.sign(ECDSA_SHA256, signer.privateKey, data);
  return subtle.verify(ECDSA_SHA256, verifier.publicKey, signature, data);
}

describe('pki keys', () => {
  let dir = '';
  let remove = async (): Promise<void> => {};
  before(async () => ({ dir, remove } = await tempDir('keys')));
  after(() => remove());

  it('generates ECDSA P-256 key pairs', async () => {
    const keys = await generateKeyPair();
    assert.deepEqual(keys.publicKey.algorithm, { name: 'ECDSA', namedCurve: 'P-256' });
  });

  it('round-trips a key pair through encrypted PKCS#8 PEM', async () => {
    const keys = await generateKeyPair();
    const pem = encryptPrivateKey(keys.privateKey, 'correct horse');
    assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    const back = await decryptPrivateKey(pem, 'correct horse');
    assert.equal(await samePair(keys, back), true);
    assert.equal(await samePair(back, keys), true);
  });

  it('refuses a wrong passphrase with BYODA_ERR_KEY_PASSPHRASE', async () => {
    const pem = encryptPrivateKey((await generateKeyPair()).privateKey, 'right');
    await assert.rejects(decryptPrivateKey(pem, 'wrong'), { code: 'BYODA_ERR_KEY_PASSPHRASE' });
  });

  it('refuses an empty passphrase, both ways', async () => {
    const keys = await generateKeyPair();
    assert.throws(() => encryptPrivateKey(keys.privateKey, ''), { code: 'BYODA_ERR_KEY_PASSPHRASE' });
    const pem = encryptPrivateKey(keys.privateKey, 'x');
    await assert.rejects(decryptPrivateKey(pem, ''), { code: 'BYODA_ERR_KEY_PASSPHRASE' });
  });

  it('refuses an unencrypted key and a key that is not P-256', async () => {
    const plain = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    await assert.rejects(decryptPrivateKey(plain, 'x'), { code: 'BYODA_ERR_PKI', message: /encrypted/ });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' })
      .toString();
    await assert.rejects(decryptPrivateKey(p384, 'x'), { code: 'BYODA_ERR_PKI', message: /P-256/ });
  });

  it('writes key files encrypted with mode 0600 and reads them back', async () => {
    const keys = await generateKeyPair();
    const path = join(dir, 'member.key');
    await writeFile(path, 'stale', { mode: 0o644 }); // an existing file must not keep its mode
    await writePrivateKeyFile(path, keys.privateKey, 'pw');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.doesNotMatch(await readFile(path, 'utf8'), /BEGIN PRIVATE KEY/);
    assert.equal(await samePair(keys, await readPrivateKeyFile(path, 'pw')), true);
    await assert.rejects(readPrivateKeyFile(path, 'not pw'), { code: 'BYODA_ERR_KEY_PASSPHRASE' });
  });
});
