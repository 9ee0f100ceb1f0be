/**
 * `byoda directory start --data DIR`: run the directory (HTTPS and DNS) of the network in DIR until
 * SIGINT or SIGTERM, then stop cleanly. With `--json`, one line on stdout says it is ready, for the
 * programs (tests, `byoda up`) that start it:
 * `{"event":"ready","url":...,"port":...,"dns":{"host":...,"port":...},"network":...,"root_ca":...}`.
 * Logs go to `<data>/logs/directory.log` (or `--log-file`), never to stdout.
 */
import { access } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { DirectoryServer, directoryPaths, resolvePassphrase } from '../directory/index.js';
import type { DirectoryAddress } from '../directory/index.js';
import { ByodaError } from '../errors/index.js';
import { createLogger } from '../http/index.js';
import { networkPkiExists } from '../pki/index.js';

interface StartOptions {
  readonly data: string;
  readonly host: string;
  readonly port: number;
  readonly dnsHost?: string;
  readonly dnsPort: number;
  readonly passphraseFile?: string;
  readonly logFile?: string;
  readonly json?: boolean;
}

export function registerDirectoryCommands(program: Command): void {
  const directory = program.command('directory').description('run the directory server of a network');
  directory
    .command('start')
    .description('serve the directory (HTTPS) and its DNS zone until SIGINT/SIGTERM')
    .requiredOption('--data <dir>', 'data folder made by `byoda network init`')
    .option('--host <ip>', 'IP address to listen on', '127.0.0.1')
    .option('--port <port>', 'HTTPS port (0: a free one)', parsePort, 0)
    .option('--dns-host <ip>', 'IP address for DNS (default: --host)')
    .option('--dns-port <port>', 'DNS port, UDP and TCP (0: a free one)', parsePort, 0)
    .option(
      '--passphrase-file <file>',
      'file holding the key passphrase (else $BYODA_PASSPHRASE, else <data>/passphrase)',
    )
    .option('--log-file <file>', 'where to write JSON log lines (default <data>/logs/directory.log)')
    .option('--json', 'announce readiness as one JSON line on stdout')
    .action((options: StartOptions) => startCommand(options));
}

function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535))
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535.');
  return port;
}

async function startCommand(options: StartOptions): Promise<void> {
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
  const { passphrase } = await resolvePassphrase({
    ...(options.passphraseFile !== undefined ? { file: options.passphraseFile } : {}),
    env: process.env,
    localFile: paths.passphrase,
    create: false,
  });
  const logger = createLogger({ name: 'directory', file: options.logFile ?? paths.logFile });
  const server = new DirectoryServer();
  const address = await server.start({
    dataDir: paths.dataDir,
    passphrase,
    host: options.host,
    port: options.port,
    dnsPort: options.dnsPort,
    ...(options.dnsHost !== undefined ? { dnsHost: options.dnsHost } : {}),
    logger,
  });
  announce(address, options.json === true);
  const signal = await nextStopSignal();
  logger.info({ signal }, 'stopping');
  await server.stop();
  logger.flush();
  if (options.json) process.stdout.write(`${JSON.stringify({ event: 'stopped', signal })}\n`);
}

function announce(address: DirectoryAddress, json: boolean): void {
  if (json) {
    const ready = {
      event: 'ready',
      url: address.url,
      port: address.port,
      dns: { host: address.dnsHost, port: address.dnsPort },
      network: address.network,
      root_ca: address.rootCaPath,
    };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
    return;
  }
  process.stdout.write(
    `directory of ${address.network} at ${address.url}, DNS on ${address.dnsHost} port ${address.dnsPort} ` +
      `(root CA: ${address.rootCaPath}); Ctrl-C stops it\n`,
  );
}

/** Resolves on the first SIGINT or SIGTERM, and removes both handlers so a second signal kills as usual. */
function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
