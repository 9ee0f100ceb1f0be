/**
 * `byoda service init|start|publish`: make a data folder into a registered service of a network, run
 * it, and publish a new contract version (spec §4-5, §11). Faults are thrown as ByodaErrors, which
 * `main` prints as one line with exit code 1.
 *
 * The passphrase that encrypts the service's keys comes from `--passphrase-file`, the environment
 * variable BYODA_PASSPHRASE, the systemd credential `passphrase`, `<data>/passphrase` when it exists,
 * or a prompt on a terminal (run-server.ts `commandPassphrase`, the same for every server). Only
 * `init --local-secrets` creates that file (random, mode 0600): local networks only.
 *
 * `start --json` prints one line once serving, for the programs (tests, `byoda up`) that start it:
 * `{"event":"ready","url":...,"port":...,"service_id":...,"fqdn":...,"version":...,"name":...,
 * "network":...,"store":"sqlite"|"postgres"}`, and `{"event":"stopped","signal":...}` at the end. Logs go to
 * `<data>/logs/service.log` (or `--log-file`), never to stdout. `--dns host:port` names the directory's
 * DNS server, through which the service finds its members' pods to collect their search data;
 * `--store sqlite:PATH|postgres://...` where it keeps them (the search index; default `<data>/search.db`).
 */
import { join, resolve } from 'node:path';
import { mkdir, readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { ByodaError } from '../errors/index.js';
import type { ServiceAddress, ServiceSummary } from '../service/index.js';
import { addMetricsOptions } from './metrics-options.js';
import {
  commandPassphrase,
  LOCAL_SECRETS_HELP,
  logFileHelp,
  parsePort,
  parsePublicAddress,
  passphraseFileHelp,
  runServer,
} from './run-server.js';
import { parseHostPort, type HostPort } from './host-port.js';
import type { PassphraseOption, ReadyAnnouncement, ServerCommandOptions } from './run-server.js';

interface InitOptions extends PassphraseOption {
  readonly data: string;
  readonly contract: string;
  readonly directory: string;
  readonly rootCa?: string;
  readonly rootCaSha256?: string;
  readonly network?: string;
  readonly json?: boolean;
}

interface StartOptions extends ServerCommandOptions {
  readonly data: string;
  readonly host: string;
  readonly port: number;
  readonly directory?: string;
  readonly publicAddress?: string;
  readonly dns?: HostPort;
  readonly maxMembersPerAccount?: number;
  readonly store?: string;
}

/** DNS port when `--dns` is not given: the standard one, on the directory's host (as `byoda pod start`). */
const DNS_PORT = 53;

interface PublishOptions extends PassphraseOption {
  readonly data: string;
  readonly directory?: string;
  readonly json?: boolean;
}

export function registerServiceCommands(program: Command): void {
  const service = program.command('service').description('run a service: its contract and its members');
  service
    .command('init')
    .description('register a new service with the directory and publish its first contract version')
    .requiredOption('--data <dir>', 'data folder of the service (created)')
    .requiredOption('--contract <file>', 'contract JSON file (unsigned is fine: it is signed here)')
    .requiredOption('--directory <url>', 'directory URL, e.g. https://127.0.0.1:4433')
    .option('--root-ca <file>', 'network root CA (PEM); fetched from the directory when absent')
    .option('--root-ca-sha256 <hex>', 'refuse a fetched root CA without this SHA-256 fingerprint')
    .option('--network <name>', 'network domain; must match the root CA')
    .option('--passphrase-file <file>', passphraseFileHelp())
    .option('--local-secrets', LOCAL_SECRETS_HELP)
    .option('--json', 'print the result as JSON')
    .action((options: InitOptions) => initCommand(options));
  const start = service
    .command('start')
    .description('run the service server until interrupted (SIGINT/SIGTERM)')
    .requiredOption('--data <dir>', 'data folder made by `byoda service init`')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: a free one)', parsePort, 0)
    .option('--directory <url>', 'directory URL (default: the one given at init)')
    .option(
      '--public-address <ip>',
      'address the directory publishes for the service (default: --host)',
      parsePublicAddress,
    )
    .option(
      '--dns <host:port>',
      "the directory's DNS server, to find members' pods for the search (default: the directory's host, port 53)",
      parseHostPort,
    )
    .option('--max-members-per-account <n>', 'member ids one account may hold (default 3)', parseMemberQuota)
    .option(
      '--store <url>',
      'where the search index lives: sqlite:PATH (default: <data>/search.db) or postgres://user:pw@host/db',
    )
    .option('--passphrase-file <file>', passphraseFileHelp())
    .option('--log-file <file>', logFileHelp('service'))
    .option('--json', 'print a JSON "ready" event on stdout once serving');
  addMetricsOptions(start).action((options: StartOptions) => startCommand(options));
  service
    .command('publish')
    .description('publish a new, compatible contract version (refused if incompatible)')
    .argument('<file>', 'contract JSON file with a greater version')
    .requiredOption('--data <dir>', 'data folder made by `byoda service init`')
    .option('--directory <url>', 'directory URL (default: the one given at init)')
    .option('--passphrase-file <file>', passphraseFileHelp())
    .option('--json', 'print the result as JSON')
    .action((file: string, options: PublishOptions) => publishCommand(file, options));
}

/**
 * The service module is loaded when a service command runs: its server (HTTP, GraphQL, search, the
 * directory client) would otherwise slow every other command, `byoda --help` included.
 */
const loadService = () => import('../service/index.js');

// ---- init --------------------------------------------------------------------------------------------

async function initCommand(options: InitOptions): Promise<void> {
  const dataDir = resolve(options.data);
  const rootCaPem = await rootCaFor(options);
  const passphrase = await passphraseForInit(dataDir, options);
  const { initService } = await loadService();
  const summary = await initService({
    dataDir,
    passphrase,
    contractPath: options.contract,
    directoryUrl: options.directory,
    rootCaPem,
    ...(options.network !== undefined ? { network: options.network } : {}),
  });
  if (options.json) {
    printJson({ event: 'initialized', ...summaryJson(summary), data: dataDir });
  } else {
    print(`service ${summary.serviceId} (${summary.name}) initialized in ${dataDir}`);
    print(`  ${summary.fqdn}, contract version ${summary.version}, network ${summary.network}`);
  }
}

/**
 * The root CA from `--root-ca`, or from the directory: pinned by `--root-ca-sha256`, else trusted on
 * first use (its fingerprint is shown, to compare with `byoda network init`'s).
 */
async function rootCaFor(options: InitOptions): Promise<string> {
  if (options.rootCa !== undefined) return readTextFile(options.rootCa, 'root CA file');
  const { DirectoryClient, certificateFingerprint } = await import('../network/index.js');
  const pem = await DirectoryClient.fetchRootCa(
    options.directory,
    options.rootCaSha256 !== undefined ? { expectedFingerprint: options.rootCaSha256 } : {},
  );
  process.stderr.write(`byoda: fetched the network root CA, SHA-256 ${certificateFingerprint(pem)}\n`);
  return pem;
}

function passphraseForInit(dataDir: string, options: PassphraseOption): Promise<string> {
  return passphrase(dataDir, options, true);
}

// ---- start -------------------------------------------------------------------------------------------

async function startCommand(options: StartOptions): Promise<void> {
  const dataDir = resolve(options.data);
  const { readServiceConfig, searchStoreLocation, ServiceServer, SERVICE_FILES } = await loadService();
  // A bad --store, then an uninitialised folder: each one clear line, before the passphrase is asked.
  searchStoreLocation(options.store, join(dataDir, SERVICE_FILES.searchIndex));
  const config = await readServiceConfig(dataDir);
  const passphrase = await passphraseForRun(dataDir, options);
  const directoryUrl = options.directory ?? config.directoryUrl;
  const server = new ServiceServer();
  await runServer(options, {
    name: 'service',
    command: 'byoda service start',
    dataDir,
    logFile: join(dataDir, 'logs', 'service.log'),
    server,
    start: (logger, metrics) =>
      server.start({
        dataDir,
        passphrase,
        host: options.host,
        port: options.port,
        dnsServer: options.dns ?? { host: new URL(directoryUrl).hostname, port: DNS_PORT },
        logger,
        ...(metrics ? { metrics } : {}),
        ...(options.directory !== undefined ? { directoryUrl: options.directory } : {}),
        ...(options.publicAddress !== undefined ? { publicAddress: options.publicAddress } : {}),
        ...(options.maxMembersPerAccount !== undefined
          ? { maxMembersPerAccount: options.maxMembersPerAccount }
          : {}),
        ...(options.store !== undefined ? { store: options.store } : {}),
      }),
    ready,
  });
}

/** Commander parser of `--max-members-per-account`: a whole number from 1. */
function parseMemberQuota(text: string): number {
  const value = /^[1-9]\d{0,5}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value)) throw new InvalidArgumentError('a whole number from 1 to 999999.');
  return value;
}

function ready(address: ServiceAddress): ReadyAnnouncement {
  return {
    json: { url: address.url, port: address.port, ...summaryJson(address), store: address.store },
    text: [
      `service ${address.serviceId} (${address.name}) version ${address.version} serving at ${address.url}`,
      `  as ${address.fqdn}, search index on ${address.store}; stop with Ctrl-C`,
    ],
  };
}

// ---- publish -----------------------------------------------------------------------------------------

async function publishCommand(file: string, options: PublishOptions): Promise<void> {
  const dataDir = resolve(options.data);
  const { publishServiceContract, readServiceConfig } = await loadService();
  await readServiceConfig(dataDir);
  const outcome = await publishServiceContract({
    dataDir,
    passphrase: await passphraseForRun(dataDir, options),
    contractPath: file,
    ...(options.directory !== undefined ? { directoryUrl: options.directory } : {}),
  });
  if (options.json) {
    printJson({ event: 'published', version: outcome.version, published: outcome.published });
  } else if (outcome.published) {
    print(`contract version ${outcome.version} published`);
  } else {
    print(`contract version ${outcome.version} was already published; nothing changed`);
  }
}

// ---- shared ------------------------------------------------------------------------------------------

function passphraseForRun(dataDir: string, options: PassphraseOption): Promise<string> {
  return passphrase(dataDir, options, false);
}

/** `--passphrase-file`, else $BYODA_PASSPHRASE, else `<data>/passphrase` (created by init if needed). */
async function passphrase(dataDir: string, options: PassphraseOption, create: boolean): Promise<string> {
  if (create) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const { SERVICE_FILES } = await loadService();
  const resolved = await commandPassphrase(options, join(dataDir, SERVICE_FILES.passphrase), create);
  return resolved.passphrase;
}

async function readTextFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CONFIG', `cannot read the ${what} ${path}`, { cause });
  }
}

function summaryJson(summary: ServiceSummary): Record<string, unknown> {
  return {
    service_id: summary.serviceId,
    fqdn: summary.fqdn,
    version: summary.version,
    name: summary.name,
    network: summary.network,
  };
}

function printJson(value: unknown): void {
  print(JSON.stringify(value));
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
