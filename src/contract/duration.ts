/**
 * Durations in contracts (`#properties` items such as `["cache_only", "3d"]` or `"cache:1h"`): a
 * positive whole number followed by one unit letter. One number and one unit keep the grammar
 * unambiguous; `90m` is written instead of `1h30m`.
 */
import { ByodaError } from '../errors/index.js';

/** Seconds per unit letter. */
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
type DurationUnit = keyof typeof UNIT_SECONDS;

const DURATION = /^([1-9][0-9]{0,8})([smhdw])$/;

/** The duration in seconds, or `undefined` when `text` is not a duration (for callers with a path). */
export function tryParseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Number(amount) * UNIT_SECONDS[unit as DurationUnit];
}

/** Parses `30s`, `15m`, `1h`, `3d`, `1w` into seconds; throws `BYODA_ERR_VALUE` otherwise. */
export function parseDuration(text: string): number {
  const seconds = tryParseDuration(text);
  if (seconds === undefined) {
    throw new ByodaError('BYODA_ERR_VALUE', `${JSON.stringify(text)} is not a duration: ${DURATION_HELP}`);
  }
  return seconds;
}

/** What a valid duration looks like, for error messages. */
export const DURATION_HELP = 'write a positive whole number and a unit s, m, h, d or w, e.g. "3d"';

/** The shortest exact spelling of a number of seconds: 259200 -> `3d`, 90 -> `90s`. */
export function formatDuration(seconds: number): string {
  const units = Object.entries(UNIT_SECONDS).reverse() as [DurationUnit, number][];
  for (const [unit, size] of units) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
