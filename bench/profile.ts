/**
 * `npm run bench:profile`: the owner's single read or 20-record page (bench/suites/reads.ts) at c=32 against a pod
 * process run under `node --cpu-prof`, then the pod stopped cleanly so that V8 writes the profile, and
 * its greatest self times printed and written to bench/results/profile-<timestamp>.json (the
 * `.cpuprofile` itself is kept beside it, for Chrome DevTools or speedscope).
 *
 * BYODA_BENCH_PROFILE_SECONDS (default 10) is how long the load runs; BYODA_BENCH_PROFILE_QUERY=page
 * profiles the page of PAGE_SIZE records instead of the single read (`single`, the default).
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BYODA, NetworkHarness, runByodaJson } from '../test/fixtures/network-harness.js';
import { EXAMPLE_CONTRACT, OwnerSession } from '../test/integration/federation/owner-session.js';
import { LoadGenerator } from './load/load-generator.js';
import { summarizeProfile } from './profile-summary.js';
import type { CpuProfile } from './profile-summary.js';
import { BenchPod, PAGE_SIZE } from './servers/network.js';
import { PAGE_READ, SINGLE_READ } from './suites/reads.js';

const SECONDS = Number(process.env['BYODA_BENCH_PROFILE_SECONDS'] ?? 10);
const WHICH = process.env['BYODA_BENCH_PROFILE_QUERY'] ?? 'single';
if (WHICH !== 'single' && WHICH !== 'page') {
  throw new Error(`BYODA_BENCH_PROFILE_QUERY must be single or page, not ${WHICH}`);
}
const QUERY = WHICH === 'page' ? PAGE_READ : SINGLE_READ;
const RESULTS = fileURLToPath(new URL('results/', import.meta.url));

/** `byoda pod start` under --cpu-prof; resolves once it is ready, with its ready line and a stop. */
async function startProfiledPod(net: NetworkHarness, dataDir: string, profileDir: string) {
  const { host, port } = net.directory.dns;
  const child = spawn(
    process.execPath,
    [
      '--cpu-prof',
      '--cpu-prof-dir',
      profileDir,
      BYODA,
      'pod',
      'start',
      '--data',
      dataDir,
      '--dns',
      `${host}:${port}`,
      '--json',
    ],
    // The per-file build (BYODA_BUILD=files) by default: its modules keep their paths, so the profile
    // says which package or source file the time goes to; the bundle's chunks would hide that. The
    // request path runs the same code in both builds; BYODA_BUILD=bundle profiles what `byoda` runs.
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BYODA_BUILD: process.env['BYODA_BUILD'] ?? 'files' },
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    void exited.then((code) => reject(new Error(`the profiled pod exited (${code}) before it was ready`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('"event":"ready"')) resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await exited;
  };
  return { ready, stop, pid: child.pid };
}

async function main(): Promise<void> {
  process.env['BYODA_RATE_LIMIT_PER_MINUTE'] = '1000000';
  const net = await NetworkHarness.start({ pods: 0, contract: EXAMPLE_CONTRACT });
  const load = LoadGenerator.start();
  const dataDir = join(net.root, 'profiled');
  const profileDir = join(net.root, 'cpu-profile');
  try {
    await runByodaJson([
      'pod',
      'init',
      '--local-secrets',
      '--data',
      dataDir,
      '--directory',
      net.directory.url,
      '--root-ca',
      net.directory.rootCaPath,
    ]);
    const password = (await readFile(join(dataDir, 'password'), 'utf8')).trim();
    const pod = await startProfiledPod(net, dataDir, profileDir);
    const owner = await OwnerSession.join(
      {
        name: 'profiled',
        webUrl: String(pod.ready['web_url']),
        fqdn: String(pod.ready['fqdn']),
        username: 'owner',
        password,
      },
      net.directory.rootCaPem,
      net.service.serviceId,
    );
    const subject = new BenchPod('profiled', owner, net.directory.rootCaPem);
    try {
      await owner.storePerson({
        given_name: 'Ada',
        family_name: 'Lovelace',
        email: 'ada@example.org',
        home_address: { street: '12 St James Square' },
      });
      if (WHICH === 'page') {
        for (let i = 0; i < PAGE_SIZE; i++) await owner.publish(`asset ${i}`);
      }
      const { body } = await subject.answer(QUERY);
      const result = await load.round({
        ...subject.job(QUERY),
        expectBody: body,
        connections: 32,
        seconds: SECONDS,
      });
      console.log(
        `owner ${WHICH === 'page' ? `${PAGE_SIZE}-record page` : 'single read'} under --cpu-prof, c=32: ${Math.round(result.requests / result.seconds)} req/s`,
      );
    } finally {
      await owner.close();
      await pod.stop();
    }
    const file = (await readdir(profileDir)).find(
      (f) => f.includes(`.${pod.pid}.`) && f.endsWith('.cpuprofile'),
    );
    if (!file) throw new Error(`no CPU profile of the pod (pid ${pod.pid}) in ${profileDir}`);
    const profile = JSON.parse(await readFile(join(profileDir, file), 'utf8')) as CpuProfile;
    // The load's seconds only: the pod's start-up (module loading, keys) is not what a request costs.
    const summary = summarizeProfile(profile, 20, SECONDS * 1000);
    console.log(`busy ${summary.busyMs} ms; greatest self times:`);
    for (const f of summary.functions) console.log(`  ${f.percent.toFixed(1).padStart(5)} %  ${f.name}`);
    console.log('by place:');
    for (const p of summary.places) console.log(`  ${p.percent.toFixed(1).padStart(5)} %  ${p.name}`);
    await mkdir(RESULTS, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    await copyFile(join(profileDir, file), join(RESULTS, `profile-${stamp}.cpuprofile`));
    await writeFile(
      join(RESULTS, `profile-${stamp}.json`),
      JSON.stringify({ query: QUERY, seconds: SECONDS, ...summary }, null, 2) + '\n',
    );
    console.log(`written to ${join(RESULTS, `profile-${stamp}.json`)}`);
  } finally {
    load.close();
    await net.stop();
  }
}

await main();
