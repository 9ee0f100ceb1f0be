/**
 * `npm run bench`: every suite in bench/suites/, each measuring something against a baseline taken in
 * the same run, so that the figures are ratios that mean something on any machine. Writes
 * bench/results/<timestamp>.json and prints each ratio. Loops are bounded in count, traffic stays on
 * 127.0.0.1.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { SuiteResult } from './measure.js';
import { mtlsSuite } from './suites/mtls.js';
import { signedReadsSuite } from './suites/signed-reads.js';

const SUITES: readonly (() => Promise<SuiteResult>)[] = [mtlsSuite, signedReadsSuite];

async function main(): Promise<void> {
  const at = new Date().toISOString();
  const suites: SuiteResult[] = [];
  for (const suite of SUITES) {
    const result = await suite();
    suites.push(result);
    console.log(`${result.benchmark}`);
    console.log(`  ${result.baseline.name}: ${result.baseline.perSecond} ${result.unit}/s (baseline)`);
    for (const m of result.measurements) {
      const [name, value] = Object.entries(result.ratios)[result.measurements.indexOf(m)] ?? ['', 0];
      console.log(`  ${m.name}: ${m.perSecond} ${result.unit}/s = ${value}x baseline (${name})`);
    }
  }
  await mkdir(new URL('results/', import.meta.url), { recursive: true });
  const file = new URL(`results/${at.replace(/[:.]/g, '-')}.json`, import.meta.url);
  await writeFile(file, JSON.stringify({ at, node: process.version, suites }, null, 2) + '\n');
  console.log(`written to ${file.pathname}`);
}

await main();
