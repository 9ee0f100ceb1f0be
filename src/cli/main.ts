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
      process.stderr.write(`byoda: ${userMessage(err.message, err.path)}\n`);
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

/**
 * A path of an HTTP request (`querystring/email`, `params/class`, `body/password`) means something to
 * the server, not to the person who typed a command: the message says what is wrong in words, so the
 * path and the server's "invalid <path>:" prefix are left out. Other paths (a JSON pointer into a
 * contract file) help find the mistake and are named, unless the message already does.
 */
export function userMessage(message: string, path: string | undefined): string {
  if (path !== undefined && /^(querystring|params|body|headers)(\/|$)/.test(path)) {
    const prefix = `invalid ${path}: `;
    return message.startsWith(prefix) ? message.slice(prefix.length) : message;
  }
  return path && !message.includes(path) ? `${message} (at ${path})` : message;
}
