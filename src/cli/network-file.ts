/**
 * The pods of a running `byoda up`, from its network.json (spec §11): what every command that names a
 * pod with `--network FILE [--pod NAME]` (or nothing: `.byoda/network.json`) reads.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ByodaError } from '../errors/index.js';
import type { NetworkJson, PodJson } from '../local/index.js';
import { isRecord } from './json-value.js';

export const DEFAULT_NETWORK_FILE = join('.byoda', 'network.json');

/** `given`: whether --network was given (else the default file, whose absence needs other words). */
export async function readNetworkJson(file: string, given: boolean): Promise<NetworkJson> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      given
        ? `cannot read the network file ${file} (it exists only while 'byoda up' runs)`
        : `no ${file}: run 'byoda up', or name a pod with --data, --network or --url`,
    );
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ByodaError('BYODA_ERR_CONFIG', `${file} is not valid JSON`);
  }
  if (!isNetworkJson(parsed)) throw new ByodaError('BYODA_ERR_CONFIG', `${file} is not a network.json`);
  return parsed;
}

export function findPod(network: NetworkJson, name: string | undefined, file: string): PodJson {
  const pod =
    name === undefined
      ? network.pods[0]
      : network.pods.find((p) => p.name === name || p.account_id === name.toLowerCase());
  if (pod) return pod;
  const names = network.pods.map((p) => p.name).join(', ') || 'none';
  throw new ByodaError('BYODA_ERR_CONFIG', `${file} has no pod ${name ?? ''} (pods: ${names})`.trim());
}

/** Enough of spec §11's shape to use it; the file is written by `byoda up`, not by an adversary. */
function isNetworkJson(value: unknown): value is NetworkJson {
  if (!isRecord(value) || typeof value['root_ca'] !== 'string' || !Array.isArray(value['pods'])) return false;
  const keys = ['name', 'account_id', 'fqdn', 'web_url', 'username', 'password_file'];
  return value['pods'].every((pod) => isRecord(pod) && keys.every((key) => typeof pod[key] === 'string'));
}
