/**
 * Real `byoda` processes for integration tests: run a command to completion, or start a server and
 * wait for its `{"event":"ready",...}` line on stdout. Servers are stopped with SIGTERM and must exit 0.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BYODA = fileURLToPath(new URL('../../../bin/byoda.js', import.meta.url));
const READY_TIMEOUT_MS = 90_000;

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `byoda ...args` to completion; never rejects on a non-zero exit (the caller asserts the code). */
export async function byoda(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [BYODA, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** `byoda ...args --json` whose stdout is one JSON line; asserts success. */
export async function byodaJson(args: readonly string[]): Promise<Record<string, unknown>> {
  const result = await byoda([...args, '--json']);
  if (result.code !== 0) throw new Error(`byoda ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

export interface RunningServer {
  readonly child: ChildProcess;
  /** The ready event. */
  readonly ready: Record<string, unknown>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Start `byoda ...args --json` and resolve once it prints its ready event. */
export async function startServer(args: readonly string[]): Promise<RunningServer> {
  const child = spawn('node', [BYODA, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`no ready event within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    function fail(err: Error): void {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`byoda ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`));
    }
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((text) => text.includes('"event":"ready"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, unknown>);
      }
    });
    void exited.then(([code]) => fail(new Error(`exited with ${code} before it was ready`)));
  });
  return {
    child,
    ready,
    output: () => stdout + stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
  };
}
