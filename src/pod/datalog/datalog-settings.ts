/**
 * How long and how much the data log keeps (docs/protocol.md, "The owner's data log"). Given at start
 * (`PodStartOptions.datalog`), else by the environment (`BYODA_DATALOG_RETENTION` as a duration such
 * as `30d`, `BYODA_DATALOG_MAX_ROWS`), else the defaults; a malformed value stops the pod at start.
 */
import { parseDuration } from '../../contract/index.js';
import { ByodaError } from '../../errors/index.js';

export interface DataLogSettings {
  /** Seconds a row is kept before the expiry sweeper deletes it. */
  readonly retentionSeconds: number;
  /** Rows the class keeps at most: each flush deletes the oldest beyond this. */
  readonly maxRows: number;
  /** Distinct entries that make a flush at once. */
  readonly flushEntries: number;
  /** Longest wait, in ms, between an entry and the flush that writes it. */
  readonly flushMs: number;
  /** Distinct entries held between flushes; more are counted in one "dropped" row. */
  readonly maxPending: number;
}

export const DEFAULT_DATALOG_SETTINGS: DataLogSettings = Object.freeze({
  retentionSeconds: 30 * 86_400,
  maxRows: 10_000,
  flushEntries: 100,
  flushMs: 1000,
  maxPending: 1000,
});

/** `config` over the environment over the defaults, checked (BYODA_ERR_CONFIG naming the setting). */
export function datalogSettings(
  config: Partial<DataLogSettings> | undefined,
  env: NodeJS.ProcessEnv,
): DataLogSettings {
  const fromEnv: Partial<DataLogSettings> = {
    ...(env['BYODA_DATALOG_RETENTION'] === undefined
      ? {}
      : { retentionSeconds: retentionOf(env['BYODA_DATALOG_RETENTION']) }),
    ...(env['BYODA_DATALOG_MAX_ROWS'] === undefined
      ? {}
      : { maxRows: Number(env['BYODA_DATALOG_MAX_ROWS']) }),
  };
  const given = { ...DEFAULT_DATALOG_SETTINGS, ...fromEnv, ...config };
  for (const [name, value] of Object.entries(given)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ByodaError('BYODA_ERR_CONFIG', `datalog.${name} must be a positive whole number`);
    }
  }
  return given;
}

function retentionOf(text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `BYODA_DATALOG_RETENTION: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
