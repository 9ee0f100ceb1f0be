/**
 * What a pod keeps of its custom domain, under `<data>/acme/` (mode 0600 files):
 *
 * | path                 | what                                                        |
 * |----------------------|-------------------------------------------------------------|
 * | `account.key`        | the ACME account key (encrypted PKCS#8, the pod passphrase) |
 * | `<domain>.key`       | the certificate's key (encrypted PKCS#8)                    |
 * | `<domain>.pem`       | the certificate chain the CA issued (leaf first)            |
 *
 * Kept so that a restart serves the certificate it has instead of ordering a new one (CAs limit how
 * many certificates a name gets a week), and re-uses the account the CA knows.
 */
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ByodaError } from '../../errors/index.js';
import { writeFileAtomic } from '../lifecycle/layout.js';
import type { Validity } from './renewal.js';

export interface AcmeFiles {
  readonly dir: string;
  readonly accountKey: string;
  readonly certKey: string;
  readonly certChain: string;
}

export function acmeFiles(dataDir: string, domain: string): AcmeFiles {
  const dir = join(dataDir, 'acme');
  return {
    dir,
    accountKey: join(dir, 'account.key'),
    certKey: join(dir, `${domain}.key`),
    certChain: join(dir, `${domain}.pem`),
  };
}

/** A certificate for the domain with its key, as the web port serves it. */
export interface DomainCertificate extends Validity {
  /** PEM chain, leaf first. */
  readonly cert: string;
  /** PEM private key, unencrypted (in memory only). */
  readonly key: string;
  readonly serialNumber: string;
}

/** A fresh ECDSA P-256 key as unencrypted PKCS#8 PEM (what acme-client signs and CSRs with). */
export function newPrivateKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The stored account key, or a new one written first. */
export async function loadOrCreateAccountKey(files: AcmeFiles, passphrase: string): Promise<string> {
  const stored = await readKey(files.accountKey, passphrase);
  if (stored !== undefined) return stored;
  const key = newPrivateKeyPem();
  await writeKey(files, files.accountKey, key, passphrase);
  return key;
}

/** The stored certificate for the domain, if both files are there and it names the domain. */
export async function loadCertificate(
  files: AcmeFiles,
  domain: string,
  passphrase: string,
): Promise<DomainCertificate | undefined> {
  const cert = await readFile(files.certChain, 'utf8').catch(() => undefined);
  const key = await readKey(files.certKey, passphrase);
  if (cert === undefined || key === undefined) return undefined;
  const parsed = domainCertificate(cert, key);
  return new X509Certificate(cert).checkHost(domain) !== undefined ? parsed : undefined;
}

/** Writes the key before the chain: a chain on disk always has its key beside it. */
export async function storeCertificate(
  files: AcmeFiles,
  certificate: DomainCertificate,
  passphrase: string,
): Promise<void> {
  await writeKey(files, files.certKey, certificate.key, passphrase);
  await writeFileAtomic(files.certChain, certificate.cert, 0o600);
}

/** Validity and serial of a chain the CA sent (its first certificate). */
export function domainCertificate(cert: string, key: string): DomainCertificate {
  const leaf = new X509Certificate(cert);
  return {
    cert,
    key,
    serialNumber: leaf.serialNumber,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
  };
}

async function readKey(path: string, passphrase: string): Promise<string | undefined> {
  const pem = await readFile(path, 'utf8').catch(() => undefined);
  if (pem === undefined) return undefined;
  try {
    return createPrivateKey({ key: pem, passphrase }).export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch (err) {
    throw new ByodaError('BYODA_ERR_KEY_PASSPHRASE', `cannot decrypt ${path} with the pod passphrase`, {
      cause: err,
    });
  }
}

async function writeKey(files: AcmeFiles, path: string, pem: string, passphrase: string): Promise<void> {
  await mkdir(files.dir, { recursive: true, mode: 0o700 });
  const encrypted = createPrivateKey(pem)
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })
    .toString();
  await writeFileAtomic(path, encrypted, 0o600);
}
