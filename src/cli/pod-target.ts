/**
 * "Which pod": the options every owner command (`login`, `query`, `link ...`) shares, and where they
 * lead: the pod's web URL, the name its certificate carries, the network root, the owner's username and
 * password file, and where the owner token is cached. Three ways to name a pod:
 *
 * - `--data DIR`: a pod's data folder (`byoda pod init|start`), read as `byoda pod join` reads it;
 * - `--network FILE [--pod NAME]`: a pod of a running `byoda up`, from its network.json (spec §11);
 *   with no target option at all, `.byoda/network.json` and its first pod, so that `byoda up` in one
 *   terminal and `byoda query ...` in another work with no flags;
 * - `--url URL --fqdn FQDN --root-ca FILE [--username U --password-file F]`: any pod.
 *
 * The token is cached in `owner-token` (mode 0600) in the pod's data folder, or in `--token-file`.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { ByodaError } from '../errors/index.js';
import type { PodEndpoint } from '../network/index.js';
import { accountFqdn } from '../pki/index.js';
import { parseServiceId, runningPod } from './pod.js';
import { DEFAULT_NETWORK_FILE, findPod, readNetworkJson } from './network-file.js';
export { DEFAULT_NETWORK_FILE } from './network-file.js';

export interface PodTargetOptions {
  readonly data?: string;
  readonly network?: string;
  readonly pod?: string;
  readonly url?: string;
  readonly fqdn?: string;
  readonly rootCa?: string;
  readonly username?: string;
  readonly passwordFile?: string;
  readonly tokenFile?: string;
}

export interface PodTarget {
  /** The pod as messages name it: `pod1`, its data folder or its URL. */
  readonly label: string;
  readonly endpoint: PodEndpoint;
  readonly username?: string;
  readonly passwordFile?: string;
  /** Where the owner token is kept; undefined for `--url` without `--token-file`. */
  readonly tokenFile?: string;
  /** What to tell the owner when nothing listens at the pod's URL (a pod or `byoda up` not running). */
  readonly notRunning?: string;
}

/** The file name of the cached owner token in a pod's data folder. */
export const TOKEN_FILE_NAME = 'owner-token';

const GROUP = 'Which pod (default: the first pod of .byoda/network.json):';

export const POD_TARGET_HELP = `
Which pod: --data DIR, --network FILE [--pod NAME], or --url URL with --fqdn and
--root-ca; none of them means the first pod of .byoda/network.json. The token of
'byoda login' is kept in the pod's data folder (${TOKEN_FILE_NAME}, mode 0600) or in
--token-file; without a valid one, a command logs in with the owner's password file
(the pod's, or --password-file).`;

/** Adds the "which pod" options to an owner command. */
export function addPodTargetOptions(command: Command): Command {
  const options = [
    new Option('--data <dir>', "the pod's data folder").conflicts(['network', 'url']),
    new Option('--network <file>', "a network.json of 'byoda up'").conflicts(['url']),
    new Option('--pod <name>', 'pod of --network: name or account id (default: the first)'),
    new Option('--url <url>', "the pod's web URL (with --fqdn and --root-ca)"),
    new Option('--fqdn <fqdn>', "the name in the pod's certificate, <account_id>.accounts.<network>"),
    new Option('--root-ca <file>', "the network's root CA (PEM)"),
    new Option('--username <name>', "the owner's username (default: the pod's)"),
    new Option('--password-file <file>', "file holding the owner's password (default: the pod's)"),
    new Option(
      '--token-file <file>',
      `where the owner token is kept (default <pod data>/${TOKEN_FILE_NAME})`,
    ),
  ];
  for (const option of options) command.addOption(option.helpGroup(GROUP));
  return command;
}

/** Adds `--service ID` (default: the pod's only membership). */
export function addServiceOption(command: Command): Command {
  return command.option(
    '--service <id>',
    'the service whose data to use (default: the pod must be a member of exactly one)',
    parseServiceId,
  );
}

export async function resolvePodTarget(options: PodTargetOptions): Promise<PodTarget> {
  if (options.pod !== undefined && (options.data !== undefined || options.url !== undefined)) {
    throw new ByodaError('BYODA_ERR_CONFIG', '--pod names a pod of --network, not of --data or --url');
  }
  const target =
    options.data !== undefined
      ? await dataTarget(options.data)
      : options.url !== undefined
        ? await urlTarget(options.url, options)
        : await networkTarget(
            options.network ?? DEFAULT_NETWORK_FILE,
            options.network !== undefined,
            options,
          );
  return withOverrides(target, options);
}

/** `--username`, `--password-file` and `--token-file` win over what the target says. */
function withOverrides(target: PodTarget, options: PodTargetOptions): PodTarget {
  return {
    ...target,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.passwordFile !== undefined ? { passwordFile: resolve(options.passwordFile) } : {}),
    ...(options.tokenFile !== undefined ? { tokenFile: resolve(options.tokenFile) } : {}),
  };
}

async function dataTarget(dataDir: string): Promise<PodTarget> {
  const { AccountStore, podPaths, readPodConfig } = await import('../pod/index.js');
  const paths = podPaths(dataDir);
  const config = await readPodConfig(paths);
  const run = await runningPod(paths);
  const accounts = AccountStore.openReadOnly(paths.accountDb);
  const username = accounts.getAccount()?.username;
  accounts.close();
  return {
    label: paths.dataDir,
    endpoint: {
      webUrl: run.webUrl,
      fqdn: accountFqdn(config.network, config.accountId),
      rootCaPem: await readText(paths.rootCa, 'root CA file'),
    },
    ...(username !== undefined ? { username } : {}),
    passwordFile: paths.password,
    tokenFile: join(paths.dataDir, TOKEN_FILE_NAME),
    notRunning: `is the pod running? Start it with 'byoda pod start --data ${paths.dataDir}'`,
  };
}

async function urlTarget(url: string, options: PodTargetOptions): Promise<PodTarget> {
  if (options.fqdn === undefined || options.rootCa === undefined) {
    throw new ByodaError('BYODA_ERR_CONFIG', '--url needs --fqdn and --root-ca');
  }
  if (!/^https:\/\/[^/?#]+\/?$/.test(url)) {
    throw new ByodaError('BYODA_ERR_CONFIG', `--url ${url} is not a web URL like https://host:port`);
  }
  return {
    label: url,
    endpoint: { webUrl: url, fqdn: options.fqdn, rootCaPem: await readText(options.rootCa, 'root CA file') },
  };
}

/** `given`: whether --network was given (else the default file, whose absence needs other words). */
async function networkTarget(file: string, given: boolean, options: PodTargetOptions): Promise<PodTarget> {
  const network = await readNetworkJson(file, given);
  const pod = findPod(network, options.pod, file);
  return {
    label: pod.name,
    endpoint: {
      webUrl: pod.web_url,
      fqdn: pod.fqdn,
      rootCaPem: await readText(network.root_ca, 'root CA file'),
    },
    username: pod.username,
    passwordFile: pod.password_file,
    // `byoda up` keeps each pod's password file in the pod's data folder (docs/protocol.md).
    tokenFile: join(dirname(pod.password_file), TOKEN_FILE_NAME),
    // network.json outlives a `byoda up` that crashed (SIGKILL, power cut): its ports are then dead.
    notRunning: `is 'byoda up' still running? ${file} may be left from a run that stopped without cleaning up: start 'byoda up' again`,
  };
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CONFIG', `cannot read the ${what} ${path}`, { cause });
  }
}

/** Commander parser of a member id (UUID). */
export function parseMemberId(text: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) {
    throw new InvalidArgumentError('a member id is a UUID, e.g. 3f0c1d2e-8b7a-4c6d-9e5f-0a1b2c3d4e5f.');
  }
  return text.toLowerCase();
}
