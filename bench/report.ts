/** How `npm run bench` prints a suite's result (the JSON file holds everything). */
import type { BenchResult } from './measure.js';

export function printResult(result: BenchResult): void {
  console.log(result.benchmark);
  if ('comparisons' in result) {
    for (const c of result.comparisons) {
      const side = (f: typeof c.baseline): string =>
        `${f.perSecond} req/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms (${f.name})`;
      console.log(`  c=${c.connections}: ${c.ratio}x baseline (pairs ${c.pairRatios.join(', ')})`);
      console.log(`    baseline ${side(c.baseline)}`);
      console.log(`    subject  ${side(c.subject)}`);
    }
    for (const [key, value] of Object.entries(result.notes ?? {})) {
      if (typeof value !== 'object') console.log(`  ${key}: ${String(value)}`);
    }
    return;
  }
  console.log(`  ${result.baseline.name}: ${result.baseline.perSecond} ${result.unit}/s (baseline)`);
  result.measurements.forEach((m, i) => {
    const [name, value] = Object.entries(result.ratios)[i] ?? ['', 0];
    console.log(`  ${m.name}: ${m.perSecond} ${result.unit}/s = ${value}x baseline (${name})`);
  });
}
