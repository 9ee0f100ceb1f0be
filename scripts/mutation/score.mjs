// The mutation score per scope and in all, from each scope's JSON report (reports/mutation/<scope>/
// mutation.json, mutation-testing-report-schema): killed and timed-out mutants over every valid one
// (compile errors, i.e. mutants the TypeScript checker refused, are not counted), as Stryker counts.
import { readFile } from 'node:fs/promises';
import { SCOPE_NAMES } from './scopes.mjs';

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const scopes = process.argv.length > 2 ? process.argv.slice(2) : SCOPE_NAMES;
let detected = 0;
let undetected = 0;
const rows = [];
for (const scope of scopes) {
  let report;
  try {
    report = JSON.parse(await readFile(`reports/mutation/${scope}/mutation.json`, 'utf8'));
  } catch {
    rows.push(`${scope.padEnd(12)} no report yet`);
    continue;
  }
  let d = 0;
  let u = 0;
  const survivors = [];
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const mutant of mutants) {
      if (DETECTED.has(mutant.status)) d++;
      else if (UNDETECTED.has(mutant.status)) {
        u++;
        survivors.push(`    ${mutant.status} ${file}:${mutant.location.start.line} ${mutant.mutatorName}`);
      }
    }
  }
  detected += d;
  undetected += u;
  const score = d + u === 0 ? 'n/a' : `${((100 * d) / (d + u)).toFixed(1)}%`;
  rows.push(`${scope.padEnd(12)} ${score.padStart(6)}  ${d} detected, ${u} undetected`, ...survivors);
}
console.log(rows.join('\n'));
if (detected + undetected > 0) {
  console.log(`${'all'.padEnd(12)} ${((100 * detected) / (detected + undetected)).toFixed(1)}%`);
}
