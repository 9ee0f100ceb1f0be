/**
 * `byoda network init --network NAME --data DIR`: create a network's PKI (root CA, accounts and
 * services CAs, network data cert, directory TLS cert) in a new data folder for `byoda directory start`.
 * An existing network is never replaced: every certificate of it depends on its root.
 */
import { mkdir } from 'node:fs/promises';
import type { Command } from 'commander';
import { ByodaError } from '../errors/index.js';
import { createNetworkPki, isNetworkName, networkPkiExists, readRootCaCert } from '../pki/index.js';
import { commandPassphrase, LOCAL_SECRETS_HELP, passphraseFileHelp } from './run-server.js';
import type { PassphraseOption, PassphraseSource } from './run-server.js';

interface InitOptions extends PassphraseOption {
  readonly network: string;
  readonly data: string;
  readonly json?: boolean;
}

export function registerNetworkCommands(program: Command): void {
  const network = program.command('network').description('create and manage a BYODA network');
  network
    .command('init')
    .description('create the network PKI in a new data folder, for `byoda directory start`')
    .requiredOption('--network <name>', 'the network domain, e.g. byoda.test')
    .requiredOption('--data <dir>', 'data folder of the directory (created if missing)')
    .option('--passphrase-file <file>', passphraseFileHelp())
    .option('--local-secrets', LOCAL_SECRETS_HELP)
    .option('--json', 'print the result as one JSON line')
    .action((options: InitOptions) => initCommand(options));
}

async function initCommand(options: InitOptions): Promise<void> {
  const { certificateFingerprint } = await import('../network/index.js');
  if (!isNetworkName(options.network)) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `--network: '${options.network}' is not a network name (a lower-case DNS domain such as byoda.test)`,
    );
  }
  // Lazily: the directory's index brings its whole server, which `network init` does not run.
  const { directoryPaths } = await import('../directory/index.js');
  const paths = directoryPaths(options.data);
  if (await networkPkiExists(paths.pkiDir)) {
    const { network } = await readRootCaCert(paths.pkiDir);
    throw new ByodaError('BYODA_ERR_CONFIG', `a network (${network}) already exists in ${paths.dataDir}`);
  }
  await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
  const { passphrase, source } = await commandPassphrase(options, paths.passphrase, true);
  const pki = await createNetworkPki(paths.pkiDir, options.network, passphrase);
  const fingerprint = certificateFingerprint(pki.rootCaPem);
  if (options.json) {
    const result = {
      event: 'initialized',
      network: pki.network,
      data: paths.dataDir,
      root_ca: paths.rootCa,
      root_ca_sha256: fingerprint,
      passphrase: source,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  process.stdout.write(
    `created network ${pki.network} in ${paths.dataDir}\n` +
      `root CA: ${paths.rootCa}\nroot CA SHA-256: ${fingerprint}\n${passphraseNote(source, paths.passphrase)}\n`,
  );
}

function passphraseNote(source: PassphraseSource, localFile: string): string {
  switch (source) {
    case 'file':
      return 'keys encrypted with the passphrase from --passphrase-file';
    case 'env':
      return 'keys encrypted with the passphrase from $BYODA_PASSPHRASE';
    case 'credential':
      return "keys encrypted with the passphrase of the systemd credential 'passphrase'";
    case 'prompt':
      return 'keys encrypted with the passphrase typed in';
    default:
      return `keys encrypted with the passphrase in ${localFile} (fine for a local network only)`;
  }
}
