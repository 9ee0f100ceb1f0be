/**
 * `byoda directory start --data DIR`: run the directory (HTTPS and DNS) of the network in DIR until
 * SIGINT or SIGTERM, then stop cleanly. With `--json`, one line on stdout says it is ready, for the
 * programs (tests, `byoda up`) that start it:
 * `{"event":"ready","url":...,"port":...,"dns":{"host":...,"port":...},"network":...,"root_ca":...}`.
 * Logs go to `<data>/logs/directory.log` (or `--log-file`), never to stdout.
 */
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import type { DirectoryAddress } from '../directory/index.js';
import { ByodaError } from '../errors/index.js';
import { networkPkiExists } from '../pki/index.js';
import { addMetricsOptions } from './metrics-options.js';
import {
  commandPassphrase,
  logFileHelp,
  parsePort,
  parsePublicAddress,
  passphraseFileHelp,
  runServer,
} from './run-server.js';
import type { ReadyAnnouncement, ServerCommandOptions } from './run-server.js';
import { parseServiceId } from './pod.js';
import { registerDirectoryRevoke } from './revoke.js';

interface StartOptions extends ServerCommandOptions {
  readonly data: string;
  readonly host: string;
  readonly port: number;
  readonly dnsHost?: string;
  readonly dnsPort: number;
  readonly publishLoopback?: boolean;
  readonly publicAddress?: string;
  readonly store?: string;
  readonly dns: string;
}

export function registerDirectoryCommands(program: Command): void {
  const directory = program.command('directory').description('run the directory server of a network');
  const start = directory
    .command('start')
    .description('serve the directory (HTTPS) and its DNS zone until SIGINT/SIGTERM')
    .requiredOption('--data <dir>', 'data folder made by `byoda network init`')
    .option('--host <ip>', 'IP address to listen on', '127.0.0.1')
    .option('--port <port>', 'HTTPS port (0: a free one)', parsePort, 0)
    .option('--dns-host <ip>', 'IP address for DNS (default: --host)')
    .option('--dns-port <port>', 'DNS port, UDP and TCP (0: a free one)', parsePort, 0)
    .option(
      '--public-address <ip>',
      'address published as dir.<network> (needed with --host 0.0.0.0 on a real network; default: --host)',
      parsePublicAddress,
    )
    .option(
      '--publish-loopback',
      'publish loopback addresses of accounts, services and members (default: when --host is loopback)',
    )
    .option('--store <url>', 'sqlite:PATH (default: <data>/directory.db) or postgres://user:pw@host/db')
    .option(
      '--dns <mode>',
      'builtin: serve DNS; none: no DNS server (PowerDNS serves a postgres store)',
      'builtin',
    )
    .option('--passphrase-file <file>', passphraseFileHelp())
    .option('--log-file <file>', logFileHelp('directory'))
    .option('--json', 'announce readiness as one JSON line on stdout');
  addMetricsOptions(start).action((options: StartOptions) => startCommand(options));
  registerDirectoryRevoke(directory, parseServiceId);
}

// The server's modules load only when this command runs: every other command starts faster.
const loadDirectory = () => import('../directory/index.js');

async function startCommand(options: StartOptions): Promise<void> {
  const { DirectoryServer, directoryPaths } = await loadDirectory();
  const paths = directoryPaths(options.data);
  const exists = await access(paths.dataDir).then(
    () => true,
    () => false,
  );
  if (!exists) throw new ByodaError('BYODA_ERR_CONFIG', `the data folder ${paths.dataDir} does not exist`);
  // Before the passphrase, so that a wrong folder is named as such rather than as a missing passphrase.
  if (!(await networkPkiExists(paths.pkiDir))) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `no network in ${paths.dataDir}: run 'byoda network init' first`,
    );
  }
  if (options.dns !== 'builtin' && options.dns !== 'none') {
    throw new ByodaError('BYODA_ERR_CONFIG', `--dns must be builtin or none, not '${options.dns}'`, {
      path: '--dns',
    });
  }
  const dns = options.dns;
  const { passphrase } = await commandPassphrase(options, paths.passphrase, false);
  const server = new DirectoryServer();
  await runServer(options, {
    name: 'directory',
    command: 'byoda directory start',
    dataDir: paths.dataDir,
    logFile: paths.logFile,
    server,
    start: (logger, metrics) =>
      server.start({
        dataDir: paths.dataDir,
        passphrase,
        host: options.host,
        port: options.port,
        dnsPort: options.dnsPort,
        ...(options.dnsHost !== undefined ? { dnsHost: options.dnsHost } : {}),
        ...(options.publishLoopback === true ? { publishLoopback: true } : {}),
        ...(options.publicAddress !== undefined ? { publicAddress: options.publicAddress } : {}),
        ...(metrics ? { metrics } : {}),
        ...(options.store !== undefined ? { store: options.store } : {}),
        dns,
        logger,
      }),
    ready,
  });
}

function ready(address: DirectoryAddress): ReadyAnnouncement {
  return {
    json: {
      url: address.url,
      port: address.port,
      dns: { host: address.dnsHost, port: address.dnsPort },
      store: address.store,
      network: address.network,
      root_ca: address.rootCaPath,
    },
    text: [
      `directory of ${address.network} at ${address.url}, DNS on ${address.dnsHost} port ${address.dnsPort} ` +
        `(root CA: ${address.rootCaPath}); Ctrl-C stops it`,
    ],
  };
}
