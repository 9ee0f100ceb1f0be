/**
 * Credentials on disk. A credential named `<name>` in a folder is two files:
 *
 * - `<name>.pem`: its chain, leaf first, then the intermediates, never the root (mode 0644);
 * - `<name>.key`: its private key, encrypted PKCS#8 PEM (mode 0600).
 *
 * The network's root certificate is `root-ca.pem` in the same folder (the root's own key, in the
 * directory's folder only, is `root-ca.key`).
 */
import { access, chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ByodaError } from '../errors/index.js';
import { encryptPrivateKey, readPrivateKeyFile, samePublicKey } from './keys.js';
import { networkOfRootCaCn, parseIdentity } from './names.js';
import { commonNameOf, parseCertificatePem, splitPemBundle } from './pem.js';
import type { Credential } from './credential.js';

export const ROOT_CA_FILE = 'root-ca.pem';
const PUBLIC_FILE_MODE = 0o644;
const PRIVATE_FILE_MODE = 0o600;
const FOLDER_MODE = 0o700;

function chainPath(dir: string, name: string): string {
  return join(dir, `${name}.pem`);
}

function keyPath(dir: string, name: string): string {
  return join(dir, `${name}.key`);
}

async function ensurePkiFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: FOLDER_MODE });
}

/** Whether `dir` holds the certificate file of credential `name`. */
export async function credentialExists(dir: string, name: string): Promise<boolean> {
  return access(chainPath(dir, name)).then(
    () => true,
    () => false,
  );
}

export async function writeCredential(
  dir: string,
  name: string,
  credential: Credential,
  passphrase: string,
): Promise<void> {
  await ensurePkiFolder(dir);
  // Both files are written in full before either is renamed over the old one: a rotation (new key)
  // that fails half-way leaves the old pair, and only a crash between the two renames can part them,
  // which `readCredential` then refuses by name instead of presenting a key that is not the cert's.
  const keyTmp = `${keyPath(dir, name)}.${process.pid}.tmp`;
  const chainTmp = `${chainPath(dir, name)}.${process.pid}.tmp`;
  await writeFile(keyTmp, encryptPrivateKey(credential.keys.privateKey, passphrase), {
    mode: PRIVATE_FILE_MODE,
  });
  // `mode` applies only when the file is created; enforce it in case a stale temporary file existed.
  await chmod(keyTmp, PRIVATE_FILE_MODE);
  await writeFile(chainTmp, credential.chainPem, { mode: PUBLIC_FILE_MODE });
  await rename(keyTmp, keyPath(dir, name));
  await rename(chainTmp, chainPath(dir, name));
}

/**
 * A certificate chain without its key, written as `<name>.pem` (atomically): a pod keeps the member
 * data chain a rotation replaced, so that signatures made with it keep verifying.
 */
export async function writeChainFile(dir: string, name: string, chainPem: string): Promise<void> {
  await ensurePkiFolder(dir);
  await writePublicFile(chainPath(dir, name), chainPem);
}

/** The chain `<name>.pem` of `writeChainFile`, or undefined when there is none. */
export async function readChainFile(dir: string, name: string): Promise<string | undefined> {
  return readFile(chainPath(dir, name), 'utf8').catch(() => undefined);
}

/**
 * Read a credential written by `writeCredential`. Its network is taken from the leaf's CN; the key
 * must belong to the leaf (a mixed-up pair of files is refused, not discovered at the first handshake).
 */
export async function readCredential(dir: string, name: string, passphrase: string): Promise<Credential> {
  const chainPem = await readFileOrFail(chainPath(dir, name));
  const [certPem] = splitPemBundle(chainPem);
  if (certPem === undefined) throw new ByodaError('BYODA_ERR_PKI', `${name}.pem holds no certificate`);
  const cert = parseCertificatePem(certPem, `certificate in ${name}.pem`);
  const commonName = commonNameOf(cert);
  const identity = parseIdentity(commonName);
  if (!identity)
    throw new ByodaError('BYODA_ERR_PKI', `${name}.pem names no BYODA identity: '${commonName}'`);
  const keys = await readPrivateKeyFile(keyPath(dir, name), passphrase);
  if (!(await samePublicKey(keys.publicKey, await cert.publicKey.export()))) {
    throw new ByodaError('BYODA_ERR_PKI', `${name}.key is not the key of the certificate in ${name}.pem`);
  }
  return { identity, commonName, certPem, chainPem, keys };
}

export async function writeRootCaCert(dir: string, rootPem: string): Promise<void> {
  await ensurePkiFolder(dir);
  await writePublicFile(join(dir, ROOT_CA_FILE), rootPem);
}

/** The root certificate of the folder and the network it names. */
export async function readRootCaCert(dir: string): Promise<{ rootPem: string; network: string }> {
  const rootPem = await readFileOrFail(join(dir, ROOT_CA_FILE));
  const cn = commonNameOf(parseCertificatePem(rootPem, ROOT_CA_FILE));
  const network = networkOfRootCaCn(cn);
  if (!network) throw new ByodaError('BYODA_ERR_PKI', `${ROOT_CA_FILE} is not a network root CA: '${cn}'`);
  return { rootPem, network };
}

async function writePublicFile(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: PUBLIC_FILE_MODE });
  await rename(tmp, path);
}

async function readFileOrFail(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    // Name only the file, not the folder: the message may reach a log or a user.
    throw new ByodaError('BYODA_ERR_PKI', `cannot read ${basename(path)}`, { cause });
  }
}
