/**
 * The servers' log files rotate by size: a long session keeps a bounded amount of logs, every line
 * whole and in exactly one file.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { once } from 'node:events';
import type { EventEmitter } from 'node:events';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { createLogger } from '../../../src/http/index.js';

/**
 * Writes `count` lines, ten at a time, each batch waited for until the file destination has written
 * it (and finished any rotation it started): its `drain`.
 */
async function logLines(logger: Logger, count: number, from = 0): Promise<void> {
  const stream = (logger as unknown as Record<symbol, EventEmitter>)[pino.symbols.streamSym]!;
  for (let i = from; i < from + count; i += 10) {
    const drained = once(stream, 'drain');
    for (let n = i; n < Math.min(i + 10, from + count); n++) {
      logger.info({ n, padding: 'x'.repeat(80) }, 'line');
    }
    await drained;
  }
}

/** The `n` of every line in the log file and its rotated copies, oldest first. */
async function numbersIn(dir: string): Promise<number[]> {
  const files = (await readdir(dir)).sort((a, b) => suffix(b) - suffix(a));
  const numbers: number[] = [];
  for (const file of files) {
    for (const line of (await readFile(join(dir, file), 'utf8')).split('\n').filter(Boolean)) {
      numbers.push((JSON.parse(line) as { n: number }).n);
    }
  }
  return numbers;
}

function suffix(file: string): number {
  const match = /\.(\d+)$/.exec(file);
  return match ? Number(match[1]) : 0;
}

describe('log files rotate by size', () => {
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-log-rotation-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('moves a full file aside, keeps `keep` of them, and loses or repeats no line', async () => {
    const folder = join(dir, 'keep');
    const file = join(folder, 'server.log');
    const logger = createLogger({ name: 'test', file, maxBytes: 4000, keep: 2 });
    await logLines(logger, 400);
    const files = (await readdir(folder)).sort();
    assert.deepEqual(files, ['server.log', 'server.log.1', 'server.log.2']);
    for (const name of files) {
      // A file is rotated at the first write that takes it past the size: at most a flush's lines over.
      assert.ok((await stat(join(folder, name))).size < 4000 + 10 * 200, name);
    }
    const numbers = await numbersIn(folder);
    assert.ok(numbers.length < 400, 'the oldest lines are gone');
    const first = numbers[0]!;
    assert.deepEqual(
      numbers,
      Array.from({ length: 400 - first }, (_, i) => first + i),
      'the kept lines are whole, in order, each once',
    );
  });

  it('counts what the file held before the server started', async () => {
    const folder = join(dir, 'existing');
    const file = join(folder, 'server.log');
    await mkdir(folder);
    await writeFile(file, `${JSON.stringify({ n: -1, padding: 'y'.repeat(4000) })}\n`);
    const restarted = createLogger({ name: 'test', file, maxBytes: 4000, keep: 1 });
    await logLines(restarted, 1);
    await logLines(restarted, 1, 1);
    assert.deepEqual(await numbersIn(folder), [-1, 0, 1]);
    assert.deepEqual((await readdir(folder)).sort(), ['server.log', 'server.log.1']);
  });
});
