/**
 * Running a server from the command line, the same way for `byoda directory|service|pod start`: start
 * it with a logger (to a file, never to stdout), say once that it is ready (one JSON line with
 * `--json`, for the programs that start it, else a line or two for people), serve until SIGINT or
 * SIGTERM, then stop cleanly and say so (`{"event":"stopped","signal":...}` with `--json`). The
 * command then returns, and `byoda` exits with 0.
 *
 * Before it starts, it takes the lock of the server's data folder (src/lock): a second start on a
 * folder in use fails with BYODA_ERR_CONFLICT before anything of it is published in DNS.
 *
 * Also the options every such command shares: `--port`, `--passphrase-file` and `--log-file`.
 */
import { isIP } from 'node:net';
import { InvalidArgumentError } from 'commander';
import type { Logger } from 'pino';
import { acquireFolderLock, dataFolderLockPath } from '../lock/index.js';
import { LOCAL_SECRET_LABEL, localSecretFile, resolveSecret, terminalPrompt } from '../secrets/index.js';
import type { SecretSource } from '../secrets/index.js';
import type { MetricsListener, MetricsRegistry } from '../metrics/index.js';
import { operatorMetrics } from './metrics-options.js';
import type { MetricsOptions } from './metrics-options.js';

export interface PassphraseOption {
  readonly passphraseFile?: string;
  /** `--local-secrets` of the init commands. */
  readonly localSecrets?: boolean;
}

/** What a server says once it serves: its `ready` event's fields, and the same for people. */
export interface ReadyAnnouncement {
  readonly json: Readonly<Record<string, unknown>>;
  readonly text: readonly string[];
}

/** The options every server command has, whatever else it takes. */
export interface ServerCommandOptions extends PassphraseOption, MetricsOptions {
  /** `--log-file`: where the JSON log lines go, instead of the server's default file. */
  readonly logFile?: string;
  /** `--json`: machine-readable `ready` and `stopped` lines on stdout. */
  readonly json?: boolean;
}

export interface ServerRun<Address> {
  /** The logger's name. */
  readonly name: string;
  /** The command as people type it (`byoda pod start`), named when a second one is refused. */
  readonly command: string;
  /** The server's data folder, locked while it runs. */
  readonly dataDir: string;
  /** Where the JSON log lines go without `--log-file`. */
  readonly logFile: string;
  readonly server: { stop(): Promise<void> };
  /** `metrics`: the registry to record into, when `--metrics-listen` is given. */
  readonly start: (logger: Logger, metrics: MetricsRegistry | undefined) => Promise<Address>;
  readonly ready: (address: Address) => ReadyAnnouncement;
}

/** Starts the server, announces it, serves until SIGINT/SIGTERM, then stops it. */
export async function runServer<Address>(
  options: ServerCommandOptions,
  run: ServerRun<Address>,
): Promise<void> {
  const json = options.json === true;
  const lock = await acquireFolderLock(dataFolderLockPath(run.dataDir), {
    holder: run.command,
    folder: run.dataDir,
  });
  let metricsListener: MetricsListener | undefined;
  try {
    // Checked before the server starts: a bad metrics option publishes nothing.
    const metrics = await operatorMetrics(options);
    // The HTTP layer (fastify) loads with the first server a command runs, not with every command.
    const { createLogger } = await import('../http/index.js');
    const logger = createLogger({ name: run.name, file: options.logFile ?? run.logFile });
    const ready = run.ready(await startOrStop(run, logger, metrics?.registry));
    metricsListener = await metrics
      ?.listen(logger.child({ component: 'metrics' }))
      .catch(async (err: unknown) => {
        await run.server.stop();
        throw err;
      });
    const metricsJson = metricsListener ? { metrics_url: metricsListener.url } : {};
    if (json) {
      printJson({ event: 'ready', ...ready.json, ...metricsJson });
    } else {
      for (const line of ready.text) print(line);
      if (metricsListener) print(`  metrics for the operator at ${metricsListener.url}`);
    }
    const signal = await nextStopSignal();
    logger.info({ signal }, 'stopping');
    await run.server.stop();
    logger.flush();
    if (json) printJson({ event: 'stopped', signal });
  } finally {
    await metricsListener?.close();
    // Released only once the server stopped (or never started): nothing of it is left in use.
    await lock.release();
  }
}

/** Starts the server; one that fails half-way is stopped, so the lock is not released under it. */
async function startOrStop<Address>(
  run: ServerRun<Address>,
  logger: Logger,
  metrics: MetricsRegistry | undefined,
): Promise<Address> {
  try {
    return await run.start(logger, metrics);
  } catch (err) {
    await run.server.stop().catch(() => undefined);
    throw err;
  }
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

/** The environment variable of the key passphrase. */
export const PASSPHRASE_ENV = 'BYODA_PASSPHRASE';
/** The systemd credential of the key passphrase (`LoadCredential=passphrase:...`). */
export const PASSPHRASE_CREDENTIAL = 'passphrase';

export type PassphraseSource = SecretSource | 'generated';

/**
 * The key passphrase (src/secrets): `--passphrase-file`, $BYODA_PASSPHRASE, the systemd credential
 * `passphrase`, the local file `localFile` when it exists, else a prompt on a terminal. `create` (an
 * init command) asks twice on a terminal; with `local` (`--local-secrets`) and no other source it
 * generates `localFile` instead, beside the keys: local networks only.
 */
export async function commandPassphrase(
  options: PassphraseOption,
  localFile: string,
  create: boolean,
): Promise<{ passphrase: string; source: PassphraseSource }> {
  const request = {
    what: 'the key passphrase',
    ...(options.passphraseFile !== undefined ? { file: options.passphraseFile } : {}),
    fileFlag: '--passphrase-file',
    envVar: PASSPHRASE_ENV,
    env: process.env,
    credential: PASSPHRASE_CREDENTIAL,
    localFile,
  };
  if (create && options.localSecrets === true) {
    const given = await resolveSecret(request).catch(() => undefined);
    if (given) return { passphrase: given.value, source: given.source };
    const made = await localSecretFile(localFile);
    warnLocal(localFile);
    return { passphrase: made.value, source: made.created ? 'generated' : 'local-file' };
  }
  const resolved = await resolveSecret({ ...request, prompt: terminalPrompt({ confirm: create }) });
  return { passphrase: resolved.value, source: resolved.source };
}

/** Said on stderr whenever a secret is kept beside what it protects. */
export function warnLocal(file: string): void {
  process.stderr.write(`byoda: ${file}: ${LOCAL_SECRET_LABEL}\n`);
}

/** The help of `--passphrase-file`. */
export function passphraseFileHelp(): string {
  return `file holding the key passphrase (else $${PASSPHRASE_ENV}, else the systemd credential '${PASSPHRASE_CREDENTIAL}', else <data>/passphrase if --local-secrets made it, else asked on a terminal)`;
}

/** The help of `--local-secrets` of the init commands. */
export const LOCAL_SECRETS_HELP =
  "local networks only: generate the key passphrase (and a pod owner's password) into files beside the keys";

/** The help of `--log-file` of the server `name`. */
export function logFileHelp(name: string): string {
  return `where to write JSON log lines (default <data>/logs/${name}.log)`;
}

/** Commander parser of a port option: 0 (a free one) to 65535. */
export function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535))
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535.');
  return port;
}

/** Commander parser of `--public-address`: one IP address that others can connect to. */
export function parsePublicAddress(text: string): string {
  if (isIP(text) === 0 || text === '0.0.0.0' || text === '::') {
    throw new InvalidArgumentError(
      'give one IP address that others can reach, e.g. 192.0.2.10 (not a name or a wildcard).',
    );
  }
  return text;
}

function printJson(value: unknown): void {
  print(JSON.stringify(value));
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
