/**
 * A `byoda up` child process for the scale benchmark, as a user runs it, with what the kernel says
 * about it: resident memory (/proc/<pid>/status VmRSS) and CPU time used (/proc/<pid>/stat utime +
 * stime). Linux only, like the figures in docs/performance.md.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NetworkJson } from '../../src/local/index.js';

const BYODA = fileURLToPath(new URL('../../bin/byoda.js', import.meta.url));
/** Kernel clock ticks per second (`getconf CLK_TCK`), 100 on every Linux we run on. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface StartedUp {
  readonly process: UpProcess;
  readonly network: NetworkJson;
  /** From spawn to network.json (every server checked over TLS and DNS). */
  readonly startMs: number;
  /**
   * CPU time the process used to get there (every thread): unlike the wall time, it does not grow
   * when other programs load the machine.
   */
  readonly startCpuMs: number;
}

export class UpProcess {
  readonly #child: ChildProcess;
  #output = '';
  readonly #exited: Promise<number | null>;

  private constructor(dataDir: string, pods: number, env: NodeJS.ProcessEnv) {
    this.#child = spawn(
      process.execPath,
      [BYODA, 'up', '--data', dataDir, '--pods', String(pods), '--json'],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    // Only the tail is kept, for the error message of a start that fails.
    const keep = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString()).slice(-4000);
    };
    this.#child.stdout?.on('data', keep);
    this.#child.stderr?.on('data', keep);
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
  }

  /** Starts `byoda up --pods <pods>` over `dataDir` and waits for its network.json. */
  static async start(
    dataDir: string,
    pods: number,
    env: NodeJS.ProcessEnv,
    timeoutMs: number,
  ): Promise<StartedUp> {
    const started = performance.now();
    const up = new UpProcess(dataDir, pods, env);
    try {
      const network = await up.#waitForNetworkFile(join(dataDir, 'network.json'), timeoutMs);
      const startMs = Math.round(performance.now() - started);
      return { process: up, network, startMs, startCpuMs: await up.cpuMs() };
    } catch (err) {
      await up.stop();
      throw err;
    }
  }

  get pid(): number {
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error('byoda up has no pid');
    return pid;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async #waitForNetworkFile(path: string, timeoutMs: number): Promise<NetworkJson> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text !== undefined) return JSON.parse(text) as NetworkJson;
      if (!this.running) throw new Error(`byoda up ended before it was ready:\n${this.#output}`);
      await sleep(100);
    }
    throw new Error(`no network.json within ${timeoutMs} ms:\n${this.#output}`);
  }

  /** Resident memory now, in bytes. */
  async rssBytes(): Promise<number> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    if (!match) throw new Error(`no VmRSS in /proc/${this.pid}/status`);
    return Number(match[1]) * 1024;
  }

  /** CPU time used so far (user + system, every thread), in ms. */
  async cpuMs(): Promise<number> {
    const stat = await readFile(`/proc/${this.pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  }

  /**
   * RSS once it has settled: V8 frees garbage lazily after a start, so we wait until two samples a
   * second apart differ by under 1% (at most `maxMs`) and take the lower.
   */
  async settledRssBytes(maxMs = 20_000): Promise<number> {
    let previous = await this.rssBytes();
    const deadline = Date.now() + maxMs;
    while (Date.now() < deadline) {
      await sleep(1000);
      const current = await this.rssBytes();
      if (Math.abs(current - previous) < previous * 0.01) return Math.min(current, previous);
      previous = current;
    }
    return previous;
  }

  /** CPU ms used per second of wall time over `ms`, while nobody talks to the network. */
  async idleCpuMsPerSecond(ms: number): Promise<number> {
    const before = await this.cpuMs();
    await sleep(ms);
    return ((await this.cpuMs()) - before) / (ms / 1000);
  }

  /** SIGINT, as Ctrl-C; SIGKILL when it has not ended after 60 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.#child.kill('SIGINT');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 60_000);
    try {
      await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
