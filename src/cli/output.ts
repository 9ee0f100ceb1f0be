/**
 * How the owner commands write: results on stdout (one JSON line with `--json`), warnings on stderr as
 * `byoda: warning: ...` lines, colours only for a person at a terminal (never in a pipe, and not with
 * NO_COLOR, which picocolors reads).
 */
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

export function stdoutColors(): Colors {
  return pc.createColors(process.stdout.isTTY === true && pc.isColorSupported);
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** One line: what programs read. */
export function printJson(value: unknown): void {
  print(JSON.stringify(value));
}

export function warn(message: string): void {
  process.stderr.write(`byoda: warning: ${oneLine(message)}\n`);
}

/** Error lines on stderr, as `main` writes a thrown error, for commands that report several. */
export function printError(message: string): void {
  process.stderr.write(`byoda: ${oneLine(message)}\n`);
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
