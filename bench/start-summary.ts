/**
 * The arithmetic of `npm run bench:start` (bench/start.ts), free of processes so that a unit test can
 * check it: the order in which variants take turns, and each variant's median start time and its
 * ratio to the baseline's median, per thing started.
 */
import { percentile, ratioOf, round2 } from './stats.js';

/** One timed start: a variant (how `byoda` ran) starting one thing (`help`, `directory`, `pod`). */
export interface StartSample {
  readonly variant: string;
  readonly subject: string;
  /** Wall time from spawn to the end (exit or ready line). */
  readonly ms: number;
  /** CPU time (user + system) of the process until then; less moved by other jobs than `ms`. */
  readonly cpuMs?: number;
}

export interface VariantFigures {
  readonly variant: string;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** This variant's median over the baseline's: below 1 starts faster. */
  readonly ratio: number;
}

export interface SubjectFigures {
  readonly subject: string;
  readonly baseline: string;
  readonly variants: readonly VariantFigures[];
}

/**
 * The order of the variants in each of `rounds` rounds: every variant once per round, the first one
 * moving by one each round, so that none always runs right after a start of the same thing (warm
 * file cache) or right before it.
 */
export function turns(variants: readonly string[], rounds: number): string[][] {
  if (variants.length === 0) throw new Error('no variants to compare');
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`rounds must be a whole number >= 1, not ${rounds}`);
  return Array.from({ length: rounds }, (_, r) =>
    variants.map((_, i) => variants[(i + r) % variants.length] ?? ''),
  );
}

/**
 * The median (nearest rank) of each variant per subject, and its ratio to the first variant's, of the
 * wall time or (`measure: 'cpuMs'`) the CPU time.
 */
export function summarise(
  variants: readonly string[],
  samples: readonly StartSample[],
  measure: 'ms' | 'cpuMs' = 'ms',
): SubjectFigures[] {
  const baseline = variants[0];
  if (baseline === undefined) throw new Error('no variants to compare');
  const subjects = [...new Set(samples.map((s) => s.subject))];
  return subjects.map((subject) => {
    const of = (variant: string): number[] =>
      samples
        .filter((s) => s.subject === subject && s.variant === variant)
        .flatMap((s) => (s[measure] === undefined ? [] : [s[measure]]));
    const baselineMedian = percentile(of(baseline), 50);
    return {
      subject,
      baseline,
      variants: variants.map((variant) => {
        const ms = of(variant);
        const median = percentile(ms, 50);
        return {
          variant,
          runs: ms.length,
          medianMs: round2(median),
          minMs: round2(Math.min(...ms)),
          maxMs: round2(Math.max(...ms)),
          ratio: ratioOf(median, baselineMedian),
        };
      }),
    };
  });
}
