// StrykerJS over the security core (docs/testing.md, "Mutation testing"). One scope per run, named by
// BYODA_MUTATION_SCOPE (scripts/mutation/scopes.mjs); scripts/mutation/run.sh runs them all. Each
// scope keeps its own incremental file and reports under reports/mutation/<scope>/ (git-ignored), so a
// rerun mutates only what changed in its source or tests since the last run.
import { SCOPES } from './scripts/mutation/scopes.mjs';

const name = process.env.BYODA_MUTATION_SCOPE ?? 'firewall';
const scope = SCOPES[name];
if (!scope) throw new Error(`BYODA_MUTATION_SCOPE=${name} is not one of ${Object.keys(SCOPES).join(', ')}`);
const out = `reports/mutation/${name}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: scope.mutate,
  testRunner: 'tap',
  // Each test file runs as `node --import tsx <file>` with node's test runner printing TAP.
  tap: {
    testFiles: scope.tests,
    nodeArgs: ['--import', 'tsx', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
    forceBail: true,
  },
  // Coverage per test file: a mutant runs only the files that reach its code.
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  // Each mutant type-checked alone: slower, but every run tests the same mutants (grouped checking
  // refused a different share from run to run, so runs were not comparable).
  typescriptChecker: { prioritizePerformanceOverAccuracy: false },
  // The machine is shared (2 cores): one test process at a time.
  concurrency: 1,
  // Load may be high: a mutant is a timeout only well past the dry run's time for its tests.
  timeoutMS: 60000,
  timeoutFactor: 3,
  incremental: true,
  incrementalFile: `${out}/stryker-incremental.json`,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: `${out}/mutation.html` },
  jsonReporter: { fileName: `${out}/mutation.json` },
  // Per scope, so that scopes may run side by side; its sandboxes see `../shared` (run.sh links it).
  tempDirName: `.stryker/${name}`,
  cleanTempDir: 'always',
  // What the tests never read stays out of the sandbox copy. dist/ (the compiled build, run by no
  // unit test) holds symlinks to folders, which Stryker's copy cannot take.
  ignorePatterns: [
    'dist',
    'web',
    'bench',
    'tooling',
    'reports',
    'coverage',
    '.byoda',
    '.test-tmp',
    '.stryker-tmp',
    '.stryker',
  ],
  thresholds: { high: 95, low: 90, break: null },
};
