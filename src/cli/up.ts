/**
 * `byoda up`: a whole local network in this one process (spec §11): directory and DNS, one service,
 * N pods that joined it, on 127.0.0.1 with free ports, until SIGINT or SIGTERM. The work is in
 * src/local; this file reads the options, shows progress and waits for the signal.
 */
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { LOCAL_SECRET_LABEL } from '../secrets/index.js';
import { addMetricsOptions, operatorMetrics } from './metrics-options.js';
import type { MetricsOptions } from './metrics-options.js';

interface UpOptions extends MetricsOptions {
  readonly data: string;
  readonly pods?: number;
  readonly contract?: string;
  readonly store?: string;
  readonly json?: boolean;
}

const HELP = `
What it does:
  Starts, in this process and on 127.0.0.1 with free ports:
    - the directory of the network byoda.test (HTTPS) with its DNS server,
    - one service with the contract of --contract (an unsigned contract is signed
      by the service and countersigned by the network at start),
    - --pods pods, each joined to that service.
  It prints a line per step, then a table of what runs and how to log in to a pod.
  When, and only when, every server answers over verified TLS, it writes
  <data>/network.json: the network name, the DNS server, the root CA, and the URL
  and FQDN of the directory, the service and every pod (with its username, the file
  holding its password, and its member ids). Connect to a URL with the root CA as
  the only trusted CA and the FQDN as the TLS server name.
  SIGINT (Ctrl-C) or SIGTERM removes network.json and stops everything (exit 0).
  With --json every line is one JSON object: {"event":"progress",...} per step,
  {"event":"ready","network_file":...,<network.json>} and {"event":"stopped",...}.

The data folder:
  directory/          the network's keys and the directory's databases
  services/<name>/    the service, named after its contract
  pods/pod1/, ...     one folder per pod; 'password' is the owner's password
  Running again with the same folder reuses the network, accounts, memberships
  and data (ports change); a greater --pods adds pods. Every key passphrase and
  password is kept in a file (mode 0600) next to what it protects (${LOCAL_SECRET_LABEL}).
  Outside 'byoda up' nothing is kept that way unless an init is given --local-secrets.
  With --metrics-listen every server records into one Prometheus endpoint, each
  series labelled with its server kind and FQDN.

Examples:
  $ byoda up
  $ byoda up --data /tmp/net --pods 3 --json
`;

export function registerUpCommand(program: Command): void {
  const up = program
    .command('up')
    .description('start a whole local network (directory, DNS, a service, pods) in one process')
    .option('--data <dir>', 'data folder, created on the first run and reused after', '.byoda')
    .option('--pods <n>', 'number of pods, from 1 to 2000 (default 2)', parsePodCount)
    .option(
      '--contract <file>',
      "the service's contract file, signed or not (default: this package's contracts/addressbook.json)",
    )
    .option(
      '--store <url>',
      "the directory's store: sqlite:PATH (default: files in <data>/directory) or postgres://..., " +
        "which holds the service's search index too",
    )
    .option('--json', 'print progress as one JSON object per line, for programs')
    .addHelpText('after', HELP);
  addMetricsOptions(up).action((options: UpOptions) => upCommand(options));
}

function parsePodCount(text: string): number {
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1) {
    throw new InvalidArgumentError('the number of pods is a whole number from 1.');
  }
  return Number(text);
}

async function upCommand(options: UpOptions): Promise<void> {
  // Loaded here: the servers' stack is the heaviest import of the CLI, and `byoda --help` need not pay.
  const { LocalNetwork, createConsoleReporter } = await import('../local/index.js');
  const reporter = createConsoleReporter({
    json: options.json === true,
    color: process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined,
    write: (text) => process.stdout.write(text),
  });
  const interrupted = new AbortController();
  const stopSignal = nextStopSignal(interrupted);
  const network = new LocalNetwork();
  const dataDir = resolve(options.data);
  const metrics = await operatorMetrics(options).catch((err: unknown) => {
    stopSignal.cancel();
    throw err;
  });
  let listener: Awaited<ReturnType<NonNullable<typeof metrics>['listen']>> | undefined;
  try {
    await network.start({
      dataDir,
      signal: interrupted.signal,
      progress: reporter,
      ...(metrics ? { metrics: metrics.registry } : {}),
      ...(options.pods !== undefined ? { pods: options.pods } : {}),
      ...(options.contract !== undefined ? { contractPath: options.contract } : {}),
      ...(options.store !== undefined ? { store: options.store } : {}),
    });
  } catch (err) {
    // Interrupted while starting: `start` has stopped what it started; that is a clean stop.
    if (!interrupted.signal.aborted) {
      stopSignal.cancel();
      throw err;
    }
  }
  if (metrics && network.info && !interrupted.signal.aborted) {
    const { createLogger } = await import('../http/index.js');
    const logger = createLogger({ name: 'metrics', file: resolve(dataDir, 'logs', 'metrics.log') });
    listener = await metrics.listen(logger).catch(async (err: unknown) => {
      stopSignal.cancel();
      await network.stop();
      throw err;
    });
    process.stdout.write(
      options.json === true
        ? `${JSON.stringify({ event: 'metrics', url: listener.url })}\n`
        : `metrics for the operator at ${listener.url}\n`,
    );
  }
  const signal = await stopSignal.received;
  await listener?.close();
  if (network.info) {
    reporter.stopping(signal);
    await network.stop();
  }
  reporter.stopped(signal);
}

interface StopSignal {
  /** The first SIGINT or SIGTERM. */
  readonly received: Promise<NodeJS.Signals>;
  /** Stop listening (the command failed before any signal). */
  cancel(): void;
}

/**
 * Listens for the first SIGINT or SIGTERM from now on, also while the network starts (which it then
 * aborts). The handlers are removed after it, so that a second Ctrl-C ends the process at once.
 */
function nextStopSignal(interrupted: AbortController): StopSignal {
  let handler: (signal: NodeJS.Signals) => void = () => undefined;
  const remove = (): void => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  const received = new Promise<NodeJS.Signals>((resolveSignal) => {
    handler = (signal) => {
      remove();
      interrupted.abort(signal);
      resolveSignal(signal);
    };
  });
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return { received, cancel: remove };
}
