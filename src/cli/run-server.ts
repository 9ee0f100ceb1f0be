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
import { InvalidArgumentError } from 'commander';
import type { Logger } from 'pino';
import { PASSPHRASE_ENV, resolvePassphrase } from '../directory/index.js';
import type { PassphraseSource } from '../directory/index.js';
import { createLogger } from '../http/index.js';
import { acquireFolderLock, dataFolderLockPath } from '../lock/index.js';

export interface PassphraseOption {
  readonly passphraseFile?: string;
}

/** What a server says once it serves: its `ready` event's fields, and the same for people. */
export interface ReadyAnnouncement {
  readonly json: Readonly<Record<string, unknown>>;
  readonly text: readonly string[];
}

/** The options every server command has, whatever else it takes. */
export interface ServerCommandOptions extends PassphraseOption {
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
  readonly start: (logger: Logger) => Promise<Address>;
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
  try {
    const logger = createLogger({ name: run.name, file: options.logFile ?? run.logFile });
    const ready = run.ready(await startOrStop(run, logger));
    if (json) {
      printJson({ event: 'ready', ...ready.json });
    } else {
      for (const line of ready.text) print(line);
    }
    const signal = await nextStopSignal();
    logger.info({ signal }, 'stopping');
    await run.server.stop();
    logger.flush();
    if (json) printJson({ event: 'stopped', signal });
  } finally {
    // Released only once the server stopped (or never started): nothing of it is left in use.
    await lock.release();
  }
}

/** Starts the server; one that fails half-way is stopped, so the lock is not released under it. */
async function startOrStop<Address>(run: ServerRun<Address>, logger: Logger): Promise<Address> {
  try {
    return await run.start(logger);
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

/**
 * The key passphrase: `--passphrase-file`, else $BYODA_PASSPHRASE, else `localFile` in the data
 * folder, which `create` (the init commands) makes when neither of the first two is given.
 */
export function commandPassphrase(
  options: PassphraseOption,
  localFile: string,
  create: boolean,
): Promise<{ passphrase: string; source: PassphraseSource }> {
  return resolvePassphrase({
    ...(options.passphraseFile !== undefined ? { file: options.passphraseFile } : {}),
    env: process.env,
    localFile,
    create,
  });
}

/** The help of `--passphrase-file`; `otherwise` says where the passphrase comes from without it. */
export function passphraseFileHelp(otherwise: string): string {
  return `file holding the key passphrase (else $${PASSPHRASE_ENV}, else ${otherwise})`;
}

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

function printJson(value: unknown): void {
  print(JSON.stringify(value));
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
