/**
 * Asking for a secret on the terminal, without echoing it: only when standard input is a terminal
 * (never in a unit, a container or a pipe, where the command must fail with a clear error instead).
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Readable } from 'node:stream';
import { ByodaError } from '../errors/index.js';
import type { SecretPrompt } from './secret-source.js';

interface TerminalInput extends Readable {
  readonly isTTY?: boolean;
}

/**
 * A prompt on `input`/`output` (default the process's stdin and stderr, so stdout stays the command's
 * JSON); `confirm` asks twice and refuses two different answers (a new password or passphrase).
 */
export function terminalPrompt(
  options: { input?: TerminalInput; output?: Writable; confirm?: boolean } = {},
): SecretPrompt {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stderr;
  return async (question) => {
    if (input.isTTY !== true) return undefined;
    const first = await askHidden(input, output, question);
    if (!options.confirm) return first;
    const second = await askHidden(input, output, 'Again, to confirm: ');
    if (first !== second) {
      output.write('The two answers differ.\n');
      return askAgain(input, output, question);
    }
    return first;
  };
}

async function askAgain(input: TerminalInput, output: Writable, question: string): Promise<string> {
  const first = await askHidden(input, output, question);
  const second = await askHidden(input, output, 'Again, to confirm: ');
  if (first !== second) throw new ByodaError('BYODA_ERR_CONFIG', 'the two answers differ');
  return first;
}

function askHidden(input: Readable, output: Writable, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // readline echoes what is typed to its output: this one passes the question on, then nothing.
    let muted = false;
    const echo = new PassThroughWritable((chunk) => {
      if (!muted) output.write(chunk);
    });
    const rl = createInterface({ input, output: echo, terminal: true });
    rl.question(question, (answer) => {
      rl.close();
      output.write('\n');
      resolve(answer);
    });
    muted = true;
    rl.once('SIGINT', () => {
      rl.close();
      output.write('\n');
      reject(new ByodaError('BYODA_ERR_CONFIG', 'interrupted while asking for a secret'));
    });
  });
}

/** A writable that hands each chunk to `write` (readline needs a stream with a terminal's shape). */
class PassThroughWritable extends Writable {
  readonly isTTY = true;
  readonly columns = 80;
  constructor(private readonly sink: (chunk: Buffer | string) => void) {
    super();
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.sink(chunk);
    done();
  }
}
