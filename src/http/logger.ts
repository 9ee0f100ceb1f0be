/**
 * Structured logs (pino) for every server: JSON lines, one per request with its outcome, to a file or
 * stderr. Secrets (authorization headers, passwords, keys) are redacted at the source.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';

export interface LoggerOptions {
  readonly name: string;
  readonly level?: string;
  /** File to append JSON lines to; stderr when absent. */
  readonly file?: string;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.file
    ? pino.destination({ dest: options.file, mkdir: true, sync: false })
    : pino.destination(2);
  return pino(
    {
      name: options.name,
      level: options.level ?? process.env['BYODA_LOG_LEVEL'] ?? 'info',
      redact: {
        paths: ['req.headers.authorization', 'password', 'passphrase', '*.password', '*.passphrase', 'key'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
