/**
 * `npm run bench`: every suite below, each measuring something against a baseline taken in the same
 * run, so that the figures are ratios that mean something on any machine. Writes
 * bench/results/<timestamp>.json and prints each ratio. Traffic stays on 127.0.0.1.
 *
 * `npm run bench -- <word> ...` runs only the suites whose function name contains one of the words
 * (e.g. `npm run bench -- singleRead proxied`). Load suites: BYODA_BENCH_SECONDS per round (default 2),
 * BYODA_BENCH_PAIRS baseline/subject pairs (default 2), BYODA_BENCH_CONNECTIONS (default "1,32");
 * docs/performance.md says more.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { CONNECTIONS } from './load/concurrency.js';
import { PAIRS, ROUND_SECONDS } from './load/load-generator.js';
import type { BenchResult } from './measure.js';
import { printResult } from './report.js';
import { stopShared } from './servers/network.js';
import { appendsSuite } from './suites/appends.js';
import { mtlsSuite } from './suites/mtls.js';
import { proxiedSuite } from './suites/proxied.js';
import { pageReadSuite, singleReadSuite, solidSuite } from './suites/reads.js';
import { recursiveSuite } from './suites/recursive.js';
import { signedReadsSuite } from './suites/signed-reads.js';

// One line per suite.
const SUITES: readonly (() => Promise<BenchResult>)[] = [
  mtlsSuite,
  signedReadsSuite,
  singleReadSuite,
  pageReadSuite,
  solidSuite,
  proxiedSuite,
  appendsSuite,
  recursiveSuite,
];

async function main(): Promise<void> {
  const at = new Date().toISOString();
  // The machine's load when the run began and ended: the ratios cancel steady load, not a swing of it.
  const machine = { cores: availableParallelism(), load_average_at_start: loadavg() };
  const words = process.argv.slice(2);
  const chosen = SUITES.filter((s) => words.length === 0 || words.some((w) => s.name.includes(w)));
  const suites: BenchResult[] = [];
  const failed: { suite: string; error: string }[] = [];
  try {
    for (const suite of chosen) {
      try {
        const result = await suite();
        suites.push(result);
        printResult(result);
      } catch (err) {
        // One broken suite must not cost the figures of the others; the run still fails at its end.
        failed.push({ suite: suite.name, error: err instanceof Error ? err.message : String(err) });
        console.error(`${suite.name} failed: ${failed.at(-1)?.error}`);
      }
    }
  } finally {
    await stopShared();
  }
  await mkdir(new URL('results/', import.meta.url), { recursive: true });
  const file = new URL(`results/${at.replace(/[:.]/g, '-')}.json`, import.meta.url);
  await writeFile(
    file,
    JSON.stringify(
      {
        at,
        node: process.version,
        machine: { ...machine, load_average_at_end: loadavg() },
        settings: { round_seconds: ROUND_SECONDS, pairs: PAIRS, connections: CONNECTIONS },
        suites,
        failed,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`written to ${file.pathname}`);
  if (failed.length > 0) process.exitCode = 1;
}

await main();
