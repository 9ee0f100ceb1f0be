/**
 * The data folder of `byoda up` (spec §11). Each part of the network keeps the folder its own
 * `init` makes, so that any part can also be run on its own (`byoda directory start --data
 * <data>/directory`, ...):
 *
 * | path                 | what                                                                    |
 * |----------------------|-------------------------------------------------------------------------|
 * | `directory/`         | the network PKI, directory and DNS databases (src/directory)            |
 * | `services/<name>/`   | one service per contract name (src/service)                             |
 * | `pods/pod1/`, ...    | one pod each (src/pod); `password` holds the owner's password           |
 * | `network.json`       | present only while everything answers: where everything is              |
 * | `up.lock`            | the pid of the `byoda up` using the folder                              |
 *
 * Every part's key passphrase is a generated `passphrase` file (mode 0600) next to its keys: fine for
 * a network on loopback, never for a real one.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const DEFAULT_DATA_DIR = '.byoda';

export interface LocalPaths {
  readonly dataDir: string;
  readonly directoryDir: string;
  readonly servicesDir: string;
  readonly podsDir: string;
  readonly networkFile: string;
  readonly lockFile: string;
}

export function localPaths(dataDir: string): LocalPaths {
  const root = resolve(dataDir);
  return {
    dataDir: root,
    directoryDir: join(root, 'directory'),
    servicesDir: join(root, 'services'),
    podsDir: join(root, 'pods'),
    networkFile: join(root, 'network.json'),
    lockFile: join(root, 'up.lock'),
  };
}

/**
 * The folder of a service. Named after the contract so that people find it; a name that is not a
 * plain file name (contract names are free text) falls back to the service id.
 */
export function serviceDir(paths: LocalPaths, name: string, serviceId: number): string {
  const safe = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) ? name : `service-${serviceId}`;
  return join(paths.servicesDir, safe);
}

/** `pod1`, `pod2`, ...: pods are numbered from 1, in the order `--pods` counts them. */
export function podName(index: number): string {
  return `pod${index + 1}`;
}

export function podDir(paths: LocalPaths, name: string): string {
  return join(paths.podsDir, name);
}

/** The index of a pod folder name (`pod3` -> 2), or undefined for anything else. */
export function podIndex(name: string): number | undefined {
  const match = /^pod([1-9]\d*)$/.exec(name);
  return match ? Number(match[1]) - 1 : undefined;
}

/** Pod folders of earlier runs numbered beyond `podCount` (`--pods` went down), in order. */
export async function podFoldersBeyond(paths: LocalPaths, podCount: number): Promise<string[]> {
  const entries = await readdir(paths.podsDir).catch(() => [] as string[]);
  return entries
    .map((name) => ({ name, index: podIndex(name) }))
    .filter((pod): pod is { name: string; index: number } => pod.index !== undefined && pod.index >= podCount)
    .sort((a, b) => a.index - b.index)
    .map((pod) => pod.name);
}
