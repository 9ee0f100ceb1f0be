/**
 * `npm run bench:start`: how long a process of the `byoda` command takes to start, the cost that the
 * test suite pays for every server it starts and a newcomer pays for every command. Three things are
 * started: `byoda --help` (until it exits), `byoda directory start` and `byoda pod start` (until their
 * `--json` ready line: listening, every start-up step done). Each is started by every variant in turn,
 * round after round, so that the machine's load weighs on all variants alike; the figures are each
 * variant's median and its ratio to the first variant's median, all measured in this run.
 *
 * Variants (BYODA_BENCH_START_VARIANTS, default `files,bundle`):
 *   files     the per-file build of src/ (BYODA_BUILD=files): every module its own file
 *   bundle    the bundled command (bin/compiled.mjs), what `byoda` runs by default
 *   tsx       the sources through tsx (BYODA_TSX=1), the fallback when no build can be made
 *   checkout  `bin/byoda.js` of another checkout, BYODA_BENCH_START_CHECKOUT=<folder> (e.g. a git
 *             worktree of an older commit, its node_modules linked): the sources before a change
 * BYODA_BENCH_START_ROUNDS rounds (default 5). Writes bench/results/start-<time>.json.
 * BYODA_BENCH_START_NODE_ARGS adds node options to the timed processes, e.g.
 * `--cpu-prof --cpu-prof-dir=bench/results/start-profiles` for a profile of each start.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BYODA, ByodaProcess, NETWORK, runByodaJson } from '../test/fixtures/network-harness.js';
import type { StartSample } from './start-summary.js';
import { summarise, turns } from './start-summary.js';

interface Variant {
  readonly name: string;
  readonly bin: string;
  readonly env: NodeJS.ProcessEnv;
}

const START_TIMEOUT_MS = 120_000;
const NODE_ARGS = (process.env['BYODA_BENCH_START_NODE_ARGS'] ?? '').split(' ').filter((arg) => arg !== '');

function variantsFromEnv(): Variant[] {
  const names = (process.env['BYODA_BENCH_START_VARIANTS'] ?? 'files,bundle').split(',').map((s) => s.trim());
  return names.map((name): Variant => {
    const env = { ...process.env, BYODA_BUILD: undefined, BYODA_TSX: undefined };
    switch (name) {
      case 'files':
        return { name, bin: BYODA, env: { ...env, BYODA_BUILD: 'files' } };
      case 'bundle':
        return { name, bin: BYODA, env };
      case 'tsx':
        return { name, bin: BYODA, env: { ...env, BYODA_TSX: '1' } };
      case 'checkout': {
        const folder = process.env['BYODA_BENCH_START_CHECKOUT'];
        if (!folder) throw new Error('the checkout variant needs BYODA_BENCH_START_CHECKOUT=<folder>');
        return { name, bin: join(folder, 'bin', 'byoda.js'), env };
      }
      default:
        throw new Error(`unknown variant ${name} (files, bundle, tsx, checkout)`);
    }
  });
}

/**
 * Milliseconds from spawning `byoda ...args` until `done` (its exit, or its `--json` ready line); a
 * long-running process is then stopped (SIGTERM) and waited for, outside the time.
 */
async function timeStart(
  variant: Variant,
  args: readonly string[],
  until: 'exit' | 'ready',
): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [...NODE_ARGS, variant.bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: variant.env,
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const ms = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${until} within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      void exited.then((code) => {
        clearTimeout(timer);
        if (until === 'exit' && code === 0) resolve(performance.now() - started);
        else reject(new Error(`exited with ${code}`));
      });
      if (until === 'ready') {
        createInterface({ input: child.stdout }).on('line', (line) => {
          if (!line.includes('"event":"ready"')) return;
          clearTimeout(timer);
          resolve(performance.now() - started);
        });
      } else child.stdout.resume();
    });
    return ms;
  } catch (err) {
    throw new Error(`${variant.name}: byoda ${args.join(' ')}: ${(err as Error).message}\n${stderr}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  }
}

async function main(): Promise<void> {
  const at = new Date().toISOString();
  const machine = { cores: availableParallelism(), load_average_at_start: loadavg() };
  const variants = variantsFromEnv();
  const rounds = Number(process.env['BYODA_BENCH_START_ROUNDS'] ?? '5');
  const order = turns(
    variants.map((v) => v.name),
    rounds,
  );
  const byName = new Map(variants.map((v) => [v.name, v]));
  const root = await mkdtemp(join(tmpdir(), 'byoda-bench-start-'));
  const samples: StartSample[] = [];
  let directory: ByodaProcess | undefined;
  try {
    const directoryData = join(root, 'directory');
    const podData = join(root, 'pod');
    await runByodaJson(['network', 'init', '--local-secrets', '--network', NETWORK, '--data', directoryData]);
    const subjects: { name: string; args: string[]; until: 'exit' | 'ready' }[] = [
      { name: 'help', args: ['--help'], until: 'exit' },
      { name: 'directory', args: ['directory', 'start', '--data', directoryData, '--json'], until: 'ready' },
    ];
    const timeSubject = async (subject: (typeof subjects)[number]): Promise<void> => {
      // One start of each variant unmeasured: builds made, files in the page cache.
      for (const variant of variants) await timeStart(variant, subject.args, subject.until);
      for (const round of order) {
        for (const name of round) {
          const variant = byName.get(name);
          if (!variant) continue;
          const ms = await timeStart(variant, subject.args, subject.until);
          samples.push({ variant: name, subject: subject.name, ms });
          console.log(`  ${subject.name} ${name}: ${Math.round(ms)} ms`);
        }
      }
    };
    for (const subject of subjects) await timeSubject(subject);
    // A pod's start needs its directory (and its DNS) up.
    const started = await ByodaProcess.start(['directory', 'start', '--data', directoryData]);
    directory = started.process;
    const dns = started.ready['dns'] as { host: string; port: number };
    await runByodaJson([
      'pod',
      'init',
      '--local-secrets',
      '--data',
      podData,
      '--directory',
      String(started.ready['url']),
      '--root-ca',
      String(started.ready['root_ca']),
    ]);
    await timeSubject({
      name: 'pod',
      args: ['pod', 'start', '--data', podData, '--dns', `${dns.host}:${dns.port}`, '--json'],
      until: 'ready',
    });
  } finally {
    await directory?.stop();
    await rm(root, { recursive: true, force: true });
  }
  const figures = summarise(
    variants.map((v) => v.name),
    samples,
  );
  for (const subject of figures) {
    console.log(`${subject.subject} (baseline ${subject.baseline})`);
    for (const v of subject.variants) {
      console.log(
        `  ${v.variant}: median ${v.medianMs} ms (${v.minMs}-${v.maxMs}, ${v.runs} runs) = ${v.ratio}x`,
      );
    }
  }
  const results = fileURLToPath(new URL('results/', import.meta.url));
  await mkdir(results, { recursive: true });
  const file = join(results, `start-${at.replace(/[:.]/g, '-')}.json`);
  const variantsOut = variants.map((v) => ({
    name: v.name,
    bin: v.bin,
    ...(v.env['BYODA_BUILD'] ? { BYODA_BUILD: v.env['BYODA_BUILD'] } : {}),
    ...(v.env['BYODA_TSX'] ? { BYODA_TSX: v.env['BYODA_TSX'] } : {}),
  }));
  const out = {
    at,
    node: process.version,
    machine: { ...machine, load_average_at_end: loadavg() },
    settings: { rounds, variants: variantsOut },
    figures,
    samples,
  };
  await writeFile(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`written to ${file}`);
}

await main();
