/**
 * The arithmetic of the load benchmarks, kept free of sockets and processes so that a unit test can
 * check it (test/unit/bench/stats.test.ts): the order of rounds, percentiles, and what a comparison of
 * a subject with its baseline reports.
 *
 * A comparison alternates rounds, baseline then subject, again and again, in one run: whatever else the
 * shared machine does at the time slows both about equally, so their ratio means more than either
 * figure alone.
 */

export type Role = 'baseline' | 'subject';

/** One timed round of load against one target. */
export interface Round {
  readonly role: Role;
  /** Responses that arrived within the round. */
  readonly requests: number;
  readonly seconds: number;
  /** Each response's latency in milliseconds. */
  readonly latenciesMs: readonly number[];
}

/** What one target did over all of its rounds. */
export interface TargetFigures {
  readonly name: string;
  readonly rounds: number;
  readonly requests: number;
  /** All of its responses over all of its rounds' seconds. */
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** p99 / p50: how long the tail is (the issue asks for at most 3 at c=32). */
  readonly tail: number;
}

export interface Comparison {
  readonly connections: number;
  readonly baseline: TargetFigures;
  readonly subject: TargetFigures;
  /** subject / baseline requests per second over the whole run. */
  readonly ratio: number;
  /** The same ratio for each pair of rounds taken one after the other: how much the machine wobbled. */
  readonly pairRatios: readonly number[];
}

/**
 * The order of the rounds: `pairs` times baseline then subject. At least one pair, so that a
 * comparison never lacks a side.
 */
export function alternation(pairs: number): Role[] {
  if (!Number.isInteger(pairs) || pairs < 1)
    throw new Error(`pairs must be a whole number >= 1, not ${pairs}`);
  return Array.from({ length: pairs }, (): Role[] => ['baseline', 'subject']).flat();
}

/**
 * The nearest-rank percentile `q` (0 < q <= 100) of `values`: the smallest value that at least q % of
 * them do not exceed. NaN for no values.
 */
export function percentile(values: readonly number[], q: number): number {
  if (!(q > 0 && q <= 100)) throw new Error(`a percentile is in (0, 100], not ${q}`);
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)] ?? NaN;
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** a / b to two decimals; NaN when b is 0, so that a failed baseline never reads as a good ratio. */
export function ratioOf(a: number, b: number): number {
  return b === 0 ? NaN : round2(a / b);
}

/** One target's figures over its rounds (all latencies pooled, so the percentiles are exact). */
export function figuresOf(name: string, rounds: readonly Round[]): TargetFigures {
  const requests = rounds.reduce((sum, r) => sum + r.requests, 0);
  const seconds = rounds.reduce((sum, r) => sum + r.seconds, 0);
  const latencies = rounds.flatMap((r) => r.latenciesMs);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  return {
    name,
    rounds: rounds.length,
    requests,
    perSecond: seconds > 0 ? round2(requests / seconds) : 0,
    p50Ms: round2(p50),
    p99Ms: round2(p99),
    tail: ratioOf(p99, p50),
  };
}

/**
 * The comparison of rounds taken in `alternation` order: each side's figures, the overall ratio and
 * the ratio of each baseline round with the subject round after it.
 */
export function compareRounds(
  names: { readonly baseline: string; readonly subject: string },
  connections: number,
  rounds: readonly Round[],
): Comparison {
  const baselineRounds = rounds.filter((r) => r.role === 'baseline');
  const subjectRounds = rounds.filter((r) => r.role === 'subject');
  if (baselineRounds.length === 0 || subjectRounds.length === 0) {
    throw new Error('a comparison needs rounds of both the baseline and the subject');
  }
  const rate = (r: Round): number => (r.seconds > 0 ? r.requests / r.seconds : 0);
  const pairRatios = baselineRounds.map((b, i) => {
    const s = subjectRounds[i];
    return s ? ratioOf(rate(s), rate(b)) : NaN;
  });
  const baseline = figuresOf(names.baseline, baselineRounds);
  const subject = figuresOf(names.subject, subjectRounds);
  return {
    connections,
    baseline,
    subject,
    ratio: ratioOf(subject.perSecond, baseline.perSecond),
    pairRatios: pairRatios.filter((r) => !Number.isNaN(r)),
  };
}
