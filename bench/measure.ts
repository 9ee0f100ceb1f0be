/** How every benchmark suite measures: a warm-up, then a bounded count of runs, timed as a whole. */
import { performance } from 'node:perf_hooks';
import type { Comparison } from './stats.js';

export interface Measurement {
  readonly name: string;
  /** Runs timed (requests, pages, ...; the suite says which). */
  readonly runs: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/** What a suite reports: its baseline and what is compared with it, measured in the same run. */
export interface SuiteResult {
  readonly benchmark: string;
  readonly unit: string;
  readonly baseline: Measurement;
  readonly measurements: readonly Measurement[];
  /** measurement per second / baseline per second, by a name the suite gives. */
  readonly ratios: Readonly<Record<string, number>>;
}

export async function measure(name: string, runs: number, once: () => Promise<void>): Promise<Measurement> {
  for (let i = 0; i < Math.min(20, runs); i++) await once(); // warm-up
  const started = performance.now();
  for (let i = 0; i < runs; i++) await once();
  const seconds = (performance.now() - started) / 1000;
  return { name, runs, seconds: round(seconds), perSecond: round(runs / seconds) };
}

export function ratio(measurement: Measurement, baseline: Measurement): number {
  return round(measurement.perSecond / baseline.perSecond);
}

export function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * What a load suite reports (bench/load): for each concurrency, a subject against its baseline in
 * alternating rounds of the same run, and whatever else the suite names (e.g. the durability setting).
 */
export interface LoadSuiteResult {
  readonly benchmark: string;
  readonly comparisons: readonly Comparison[];
  readonly notes?: Readonly<Record<string, unknown>>;
}

export type BenchResult = SuiteResult | LoadSuiteResult;
