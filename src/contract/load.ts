/**
 * Reading a contract from a file: the only I/O of this module. Errors name the file as the user gave
 * it, so a command-line user sees which of two files (`contract diff OLD NEW`) is at fault.
 */
import { readFile } from 'node:fs/promises';
import { ByodaError, isByodaError } from '../errors/index.js';
import type { Contract } from './model.js';
import { parseContract } from './parse.js';
import type { ParseOptions } from './parse.js';

export async function loadContractFile(path: string, options: ParseOptions = {}): Promise<Contract> {
  const doc = parseJsonText(await readContractText(path), path);
  try {
    return parseContract(doc, options);
  } catch (err) {
    if (isByodaError(err) && err.code === 'BYODA_ERR_CONTRACT_PATH') {
      throw new ByodaError(err.code, `${path}: ${err.message}`, { path: err.path ?? '', cause: err });
    }
    throw err;
  }
}

async function readContractText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ByodaError('BYODA_ERR_CONTRACT_JSON', `cannot read contract file ${path}: ${reason(err)}`, {
      cause: err,
    });
  }
}

/** Parses JSON text; a syntax error names the file and where in it (V8 gives a position). */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new ByodaError('BYODA_ERR_CONTRACT_JSON', `${source} is not valid JSON: ${message}`, {
      cause: err,
    });
  }
}

/** The system error's short reason (`ENOENT: no such file...` -> `no such file or directory`). */
function reason(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
  const known: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
  };
  return (code && known[code]) ?? (err instanceof Error ? err.message : String(err));
}
