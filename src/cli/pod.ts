/**
 * `byoda pod init|start|join|status`: make a data folder into a pod of a network, run it, join a
 * service through the running pod's owner API, and show what a pod is (spec §1, §4, §10, §11).
 *
 * The passphrase that encrypts the pod's keys comes from `--passphrase-file`, BYODA_PASSPHRASE, the
 * systemd credential `passphrase`, `<data>/passphrase` when it exists, or a prompt on a terminal
 * (run-server.ts). The owner's password likewise from `--password-file`, BYODA_OWNER_PASSWORD, the
 * credential `owner-password`, or a prompt; the pod stores only its scrypt hash. `init
 * --local-secrets` instead generates both into `<data>/passphrase` and `<data>/password` (mode 0600):
 * local networks only.
 *
 * `start --json` prints one line once both ports serve:
 * `{"event":"ready","account_id":...,"fqdn":...,"web_url":...,"member_url":...,...}`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { ByodaError } from '../errors/index.js';
import { isProcessAlive as isAlive } from '../lock/index.js';
import { accountFqdn, isServiceId, readRootCaCert } from '../pki/index.js';
import { resolveSecret, terminalPrompt } from '../secrets/index.js';
import type { PodAddress, PodPaths, PodRunInfo, PodServer } from '../pod/index.js';
import { addMetricsOptions } from './metrics-options.js';
import { addBackupScheduleOptions, backupSchedule } from './pod-backup.js';
import { addCustomDomainOptions, customDomainOf } from './pod-domain.js';
import type { CustomDomainCommandOptions } from './pod-domain.js';
import {
  commandPassphrase,
  LOCAL_SECRETS_HELP,
  logFileHelp,
  parsePort,
  parsePublicAddress,
  passphraseFileHelp,
  runServer,
  warnLocal,
} from './run-server.js';
import { parseHostPort, type HostPort } from './host-port.js';
import { DEFAULT_NETWORK_FILE, findPod, readNetworkJson } from './network-file.js';
import { registerPodRevoke } from './revoke.js';
import type { PassphraseOption, ReadyAnnouncement, ServerCommandOptions } from './run-server.js';

/**
 * The pod module is loaded when a pod command runs: its GraphQL and WebSocket stack is the heaviest
 * import of the CLI, and every other command (and `byoda --help`) would otherwise pay for it.
 */
const loadPod = () => import('../pod/index.js');

interface InitOptions extends PassphraseOption {
  readonly data: string;
  readonly directory: string;
  readonly rootCa?: string;
  readonly network?: string;
  readonly username?: string;
  readonly passwordFile?: string;
  readonly address?: string;
  readonly json?: boolean;
}

interface StartOptions extends ServerCommandOptions, CustomDomainCommandOptions {
  readonly data: string;
  readonly host: string;
  readonly webPort: number;
  readonly memberPort: number;
  readonly dns?: HostPort;
  readonly directory?: string;
  readonly publicAddress?: string;
  readonly backupTo?: string;
  readonly backupEvery?: number;
  readonly backupKeep?: number;
  readonly backupKeyFile?: string;
}

interface JoinOptions {
  readonly data: string;
  readonly passwordFile?: string;
  readonly json?: boolean;
}

interface StatusOptions {
  readonly data?: string;
  readonly network?: string;
  readonly pod?: string;
  readonly json?: boolean;
}

/** The environment variable and the systemd credential of the owner's password. */
export const PASSWORD_ENV = 'BYODA_OWNER_PASSWORD';
export const PASSWORD_CREDENTIAL = 'owner-password';

/** DNS port when `--dns` is not given: the standard one, on the directory's host. */
const DNS_PORT = 53;

export function registerPodCommands(program: Command): void {
  const pod = program.command('pod').description('run a personal data pod');
  pod
    .command('init')
    .description('create an account at the directory and set up a new pod data folder')
    .requiredOption('--data <dir>', 'data folder of the pod (created)')
    .requiredOption('--directory <url>', 'directory URL, e.g. https://127.0.0.1:4433')
    .option('--root-ca <file>', 'network root CA (PEM); fetched from the directory when absent')
    .option('--network <name>', 'network domain; must match the root CA')
    .option('--username <name>', "the owner's username", 'owner')
    .option(
      '--password-file <file>',
      `file holding the owner's password (else $${PASSWORD_ENV}, else the systemd credential '${PASSWORD_CREDENTIAL}', else asked on a terminal)`,
    )
    .option('--address <ip>', 'address the directory publishes for the account (default 127.0.0.1)')
    .option('--passphrase-file <file>', passphraseFileHelp())
    .option('--local-secrets', LOCAL_SECRETS_HELP)
    .option('--json', 'print the result as one JSON line')
    .action((options: InitOptions) => initCommand(options));
  const start = pod
    .command('start')
    .description('serve the pod (web and member ports) until SIGINT/SIGTERM')
    .requiredOption('--data <dir>', 'data folder made by `byoda pod init`')
    .option('--host <ip>', 'address to listen on', '127.0.0.1')
    .option('--web-port <port>', 'web port for the owner (0: a free one)', parsePort, 0)
    .option(
      '--member-port <port>',
      'member port for other pods and the service (0: a free one)',
      parsePort,
      0,
    )
    .option(
      '--dns <host:port>',
      "the directory's DNS server (default: the directory's host, port 53)",
      parseHostPort,
    )
    .option('--directory <url>', 'directory URL (default: the one given at init)')
    .option(
      '--public-address <ip>',
      'address the directory publishes for the pod (default: --host)',
      parsePublicAddress,
    )
    .option('--passphrase-file <file>', passphraseFileHelp())
    .option('--log-file <file>', logFileHelp('pod'))
    .option('--json', 'announce readiness as one JSON line on stdout');
  addBackupScheduleOptions(start);
  addCustomDomainOptions(start);
  addMetricsOptions(start).action((options: StartOptions) => startCommand(options));
  pod
    .command('join')
    .description('have the running pod join a service (uses the owner password of the data folder)')
    .argument('<service_id>', 'the service to join', parseServiceId)
    .requiredOption('--data <dir>', 'data folder of the running pod')
    .option(
      '--password-file <file>',
      `file holding the owner's password (else $${PASSWORD_ENV}, the credential '${PASSWORD_CREDENTIAL}', <data>/password if --local-secrets made it, or asked)`,
    )
    .option('--json', 'print the result as one JSON line')
    .action((serviceId: number, options: JoinOptions) => joinCommand(serviceId, options));
  pod
    .command('status')
    .description('show the account, its memberships and whether the pod runs')
    .addOption(new Option('--data <dir>', 'data folder of the pod').conflicts(['network', 'pod']))
    .option('--network <file>', `a network.json of 'byoda up' (default ${DEFAULT_NETWORK_FILE})`)
    .option('--pod <name>', 'pod of the network: name or account id (default: the first)')
    .option('--json', 'print the result as one JSON line')
    .action((options: StatusOptions) => statusCommand(options));
  registerPodRevoke(pod, parseServiceId);
}

// ---- init --------------------------------------------------------------------------------------------

async function initCommand(options: InitOptions): Promise<void> {
  const { initPod, podPaths } = await loadPod();
  const paths = podPaths(options.data);
  const rootCaPem = await rootCaFor(options);
  await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
  const { passphrase } = await commandPassphrase(options, paths.passphrase, true);
  const password = await initPassword(options);
  const summary = await initPod({
    dataDir: paths.dataDir,
    directoryUrl: options.directory,
    rootCaPem,
    passphrase,
    ...(options.network !== undefined ? { network: options.network } : {}),
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(options.address !== undefined ? { address: options.address } : {}),
  });
  if (options.json) {
    printJson({
      event: 'initialized',
      account_id: summary.accountId,
      fqdn: summary.fqdn,
      network: summary.network,
      username: summary.username,
      data: summary.dataDir,
      ...(summary.passwordFile !== undefined ? { password_file: summary.passwordFile } : {}),
    });
    return;
  }
  print(`pod ${summary.accountId} created in ${summary.dataDir}`);
  print(`  ${summary.fqdn}, owner '${summary.username}'`);
  if (summary.passwordFile !== undefined) print(`  password in ${summary.passwordFile}`);
}

/**
 * The owner's password for init: given (file, environment, credential, terminal), else, with
 * `--local-secrets` only, undefined: initPod then generates it into `<data>/password`.
 */
async function initPassword(options: InitOptions): Promise<string | undefined> {
  if (options.localSecrets !== true) return ownerPassword(options.passwordFile, undefined, true);
  const given = await ownerPassword(options.passwordFile, undefined, false, false).catch(() => undefined);
  if (given === undefined) warnLocal(localPasswordFile(options.data));
  return given;
}

function localPasswordFile(data: string): string {
  return join(resolve(data), 'password');
}

/** The owner's password (src/secrets); `confirm`: asked twice on a terminal (a new password). */
async function ownerPassword(
  file: string | undefined,
  localFile: string | undefined,
  confirm: boolean,
  ask = true,
): Promise<string> {
  const resolved = await resolveSecret({
    what: "the owner's password",
    ...(file !== undefined ? { file } : {}),
    fileFlag: '--password-file',
    envVar: PASSWORD_ENV,
    env: process.env,
    credential: PASSWORD_CREDENTIAL,
    ...(localFile !== undefined ? { localFile } : {}),
    ...(ask ? { prompt: terminalPrompt({ confirm }) } : {}),
  });
  return resolved.value;
}

/** `--root-ca`, or the directory's (trust on first use: its fingerprint is shown). */
async function rootCaFor(options: InitOptions): Promise<string> {
  if (options.rootCa !== undefined) return readText(options.rootCa, 'root CA file');
  const { DirectoryClient, certificateFingerprint } = await import('../network/index.js');
  const pem = await DirectoryClient.fetchRootCa(options.directory);
  process.stderr.write(`byoda: fetched the network root CA, SHA-256 ${certificateFingerprint(pem)}\n`);
  return pem;
}

// ---- start -------------------------------------------------------------------------------------------

async function startCommand(options: StartOptions): Promise<void> {
  const { PodServer, isDomainName, podPaths, readPodConfig } = await loadPod();
  const customDomain = customDomainOf(options, isDomainName); // flags that do not go together, before any file
  const paths = podPaths(options.data);
  const config = await readPodConfig(paths); // a clear error for an uninitialised folder first
  const { passphrase } = await commandPassphrase(options, paths.passphrase, false);
  const directoryUrl = options.directory ?? config.directoryUrl;
  const backup = await backupSchedule(options, paths.dataDir);
  const server = new PodServer();
  await runServer(options, {
    name: 'pod',
    command: 'byoda pod start',
    dataDir: paths.dataDir,
    logFile: paths.logFile,
    server,
    start: (logger, metrics) =>
      server.start({
        dataDir: paths.dataDir,
        passphrase,
        host: options.host,
        webPort: options.webPort,
        memberPort: options.memberPort,
        dnsServer: options.dns ?? { host: new URL(directoryUrl).hostname, port: DNS_PORT },
        logger,
        ...(metrics ? { metrics } : {}),
        ...(options.directory !== undefined ? { directoryUrl: options.directory } : {}),
        ...(options.publicAddress !== undefined ? { publicAddress: options.publicAddress } : {}),
        ...(backup !== undefined ? { backup } : {}),
        ...(customDomain !== undefined ? { customDomain } : {}),
      }),
    ready: (address) => ready(address, server),
  });
}

function ready(address: PodAddress, server: PodServer): ReadyAnnouncement {
  const memberships = (server.context?.memberships.list() ?? []).map((m) => ({
    service_id: m.serviceId,
    member_id: m.memberId,
    fqdn: m.fqdn,
  }));
  return {
    json: {
      account_id: address.accountId,
      fqdn: address.fqdn,
      network: address.network,
      web_url: address.webUrl,
      member_url: address.memberUrl,
      web_port: address.webPort,
      member_port: address.memberPort,
      memberships,
      ...(address.customDomain
        ? {
            domain: address.customDomain.domain,
            domain_url: address.customDomain.url,
            acme_http_port: address.customDomain.challengePort,
          }
        : {}),
    },
    text: [
      `pod ${address.accountId} serving the owner at ${address.webUrl} and members at ${address.memberUrl}`,
      `  as ${address.fqdn}, ${memberships.length} membership(s); Ctrl-C stops it`,
      ...(address.customDomain
        ? [`  and at ${address.customDomain.url} (certificate from the ACME CA)`]
        : []),
    ],
  };
}

// ---- join --------------------------------------------------------------------------------------------

async function joinCommand(serviceId: number, options: JoinOptions): Promise<void> {
  const { AccountStore, podPaths, readPodConfig } = await loadPod();
  const paths = podPaths(options.data);
  const config = await readPodConfig(paths);
  const run = await runningPod(paths);
  const { rootPem } = await readRootCaCert(paths.pkiDir);
  const password = await ownerPassword(options.passwordFile, paths.password, false);
  const accounts = AccountStore.openReadOnly(paths.accountDb);
  const username = accounts.getAccount()?.username;
  accounts.close();
  if (username === undefined) throw new ByodaError('BYODA_ERR_CONFIG', `${paths.dataDir} holds no account`);
  const { OwnerApi } = await import('../network/index.js');
  const client = new OwnerApi({
    webUrl: run.webUrl,
    fqdn: accountFqdn(config.network, config.accountId),
    rootCaPem: rootPem,
  });
  try {
    await client.login(username, password);
    const joined = await client.join(serviceId);
    if (options.json) {
      printJson({
        event: 'joined',
        service_id: joined.serviceId,
        member_id: joined.memberId,
        fqdn: joined.fqdn,
        contract_version: joined.contractVersion,
      });
    } else {
      print(
        `joined service ${joined.serviceId} as ${joined.memberId} (contract version ${joined.contractVersion})`,
      );
    }
  } finally {
    await client.close();
  }
}

/** The run file of a pod whose process lives (`run.json` outlives a killed pod). */
export async function runningPod(paths: PodPaths): Promise<PodRunInfo> {
  const { readRunInfo } = await loadPod();
  const run = await readRunInfo(paths);
  if (!run || !isAlive(run.pid)) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `the pod of ${paths.dataDir} is not running (\`byoda pod start\`)`,
    );
  }
  return run;
}

// ---- status ------------------------------------------------------------------------------------------

async function statusCommand(options: StatusOptions): Promise<void> {
  const { AccountStore, podPaths, readPodConfig, readRunInfo } = await loadPod();
  const paths = podPaths(await statusDataDir(options));
  const config = await readPodConfig(paths);
  const accounts = AccountStore.openReadOnly(paths.accountDb);
  const account = accounts.getAccount();
  const memberships = accounts.listMemberships();
  accounts.close();
  const run = await readRunInfo(paths);
  const running = run !== undefined && isAlive(run.pid);
  const status = {
    account_id: config.accountId,
    fqdn: accountFqdn(config.network, config.accountId),
    network: config.network,
    directory_url: config.directoryUrl,
    username: account?.username ?? null,
    running,
    ...(running && run ? { pid: run.pid, web_url: run.webUrl, member_url: run.memberUrl } : {}),
    memberships: memberships.map((m) => ({
      service_id: m.serviceId,
      member_id: m.memberId,
      contract_version: m.contractVersion,
      joined_at: m.joinedAt,
    })),
  };
  if (options.json) {
    printJson({ event: 'status', ...status });
    return;
  }
  print(`pod ${status.account_id} (${status.fqdn}), owner '${status.username ?? '?'}'`);
  print(running && run ? `  running: web ${run.webUrl}, members ${run.memberUrl}` : '  not running');
  for (const m of status.memberships) {
    print(`  member of service ${m.service_id} as ${m.member_id} (contract version ${m.contract_version})`);
  }
}

/**
 * The pod's data folder: `--data`, else the pod of a `byoda up` network.json (as for the owner
 * commands: with no option, the first pod of .byoda/network.json). `byoda up` keeps each pod's
 * password file in its data folder.
 */
async function statusDataDir(options: StatusOptions): Promise<string> {
  if (options.data !== undefined) return options.data;
  const file = options.network ?? DEFAULT_NETWORK_FILE;
  const network = await readNetworkJson(file, options.network !== undefined);
  return dirname(findPod(network, options.pod, file).password_file);
}

// ---- shared ------------------------------------------------------------------------------------------

/** Commander parser of a service id argument or option. */
export function parseServiceId(text: string): number {
  const value = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!isServiceId(value))
    throw new InvalidArgumentError('a service id is a whole number from 0 to 4294967295.');
  return value;
}

/** The first line of a file holding a secret (password, passphrase); empty is an error. */
export async function firstLine(path: string, what: string): Promise<string> {
  const line = (await readText(path, what)).split(/\r?\n/)[0] ?? '';
  if (line === '') throw new ByodaError('BYODA_ERR_CONFIG', `the ${what} ${path} is empty`);
  return line;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CONFIG', `cannot read the ${what} ${path}`, { cause });
  }
}

function printJson(value: unknown): void {
  print(JSON.stringify(value));
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
