/**
 * `byoda app init|start` (spec §12; docs/protocol.md, "Apps and claims"): the service's operator makes
 * an app with certificates from the service's apps CA, then runs it until interrupted.
 *
 * `init` reads the service's PKI from `--service-data` (its passphrase: `--service-passphrase-file`,
 * else `<service data>/passphrase`); the app's own keys are encrypted with `--passphrase-file`, else
 * $BYODA_PASSPHRASE, the systemd credential, `<data>/passphrase` (made at init with `--local-secrets`),
 * else a terminal prompt. `start --json` prints
 * `{"event":"ready","url","port","app_id","service_id","fqdn","kind","network"}` once serving.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { AppAddress, AppKind } from '../app/index.js';
import { ByodaError } from '../errors/index.js';
import {
  commandPassphrase,
  LOCAL_SECRETS_HELP,
  logFileHelp,
  parsePort,
  passphraseFileHelp,
  runServer,
} from './run-server.js';
import type { PassphraseOption, ServerCommandOptions } from './run-server.js';

interface InitOptions extends PassphraseOption {
  readonly data: string;
  readonly serviceData: string;
  readonly servicePassphraseFile?: string;
  readonly kind: string;
  readonly appId?: string;
  readonly directory: string;
  readonly json?: boolean;
}

interface StartOptions extends ServerCommandOptions {
  readonly data: string;
  readonly host: string;
  readonly port: number;
  readonly publicAddress?: string;
  readonly block?: string[];
  readonly audience?: string;
}

/**
 * The app module is loaded when an app command runs: its server would otherwise slow every other
 * command, `byoda --help` included.
 */
const loadApp = () => import('../app/index.js');

/** `--kind`, checked against the app module's kinds once it is loaded. */
async function checkKind(text: string): Promise<AppKind> {
  const { APP_KINDS } = await loadApp();
  if (!(APP_KINDS as readonly string[]).includes(text)) {
    throw new ByodaError('BYODA_ERR_CONFIG', `--kind must be one of ${APP_KINDS.join(', ')}, not '${text}'`, {
      path: '--kind',
    });
  }
  return text as AppKind;
}

/** App ids are UUID v4s, lower case: a contract's `app_ids` compares them byte for byte. */
const APP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** `--app-id`: lets a contract's `app_ids` name the app before it exists. */
function checkAppId(text: string | undefined): string | undefined {
  if (text === undefined || APP_ID.test(text)) return text;
  throw new ByodaError('BYODA_ERR_CONFIG', `--app-id must be a lower-case UUID v4, not '${text}'`, {
    path: '--app-id',
  });
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value.toLowerCase()];

export function registerAppCommands(program: Command): void {
  const app = program.command('app').description('run an app of a service (certificates from its apps CA)');
  app
    .command('init')
    .description("make an app of a service, signed by the service's apps CA")
    .requiredOption('--data <dir>', 'data folder of the app (created)')
    .requiredOption('--service-data <dir>', 'data folder of the service (its PKI signs the app)')
    .requiredOption('--directory <url>', 'directory URL, where the app registers its name')
    .option('--kind <kind>', 'what the app does: review or identity', 'review')
    .option('--app-id <uuid>', "the app's id, e.g. one a contract's app_ids names (default: a new one)")
    .option(
      '--service-passphrase-file <file>',
      "file holding the service's key passphrase (else <service data>/passphrase)",
    )
    .option('--passphrase-file <file>', passphraseFileHelp())
    .option('--local-secrets', LOCAL_SECRETS_HELP)
    .option('--json', 'print the result as JSON')
    .action((options: InitOptions) => initCommand(options));
  app
    .command('start')
    .description('run the app server until interrupted (SIGINT/SIGTERM)')
    .requiredOption('--data <dir>', 'data folder made by `byoda app init`')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: a free one)', parsePort, 0)
    .option('--public-address <ip>', 'address the directory publishes for the app (default: --host)')
    .option(
      '--block <word>',
      'a review app rejects content with this word (repeatable; default spam, scam)',
      collect,
    )
    .option('--audience <name>', 'the audience a review app rates content for (default everyone)')
    .option('--passphrase-file <file>', passphraseFileHelp())
    .option('--log-file <file>', logFileHelp('app'))
    .option('--json', 'print a JSON "ready" event on stdout once serving')
    .action((options: StartOptions) => startCommand(options));
}

async function initCommand(options: InitOptions): Promise<void> {
  const kind = await checkKind(options.kind);
  const appId = checkAppId(options.appId);
  const dataDir = resolve(options.data);
  const serviceData = resolve(options.serviceData);
  const servicePassphrase = (
    await readFile(options.servicePassphraseFile ?? join(serviceData, 'passphrase'), 'utf8').catch(
      (cause: unknown) => {
        throw new ByodaError('BYODA_ERR_CONFIG', "the service's key passphrase file cannot be read", {
          cause,
        });
      },
    )
  ).trim();
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const { passphrase } = await commandPassphrase(options, join(dataDir, 'passphrase'), true);
  const { initApp } = await loadApp();
  const config = await initApp({
    dataDir,
    passphrase,
    servicePkiDir: join(serviceData, 'pki'),
    servicePassphrase,
    kind,
    directoryUrl: options.directory,
    ...(appId !== undefined ? { appId } : {}),
  });
  const summary = {
    app_id: config.appId,
    service_id: config.serviceId,
    kind: config.kind,
    network: config.network,
  };
  if (options.json)
    process.stdout.write(`${JSON.stringify({ event: 'initialized', ...summary, data: dataDir })}\n`);
  else
    process.stdout.write(
      `app ${config.appId} (${config.kind}) of service ${config.serviceId} initialized in ${dataDir}\n`,
    );
}

async function startCommand(options: StartOptions): Promise<void> {
  const dataDir = resolve(options.data);
  const { AppServer, DEFAULT_REVIEW_POLICY, readAppConfig } = await loadApp();
  await readAppConfig(dataDir);
  const { passphrase } = await commandPassphrase(options, join(dataDir, 'passphrase'), false);
  const server = new AppServer();
  await runServer(options, {
    name: 'app',
    command: 'byoda app start',
    dataDir,
    logFile: join(dataDir, 'logs', 'app.log'),
    server,
    start: (logger) =>
      server.start({
        dataDir,
        passphrase,
        host: options.host,
        port: options.port,
        logger,
        policy: {
          blockedWords: options.block ?? DEFAULT_REVIEW_POLICY.blockedWords,
          audience: options.audience ?? DEFAULT_REVIEW_POLICY.audience,
        },
        ...(options.publicAddress !== undefined ? { publicAddress: options.publicAddress } : {}),
      }),
    ready: (address: AppAddress) => ({
      json: {
        url: address.url,
        port: address.port,
        app_id: address.appId,
        service_id: address.serviceId,
        fqdn: address.fqdn,
        kind: address.kind,
        network: address.network,
      },
      text: [
        `app ${address.appId} (${address.kind}) serving at ${address.url} as ${address.fqdn}; stop with Ctrl-C`,
      ],
    }),
  });
}
