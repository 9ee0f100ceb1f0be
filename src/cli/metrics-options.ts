/**
 * `--metrics-listen HOST:PORT` and `--metrics-token-file FILE` of every server command (and `byoda
 * up`): the operator's Prometheus endpoint on a listener of its own, off by default (src/metrics).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Logger } from 'pino';
import { ByodaError } from '../errors/index.js';
import type { MetricsListener, MetricsRegistry } from '../metrics/index.js';
import { readSecretFile } from '../secrets/index.js';
import type { HostPort } from './host-port.js';

export interface MetricsOptions {
  readonly metricsListen?: HostPort;
  readonly metricsTokenFile?: string;
}

/** The registry the servers record into, and its listener once started. */
export interface OperatorMetrics {
  readonly registry: MetricsRegistry;
  listen(logger: Logger): Promise<MetricsListener>;
}

export function addMetricsOptions(command: Command): Command {
  return command
    .option(
      '--metrics-listen <host:port>',
      'serve Prometheus metrics at http://HOST:PORT/metrics for the operator (off by default; 0: a free port)',
      parseListenAddress,
    )
    .option(
      '--metrics-token-file <file>',
      'bearer token scrapes must send (required unless --metrics-listen is a loopback address)',
    );
}

/** Commander parser of `HOST:PORT` or `[IPv6]:PORT` to listen on, port 0 (a free one) to 65535. */
export function parseListenAddress(text: string): HostPort {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) {
    throw new InvalidArgumentError('give the address to listen on as IP:PORT, e.g. 127.0.0.1:9464.');
  }
  return { host: match[1] ?? match[2] ?? '', port };
}

/**
 * The operator's metrics when `--metrics-listen` is given: the token read and the address checked
 * before any server starts, so a bad option stops the command before it publishes anything.
 */
export async function operatorMetrics(options: MetricsOptions): Promise<OperatorMetrics | undefined> {
  const where = options.metricsListen;
  if (where === undefined) {
    if (options.metricsTokenFile !== undefined) {
      throw new ByodaError('BYODA_ERR_CONFIG', '--metrics-token-file needs --metrics-listen');
    }
    return undefined;
  }
  const token =
    options.metricsTokenFile === undefined
      ? undefined
      : await readSecretFile(options.metricsTokenFile, '--metrics-token-file');
  // Loaded here, not at the top: prom-client and the listener's HTTP server are only for servers.
  const { checkListenOptions, MetricsRegistry, startMetricsListener } = await import('../metrics/index.js');
  checkListenOptions({ host: where.host, ...(token !== undefined ? { token } : {}) });
  const registry = new MetricsRegistry();
  return {
    registry,
    listen: (logger) =>
      startMetricsListener({
        host: where.host,
        port: where.port,
        metrics: registry,
        logger,
        ...(token !== undefined ? { token } : {}),
      }),
  };
}
