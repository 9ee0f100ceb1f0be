/**
 * A pod's data folder. Everything one pod (one account, spec §1) keeps is under one folder, so that it
 * is moved, backed up or thrown away as a whole:
 *
 * | path                               | what                                                         |
 * |------------------------------------|--------------------------------------------------------------|
 * | `pod.json`                         | the pod's settings (`PodConfig`), written last by `initPod`   |
 * | `pki/root-ca.pem`                  | the network root CA                                           |
 * | `pki/account.{pem,key}`            | account TLS cert `<account_id>.accounts.<net>` (web port)     |
 * | `pki/account-data.{pem,key}`       | account data cert                                             |
 * | `pki/member-<S>.{pem,key}`         | member TLS cert of service S (member port, SNI)               |
 * | `pki/member-data-<S>.{pem,key}`    | member data cert of service S                                 |
 * | `pki/owner-jwt.key`                | ES256 key that signs owner JWTs (encrypted PKCS#8, 0600)      |
 * | `account.db`                       | SQLite: the account (username, password hash), memberships   |
 * | `memberships/service-<S>.db`       | SQLite: the membership's namespace (src/storage)             |
 * | `run.json`                         | while running: the pod's URLs and pid (for `byoda pod join`)  |
 * | `password`, `passphrase`           | only when generated (local networks; mode 0600)              |
 * | `logs/pod.log`                     | JSON log lines                                                |
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ByodaError } from '../../errors/index.js';
import { isNetworkName, isUuidV4 } from '../../pki/index.js';

export interface PodPaths {
  readonly dataDir: string;
  readonly config: string;
  readonly pkiDir: string;
  readonly rootCa: string;
  readonly ownerJwtKey: string;
  readonly accountDb: string;
  readonly membershipsDir: string;
  readonly runFile: string;
  readonly password: string;
  readonly passphrase: string;
  readonly logFile: string;
}

export function podPaths(dataDir: string): PodPaths {
  const root = resolve(dataDir);
  const pkiDir = join(root, 'pki');
  return {
    dataDir: root,
    config: join(root, 'pod.json'),
    pkiDir,
    rootCa: join(pkiDir, 'root-ca.pem'),
    ownerJwtKey: join(pkiDir, 'owner-jwt.key'),
    accountDb: join(root, 'account.db'),
    membershipsDir: join(root, 'memberships'),
    runFile: join(root, 'run.json'),
    password: join(root, 'password'),
    passphrase: join(root, 'passphrase'),
    logFile: join(root, 'logs', 'pod.log'),
  };
}

/** Credential names in `pki/` (src/pki `writeCredential`). */
export const CREDENTIALS = {
  accountTls: 'account',
  accountData: 'account-data',
  memberTls: (serviceId: number): string => `member-${serviceId}`,
  memberData: (serviceId: number): string => `member-data-${serviceId}`,
  /** The member data chain (no key) the last key rotation replaced (docs/protocol.md, "Key rotation"). */
  memberDataPrevious: (serviceId: number): string => `member-data-${serviceId}.previous`,
} as const;

/** The namespace file of a membership. */
export function membershipDbPath(paths: PodPaths, serviceId: number): string {
  return join(paths.membershipsDir, `service-${serviceId}.db`);
}

/** `pod.json`: what `initPod` decided. */
export interface PodConfig {
  readonly accountId: string;
  readonly network: string;
  /** The directory's base URL (`https://host:port`). */
  readonly directoryUrl: string;
}

export async function writePodConfig(paths: PodPaths, config: PodConfig): Promise<void> {
  const json = { account_id: config.accountId, network: config.network, directory_url: config.directoryUrl };
  await writeFileAtomic(paths.config, `${JSON.stringify(json, null, 2)}\n`);
}

export async function podConfigExists(paths: PodPaths): Promise<boolean> {
  return readFile(paths.config).then(
    () => true,
    () => false,
  );
}

/** Reads `pod.json`; a folder without one was never initialised (BYODA_ERR_CONFIG says so). */
export async function readPodConfig(paths: PodPaths): Promise<PodConfig> {
  const text = await readFile(paths.config, 'utf8').catch(() => {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `${paths.dataDir} holds no initialised pod (run \`byoda pod init\` first)`,
    );
  });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ByodaError('BYODA_ERR_CONFIG', `${paths.config} is not valid JSON`);
  }
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const { account_id: accountId, network, directory_url: directoryUrl } = record;
  if (typeof accountId !== 'string' || !isUuidV4(accountId)) invalid(paths.config, 'account_id');
  if (typeof network !== 'string' || !isNetworkName(network)) invalid(paths.config, 'network');
  if (typeof directoryUrl !== 'string') invalid(paths.config, 'directory_url');
  return { accountId, network, directoryUrl };
}

/** `run.json`: where a running pod listens, so that `byoda pod join|status` can find it. */
export interface PodRunInfo {
  readonly pid: number;
  readonly webUrl: string;
  readonly memberUrl: string;
}

export async function writeRunInfo(paths: PodPaths, info: PodRunInfo): Promise<void> {
  const json = { pid: info.pid, web_url: info.webUrl, member_url: info.memberUrl };
  await writeFileAtomic(paths.runFile, `${JSON.stringify(json)}\n`);
}

/** The run file, or undefined when the pod is not running (or the file is unreadable). */
export async function readRunInfo(paths: PodPaths): Promise<PodRunInfo | undefined> {
  const text = await readFile(paths.runFile, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    const { pid, web_url: webUrl, member_url: memberUrl } = raw;
    if (typeof pid !== 'number' || typeof webUrl !== 'string' || typeof memberUrl !== 'string') {
      return undefined;
    }
    return { pid, webUrl, memberUrl };
  } catch {
    return undefined;
  }
}

function invalid(path: string, key: string): never {
  throw new ByodaError('BYODA_ERR_CONFIG', `${path}: missing or invalid ${key}`);
}

/** Write to a temporary file and rename, so that a reader never sees half a file. */
export async function writeFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, path);
}
