/**
 * Entry point of the `byoda` command: assembles the sub-commands (one file each) into a commander
 * program. Returns the process exit code instead of exiting, so tests can call it in-process.
 */
import { Command, CommanderError } from 'commander';
import { isByodaError } from '../errors/index.js';
import { registerCommands } from './commands.js';

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('byoda')
    .description('BYODA-TS: a peer-to-peer graph database of personal data pods')
    .version(await packageVersion())
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });
  registerCommands(program);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (isByodaError(err)) {
      // Name the path unless the message already does.
      const where = err.path && !err.message.includes(err.path) ? ` (at ${err.path})` : '';
      process.stderr.write(`byoda: ${err.message}${where}\n`);
      return 1;
    }
    process.stderr.write(`byoda: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
