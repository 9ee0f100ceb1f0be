/**
 * The owner token of the CLI (spec §10): `byoda login` gets one and keeps it in a file (mode 0600);
 * the other owner commands use that file while the token is valid, and log in again with the password
 * file when it is missing, expired or refused, since tokens live at most an hour and "refresh by
 * logging in again" is the protocol's way.
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { ByodaError, isByodaError } from '../errors/index.js';
// Alone, not through src/local/index.ts: see owner-api.ts.
import type { OwnerApi, OwnerToken } from '../network/index.js';
import { firstLine } from './pod.js';
import type { PodTarget } from './pod-target.js';

/** A token that ends sooner than this is not sent: a long query could outlive it. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * Logs in with the target's password, keeps the token in its token file (when it has one). An owner
 * with a second factor (spec §12) gives `totp` (`--totp`), or is asked for the code on a terminal when
 * the pod answers BYODA_ERR_TOTP_REQUIRED.
 */
export async function loginAndKeep(api: OwnerApi, target: PodTarget, totp?: string): Promise<OwnerToken> {
  if (target.username === undefined || target.passwordFile === undefined) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `to log in to ${target.label}, give --username and --password-file`,
    );
  }
  const password = await firstLine(target.passwordFile, 'password file');
  const token = await loginWithCode(api, target, password, totp);
  if (target.tokenFile !== undefined) await writeTokenFile(target.tokenFile, token.token);
  return token;
}

async function loginWithCode(
  api: OwnerApi,
  target: PodTarget,
  password: string,
  totp: string | undefined,
): Promise<OwnerToken> {
  const username = target.username ?? '';
  try {
    return await api.login(username, password, totp);
  } catch (err) {
    if (!isByodaError(err) || err.code !== 'BYODA_ERR_TOTP_REQUIRED' || totp !== undefined) throw err;
    if (process.stdin.isTTY !== true) {
      throw new ByodaError(
        'BYODA_ERR_TOTP_REQUIRED',
        `${target.label} needs the owner's one-time code: give --totp CODE (or run 'byoda login' on a terminal)`,
      );
    }
    return api.login(username, password, await askCode(`one-time code for ${target.label}: `));
  }
}

/** Reads one line from the terminal (stderr carries the question: stdout may be JSON). */
async function askCode(question: string): Promise<string> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await terminal.question(question)).trim();
  } finally {
    terminal.close();
  }
}

/**
 * Runs `work` with an owner API of the target: with the kept token if it is still valid, else after
 * logging in. A kept token the pod refuses (401: its key changed, or the folder was made again) is
 * replaced once; nothing ran on the pod then, so running `work` again is safe.
 */
export async function withOwnerApi<T>(target: PodTarget, work: (api: OwnerApi) => Promise<T>): Promise<T> {
  try {
    return await withOwnerApiOnce(target, work);
  } catch (err) {
    throw isRefused(err) ? notRunning(target, err) : err;
  }
}

/** Nothing listens at the pod's address: the connection was refused, not answered. */
function isRefused(err: unknown): err is ByodaError {
  if (!isByodaError(err) || err.code !== 'BYODA_ERR_UNREACHABLE') return false;
  const cause = (err as { cause?: unknown }).cause as
    { code?: unknown; cause?: { code?: unknown } } | undefined;
  return cause?.code === 'ECONNREFUSED' || cause?.cause?.code === 'ECONNREFUSED';
}

function notRunning(target: PodTarget, err: ByodaError): ByodaError {
  const hint = target.notRunning ?? 'is the pod running?';
  return new ByodaError(
    'BYODA_ERR_UNREACHABLE',
    `${target.label} does not answer at ${target.endpoint.webUrl}: ${hint}`,
    {
      cause: err,
    },
  );
}

async function withOwnerApiOnce<T>(target: PodTarget, work: (api: OwnerApi) => Promise<T>): Promise<T> {
  const kept = target.tokenFile === undefined ? undefined : await readValidToken(target.tokenFile);
  // Lazily, as every command's import of the HTTP client (undici, the largest package a command
  // loads): `byoda --help` and the commands that make no request need none.
  const { OwnerApi } = await import('../network/index.js');
  const api = new OwnerApi(target.endpoint, kept);
  try {
    if (kept !== undefined) {
      try {
        return await work(api);
      } catch (err) {
        if (!isUnauthorized(err) || !canLogIn(target)) throw err;
      }
    }
    if (!canLogIn(target)) throw noToken(target);
    await loginAndKeep(api, target);
    return await work(api);
  } finally {
    await api.close();
  }
}

function canLogIn(target: PodTarget): boolean {
  return target.username !== undefined && target.passwordFile !== undefined;
}

function isUnauthorized(err: unknown): boolean {
  return isByodaError(err) && err.status === 401;
}

function noToken(target: PodTarget): ByodaError {
  const message =
    target.tokenFile === undefined
      ? `no owner token for ${target.label}: give --token-file (see 'byoda login') or --username and --password-file`
      : `no valid owner token for ${target.label} in ${target.tokenFile}: run 'byoda login' or give --password-file`;
  return new ByodaError('BYODA_ERR_UNAUTHORIZED', message);
}

/** The token in `file` if it is not about to expire; undefined when there is none or it is stale. */
async function readValidToken(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const token = text?.trim();
  if (!token) return undefined;
  const { tokenExpiry } = await import('../network/index.js');
  const expiry = tokenExpiry(token);
  return expiry !== undefined && expiry.getTime() - Date.now() > EXPIRY_MARGIN_MS ? token : undefined;
}

/**
 * Written 0600 to a temporary file that is renamed: the token is the owner's key for an hour, and a
 * reader must never see half of it. `chmod` too: `mode` applies only when the file is created, and a
 * temporary file left by a killed run may exist.
 */
async function writeTokenFile(file: string, token: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, `${token}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CONFIG', `cannot write the token file ${file}`, { cause });
  }
}

/** `--service`, else the pod's only membership (asked of the pod, whichever way it was named). */
export async function chooseService(api: OwnerApi, option: number | undefined): Promise<number> {
  if (option !== undefined) return option;
  const memberships = await api.memberships();
  const only = memberships.length === 1 ? memberships[0] : undefined;
  if (only) return only.serviceId;
  if (memberships.length === 0) {
    throw new ByodaError('BYODA_ERR_CONFIG', "the pod is a member of no service ('byoda pod join')");
  }
  const ids = memberships.map((m) => m.serviceId).join(', ');
  throw new ByodaError(
    'BYODA_ERR_CONFIG',
    `the pod is a member of several services (${ids}): give --service`,
  );
}
