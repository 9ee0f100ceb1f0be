/**
 * The bench process's handle on its load generator: one forked process (worker.ts) kept for the whole
 * run, sent one round at a time, and `compare`, which runs a subject against its baseline in
 * alternating rounds and reduces them with bench/stats.ts.
 *
 * Round length and count: BYODA_BENCH_SECONDS (default 2) per round, BYODA_BENCH_PAIRS (default 2)
 * baseline/subject pairs, after one unmeasured warm-up round of each.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { alternation, compareRounds } from '../stats.js';
import type { Comparison, Round } from '../stats.js';
import type { LoadJob, LoadReply, LoadResult } from './protocol.js';

export const ROUND_SECONDS = Number(process.env['BYODA_BENCH_SECONDS'] ?? 2);
export const PAIRS = Number(process.env['BYODA_BENCH_PAIRS'] ?? 2);
const WARM_UP_SECONDS = 1;

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

export class LoadGenerator {
  readonly #child: ChildProcess;
  #busy = false;

  private constructor(child: ChildProcess) {
    this.#child = child;
  }

  static start(): LoadGenerator {
    const child = fork(WORKER, {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new LoadGenerator(child);
  }

  /** One round; refuses a round in which the server failed a request, so no figure hides errors. */
  async round(job: LoadJob): Promise<LoadResult> {
    if (this.#busy) throw new Error('the load generator runs one round at a time');
    this.#busy = true;
    try {
      const reply = await new Promise<LoadReply>((resolve, reject) => {
        const onExit = (code: number | null): void =>
          reject(new Error(`the load generator exited (${code})`));
        this.#child.once('exit', onExit);
        this.#child.once('message', (message: LoadReply) => {
          this.#child.off('exit', onExit);
          resolve(message);
        });
        this.#child.send(job);
      });
      if (reply.kind === 'error') throw new Error(reply.message);
      return checkedRound(job, reply.result);
    } finally {
      this.#busy = false;
    }
  }

  close(): void {
    this.#child.kill('SIGTERM');
  }
}

/** `result`, unless the server failed a request in it: then an error saying how, so no figure hides one. */
export function checkedRound(job: LoadJob, result: LoadResult): LoadResult {
  const { non2xx, errors, mismatches } = result;
  if (non2xx + errors + mismatches > 0) {
    throw new Error(
      `${job.method} ${job.url} at c=${job.connections}: ${non2xx} non-2xx answers, ${errors} errors, ` +
        `${mismatches} answers with other bytes`,
    );
  }
  return result;
}

export interface Sides {
  readonly baseline: { readonly name: string; readonly job: Omit<LoadJob, 'connections' | 'seconds'> };
  readonly subject: { readonly name: string; readonly job: Omit<LoadJob, 'connections' | 'seconds'> };
}

/** `sides` at `connections`, rounds alternating baseline, subject, baseline, subject, ... */
export async function compare(
  load: Pick<LoadGenerator, 'round'>,
  sides: Sides,
  connections: number,
  seconds = ROUND_SECONDS,
): Promise<Comparison> {
  for (const side of [sides.baseline, sides.subject]) {
    await load.round({ ...side.job, connections, seconds: WARM_UP_SECONDS });
  }
  const rounds: Round[] = [];
  for (const role of alternation(PAIRS)) {
    const result = await load.round({ ...sides[role].job, connections, seconds });
    rounds.push({
      role,
      requests: result.requests,
      seconds: result.seconds,
      latenciesMs: result.latenciesMs,
    });
  }
  return compareRounds({ baseline: sides.baseline.name, subject: sides.subject.name }, connections, rounds);
}
