/**
 * Structured logs (pino) for every server: JSON lines, one per request with its outcome, to a file or
 * stderr. Secrets (authorization headers, passwords, keys) are redacted at the source.
 *
 * A log file is rotated by size: once it has reached `maxBytes`, it becomes `<file>.1` (`.1` becomes
 * `.2`, and so on; the oldest beyond `keep` is dropped) and a new file is started, so a long session
 * (`byoda up`, a server left running) keeps at most (keep + 1) × maxBytes of logs. Done with pino's own
 * destination (sonic-boom), which reopens its file by path after a rename, so no log line is lost or
 * written twice; no other package needed.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

/** 16 MiB a file: days of a quiet pod's refusals, enough lines around any one problem. */
export const DEFAULT_LOG_MAX_BYTES = 16 * 1024 * 1024;
/** Rotated files kept besides the current one. */
export const DEFAULT_LOG_KEEP = 3;

export interface LoggerOptions {
  readonly name: string;
  readonly level?: string;
  /** File to append JSON lines to; stderr when absent. */
  readonly file?: string;
  /** Size at which the file is rotated (default DEFAULT_LOG_MAX_BYTES). */
  readonly maxBytes?: number;
  /** Rotated files kept (default DEFAULT_LOG_KEEP). */
  readonly keep?: number;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.file
    ? rotatingFile(options.file, options.maxBytes ?? DEFAULT_LOG_MAX_BYTES, options.keep ?? DEFAULT_LOG_KEEP)
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

/**
 * An asynchronous file destination that rotates `file` once `maxBytes` have been written to it. The
 * size is counted from what the destination reports written (plus what the file held at start), so
 * no `stat` runs per line.
 */
function rotatingFile(file: string, maxBytes: number, keep: number): DestinationStream {
  const destination = pino.destination({ dest: file, mkdir: true, sync: false });
  let size = existsSync(file) ? statSync(file).size : 0;
  destination.on('write', (written: number) => {
    size += written;
    if (size < maxBytes) return;
    size = 0;
    shiftRotated(file, keep);
    // Reopens by path once the write in progress is done: later lines go to the new file.
    destination.reopen();
  });
  return destination;
}

/** `<file>.<keep-1>` → `<file>.<keep>`, …, `<file>` → `<file>.1`; the oldest is dropped. */
function shiftRotated(file: string, keep: number): void {
  try {
    rmSync(`${file}.${keep}`, { force: true });
    for (let index = keep - 1; index >= 1; index--) {
      if (existsSync(`${file}.${index}`)) renameSync(`${file}.${index}`, `${file}.${index + 1}`);
    }
    if (keep >= 1) renameSync(file, `${file}.1`);
    else rmSync(file, { force: true });
  } catch {
    // A rotation that failed (a file removed by hand, a full disk) must never stop the logging: the
    // lines keep going to the file as it is, and the next rotation tries again.
  }
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
