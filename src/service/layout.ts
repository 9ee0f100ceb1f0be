/**
 * A service's data folder and its one configuration file. Everything the service server needs to start
 * again after a restart lives here:
 *
 * | path                        | what                                                                |
 * |-----------------------------|---------------------------------------------------------------------|
 * | `service.json`              | the service's settings (`ServiceConfig`), written last by `init`     |
 * | `pki/`                      | the service PKI (src/pki, `ServicePki`), keys encrypted              |
 * | `network-data.pem`          | the network data cert chain from the directory (verifies contracts) |
 * | `contracts/<version>.json`  | each published contract version, signed by service and network      |
 * | `service.db`                | SQLite: which account holds which member id                         |
 * | `search.db`                 | SQLite: the search index, collected from the pods (unless --store)  |
 * | `passphrase`                | only when the CLI generated one (local networks; mode 0600)          |
 */
import { access, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ByodaError } from '../errors/index.js';
import { isNetworkName, isServiceId } from '../pki/index.js';

export const SERVICE_FILES = {
  config: 'service.json',
  pki: 'pki',
  networkData: 'network-data.pem',
  contracts: 'contracts',
  database: 'service.db',
  searchIndex: 'search.db',
  passphrase: 'passphrase',
} as const;

/** `service.json`: what `init` decided, in the form it is stored (snake_case, like the wire). */
export interface ServiceConfig {
  readonly serviceId: number;
  readonly network: string;
  /** The directory's base URL (`https://host:port`). */
  readonly directoryUrl: string;
  /**
   * Absolute path of the contract file `init` was given. On start, a newer version in that file is
   * published (after the compatibility check); a missing file is not an error.
   */
  readonly contractFile: string | undefined;
}

export function dataPath(dataDir: string, file: keyof typeof SERVICE_FILES): string {
  return join(dataDir, SERVICE_FILES[file]);
}

export async function writeServiceConfig(dataDir: string, config: ServiceConfig): Promise<void> {
  const json = {
    service_id: config.serviceId,
    network: config.network,
    directory_url: config.directoryUrl,
    ...(config.contractFile !== undefined ? { contract_file: config.contractFile } : {}),
  };
  await writeFileAtomic(dataPath(dataDir, 'config'), `${JSON.stringify(json, null, 2)}\n`);
}

/** Reads `service.json`; a folder without one was never initialised (BYODA_ERR_CONFIG says so). */
export async function readServiceConfig(dataDir: string): Promise<ServiceConfig> {
  const path = dataPath(dataDir, 'config');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `${dataDir} holds no initialised service (run \`byoda service init\` first)`,
    );
  }
  return parseServiceConfig(text, path);
}

export function serviceConfigExists(dataDir: string): Promise<boolean> {
  return fileExists(dataPath(dataDir, 'config'));
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function parseServiceConfig(text: string, path: string): ServiceConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ByodaError('BYODA_ERR_CONFIG', `${path} is not valid JSON`);
  }
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const { service_id: serviceId, network, directory_url: directoryUrl, contract_file: contractFile } = record;
  if (typeof serviceId !== 'number' || !isServiceId(serviceId)) invalid(path, 'service_id');
  if (typeof network !== 'string' || !isNetworkName(network)) invalid(path, 'network');
  if (typeof directoryUrl !== 'string') invalid(path, 'directory_url');
  if (contractFile !== undefined && typeof contractFile !== 'string') invalid(path, 'contract_file');
  return { serviceId, network, directoryUrl, contractFile };
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
