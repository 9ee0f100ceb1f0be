/**
 * Where a secret (a key passphrase, the owner's password, a metrics token) comes from when a server
 * or an init command runs outside `byoda up`, first found wins:
 *
 * 1. a file named on the command line (`--passphrase-file`, `--password-file`);
 * 2. an environment variable (`BYODA_PASSPHRASE`, `BYODA_OWNER_PASSWORD`);
 * 3. a systemd credential: `$CREDENTIALS_DIRECTORY/<name>` (`LoadCredential=<name>:...` in a unit);
 * 4. a local-convenience file that exists beside the keys (made only by `byoda up` or an init with
 *    `--local-secrets`: local networks only);
 * 5. a prompt on the terminal, when standard input is one.
 *
 * With none of them the command stops with BYODA_ERR_CONFIG naming every way to give it; it never
 * invents a secret and never writes one beside the keys by itself (local-file.ts does that, when asked).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ByodaError } from '../errors/index.js';

export type SecretSource = 'file' | 'env' | 'credential' | 'local-file' | 'prompt';

/** Asks for a secret on a terminal; undefined when there is none to ask on. */
export type SecretPrompt = (question: string) => Promise<string | undefined>;

export interface SecretRequest {
  /** What it is, for messages: "the key passphrase". */
  readonly what: string;
  /** The file given on the command line, and the flag that gave it (for messages). */
  readonly file?: string;
  readonly fileFlag: string;
  /** The environment variable to read, and the environment (a parameter, for tests). */
  readonly envVar: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The systemd credential's name (`passphrase`, `owner-password`). */
  readonly credential: string;
  /** A local-convenience file read when it exists. */
  readonly localFile?: string;
  /** How to ask on a terminal; none: never asked. */
  readonly prompt?: SecretPrompt;
}

export interface ResolvedSecret {
  readonly value: string;
  readonly source: SecretSource;
}

export async function resolveSecret(request: SecretRequest): Promise<ResolvedSecret> {
  if (request.file !== undefined) {
    return { value: await readSecretFile(request.file, request.fileFlag), source: 'file' };
  }
  const fromEnv = request.env[request.envVar];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: 'env' };
  const credentials = request.env['CREDENTIALS_DIRECTORY'];
  if (credentials !== undefined && credentials !== '') {
    const path = join(credentials, request.credential);
    const value = await readOptional(path, `the systemd credential '${request.credential}'`);
    if (value !== undefined) return { value, source: 'credential' };
  }
  if (request.localFile !== undefined) {
    const value = await readOptional(request.localFile, 'the local secret file');
    if (value !== undefined) return { value, source: 'local-file' };
  }
  const asked = await request.prompt?.(`${capitalised(request.what)}: `);
  if (asked !== undefined) {
    if (asked === '') throw new ByodaError('BYODA_ERR_CONFIG', `${request.what} may not be empty`);
    return { value: asked, source: 'prompt' };
  }
  throw new ByodaError(
    'BYODA_ERR_CONFIG',
    `no ${request.what.replace(/^the /, '')}: give ${request.fileFlag} FILE, set ${request.envVar}, ` +
      `or load a systemd credential named '${request.credential}' (standard input is not a terminal to ask on)`,
  );
}

/** The first line of a secret file (a file written by `echo` ends in a newline that is not part of it). */
export async function readSecretFile(path: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CONFIG', `${what}: cannot read ${path}`, { cause });
  }
  return nonEmpty(firstLine(text), `${what}: ${path}`);
}

async function readOptional(path: string, what: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ByodaError('BYODA_ERR_CONFIG', `cannot read ${what} ${path}`, { cause: err });
  }
  return nonEmpty(firstLine(text), `${what} ${path}`);
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? '';
}

function nonEmpty(value: string, what: string): string {
  if (value === '') throw new ByodaError('BYODA_ERR_CONFIG', `${what} is empty`);
  return value;
}

function capitalised(text: string): string {
  return text.replace(/^the /, '').replace(/^./, (c) => c.toUpperCase());
}
