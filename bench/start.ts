/**
 * `npm run bench:start`: how long a process of the `byoda` command takes to start, the cost that the
 * test suite pays for every server it starts and a newcomer pays for every command. Three things are
 * started: `byoda --help` (until it exits), `byoda directory start` and `byoda pod start` (until their
 * `--json` ready line: listening, every start-up step done). Each is started by every variant in turn,
 * round after round, so that the machine's load weighs on all variants alike; the figures are each
 * variant's median and its ratio to the first variant's median, all measured in this run, of the wall
 * time and of the process's CPU time until then (user + system: what a start costs the machine, and
 * much less moved by other jobs on it than the wall time).
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
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
/** A process that exits says its CPU time at exit (stderr, a pipe: written before the exit). */
const CPU_AT_EXIT =
  'data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();' +
  'process.stderr.write(`\\nBYODA_BENCH_CPU_US ${u.user+u.system}\\n`)})';
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time of a running process so far (Linux /proc), in ms; undefined elsewhere. */
async function cpuMsOf(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (!fields) return undefined;
  // After the name: state is field 3; utime and stime are fields 14 and 15.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
}

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
 * Milliseconds from spawning `byoda ...args` until `until` (its exit, or its `--json` ready line), and
 * its CPU time until then; a long-running process is then stopped (SIGTERM) and waited for, outside
 * the time.
 */
async function timeStart(
  variant: Variant,
  args: readonly string[],
  until: 'exit' | 'ready',
): Promise<{ ms: number; cpuMs?: number }> {
  const started = performance.now();
  const nodeArgs = until === 'exit' ? [...NODE_ARGS, '--import', CPU_AT_EXIT] : NODE_ARGS;
  const child = spawn(process.execPath, [...nodeArgs, variant.bin, ...args], {
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
    if (until === 'exit') {
      const reported = /BYODA_BENCH_CPU_US (\d+)/.exec(stderr)?.[1];
      return { ms, ...(reported !== undefined ? { cpuMs: Number(reported) / 1000 } : {}) };
    }
    const cpuMs = await cpuMsOf(child.pid);
    return { ms, ...(cpuMs !== undefined ? { cpuMs } : {}) };
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
          const { ms, cpuMs } = await timeStart(variant, subject.args, subject.until);
          samples.push({
            variant: name,
            subject: subject.name,
            ms,
            ...(cpuMs !== undefined ? { cpuMs } : {}),
          });
          console.log(`  ${subject.name} ${name}: ${Math.round(ms)} ms (CPU ${cpuMs ?? '?'} ms)`);
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
  const names = variants.map((v) => v.name);
  const figures = { wall: summarise(names, samples), cpu: summarise(names, samples, 'cpuMs') };
  for (const [kind, subjects] of Object.entries(figures)) {
    for (const subject of subjects) {
      console.log(`${subject.subject}, ${kind} time (baseline ${subject.baseline})`);
      for (const v of subject.variants) {
        console.log(
          `  ${v.variant}: median ${v.medianMs} ms (${v.minMs}-${v.maxMs}, ${v.runs} runs) = ${v.ratio}x`,
        );
      }
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
