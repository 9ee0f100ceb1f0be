/**
 * `initPod`: make a data folder into a pod of a network, once (spec §1, §3, §10). It picks the account
 * id, has the directory sign the account TLS and data certs (which also publishes the account's DNS
 * name), makes the owner-JWT key, stores the owner's password as a slow hash, and writes `pod.json`
 * last, whose presence means "initialised".
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { ByodaError } from '../../errors/index.js';
import { DirectoryClient } from '../../network/index.js';
import {
  accountDataCn,
  accountFqdn,
  requestCredential,
  verifyRootCa,
  writeCredential,
  writeRootCaCert,
} from '../../pki/index.js';
import type { Credential } from '../../pki/index.js';
import { AccountStore } from './account-store.js';
import { CREDENTIALS, podConfigExists, podPaths, writePodConfig } from './layout.js';
import type { PodPaths } from './layout.js';
import { createOwnerSigningKey } from '../auth/owner-key.js';
import { generatePassword, hashPassword, validateNewPassword } from '../auth/password.js';

export const DEFAULT_USERNAME = 'owner';
/** Local networks run on loopback; a pod elsewhere passes its public address. */
export const DEFAULT_ADDRESS = '127.0.0.1';

export interface InitPodOptions {
  readonly dataDir: string;
  /** The directory's base URL, e.g. `https://127.0.0.1:4433`. */
  readonly directoryUrl: string;
  /** The network root CA (PEM). */
  readonly rootCaPem: string;
  /** When given, it must be the root's network. */
  readonly network?: string;
  /** Encrypts every private key of the pod. */
  readonly passphrase: string;
  readonly username?: string;
  /** The owner's password; when absent one is generated and written to `<data>/password` (0600). */
  readonly password?: string;
  /** The address the directory publishes for the account name (default 127.0.0.1). */
  readonly address?: string;
}

export interface PodSummary {
  readonly accountId: string;
  readonly network: string;
  /** `<account_id>.accounts.<net>` */
  readonly fqdn: string;
  readonly username: string;
  readonly dataDir: string;
  /** Set when the password was generated: the file that holds it. */
  readonly passwordFile: string | undefined;
}

export async function initPod(options: InitPodOptions): Promise<PodSummary> {
  const paths = podPaths(options.dataDir);
  if (await podConfigExists(paths)) {
    throw new ByodaError('BYODA_ERR_CONFIG', `${paths.dataDir} already holds an initialised pod`);
  }
  const network = await networkOfRoot(options.rootCaPem, options.network);
  const username = checkUsername(options.username ?? DEFAULT_USERNAME);
  // Check a given password before anything is registered at the directory.
  if (options.password !== undefined) validateNewPassword(options.password);
  await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
  await writeRootCaCert(paths.pkiDir, options.rootCaPem);
  const accountId = randomUUID();
  await registerAccountCerts(paths, { ...options, network, accountId });
  await createOwnerSigningKey(paths.ownerJwtKey, options.passphrase);
  const password = options.password ?? (await writeGeneratedPassword(paths));
  const accounts = AccountStore.open(paths.accountDb);
  try {
    accounts.createAccount({
      accountId,
      username,
      passwordHash: await hashPassword(password),
      createdAt: new Date().toISOString(),
    });
  } finally {
    accounts.close();
  }
  await writePodConfig(paths, { accountId, network, directoryUrl: options.directoryUrl });
  return {
    accountId,
    network,
    fqdn: accountFqdn(network, accountId),
    username,
    dataDir: paths.dataDir,
    passwordFile: options.password === undefined ? paths.password : undefined,
  };
}

interface AccountCertOptions extends InitPodOptions {
  readonly network: string;
  readonly accountId: string;
}

/**
 * The account TLS cert first, anonymously (a new account has no cert yet); the data cert then with the
 * TLS cert as client certificate, which is how the directory knows the account asking.
 */
async function registerAccountCerts(paths: PodPaths, options: AccountCertOptions): Promise<void> {
  const { network, accountId, rootCaPem, passphrase } = options;
  const base = { url: options.directoryUrl, network, rootCaPem };
  const anonymous = new DirectoryClient(base);
  let tls: Credential;
  try {
    tls = await requestCredential(accountFqdn(network, accountId), rootCaPem, async (csrPem) => {
      const signed = await anonymous.registerAccount({ csrPem, address: options.address ?? DEFAULT_ADDRESS });
      return signed.chainPem;
    });
  } finally {
    await anonymous.close();
  }
  await writeCredential(paths.pkiDir, CREDENTIALS.accountTls, tls, passphrase);
  const authenticated = new DirectoryClient({ ...base, credential: tls });
  try {
    const data = await requestCredential(accountDataCn(network, accountId), rootCaPem, async (csrPem) => {
      const signed = await authenticated.registerAccount({ csrPem });
      return signed.chainPem;
    });
    await writeCredential(paths.pkiDir, CREDENTIALS.accountData, data, passphrase);
  } finally {
    await authenticated.close();
  }
}

async function networkOfRoot(rootCaPem: string, expected: string | undefined): Promise<string> {
  const network = await verifyRootCa(rootCaPem);
  if (expected !== undefined && expected !== network) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `the root CA is of network ${network}, not of the requested ${expected}`,
    );
  }
  return network;
}

/** Usernames are shown and typed by people: printable, no spaces, bounded. */
function checkUsername(username: string): string {
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(username)) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      'the username must have 1 to 64 letters, digits or the characters . _ @ -',
      { path: '/username' },
    );
  }
  return username;
}

/** A generated password, kept next to the pod for local networks only (mode 0600, never replaced). */
async function writeGeneratedPassword(paths: PodPaths): Promise<string> {
  const password = generatePassword();
  try {
    await writeFile(paths.password, `${password}\n`, { mode: 0o600, flag: 'wx' });
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CONFIG', `cannot create ${paths.password}`, { cause });
  }
  return password;
}
