/**
 * How long a pod waits for other pods (spec §8: each hop has a timeout, and a query an overall
 * deadline). The defaults of src/federation (3 s per hop, 10 s overall) suit pods on a network; a pod
 * on a slow link, or a test network of many pods on one small machine, may need more. Given in the
 * pod's start options, or else in the environment, so that `byoda pod start` takes them without a
 * flag: `BYODA_FEDERATION_HOP_TIMEOUT_MS` and `BYODA_FEDERATION_DEADLINE_MS`.
 */
import { ByodaError } from '../../errors/index.js';

export interface FederationTimings {
  /** The wait for a pod sent depth 0, in milliseconds; a pod sent depth `r` gets `r + 1` times it. */
  readonly hopTimeoutMs?: number;
  /** The overall deadline of the owner's query, in milliseconds. */
  readonly deadlineMs?: number;
}

export const HOP_TIMEOUT_ENV = 'BYODA_FEDERATION_HOP_TIMEOUT_MS';
export const DEADLINE_ENV = 'BYODA_FEDERATION_DEADLINE_MS';

/** Ten minutes: beyond it a query is not waited for but forgotten. */
const MAX_TIMING_MS = 600_000;

/** The timings set in `env`; an unset variable keeps the default, a malformed one is refused. */
export function federationTimingsFromEnv(env: NodeJS.ProcessEnv): FederationTimings {
  const hopTimeoutMs = timingOf(env, HOP_TIMEOUT_ENV);
  const deadlineMs = timingOf(env, DEADLINE_ENV);
  return {
    ...(hopTimeoutMs !== undefined ? { hopTimeoutMs } : {}),
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
  };
}

function timingOf(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(value >= 1 && value <= MAX_TIMING_MS)) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `${name} must be a whole number of milliseconds, 1 to ${MAX_TIMING_MS}`,
    );
  }
  return value;
}
