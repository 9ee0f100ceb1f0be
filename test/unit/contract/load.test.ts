import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByodaError } from '../../../src/errors/index.js';
import { loadContractFile } from '../../../src/contract/index.js';
import { smallContractDocument } from '../../fixtures/contracts.js';

describe('loadContractFile', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-contract-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  function rejectsWith(code: string, path: string | undefined, says: RegExp) {
    return (err: unknown): boolean => {
      assert.ok(err instanceof ByodaError, String(err));
      assert.equal(err.code, code);
      assert.equal(err.path, path);
      assert.match(err.message, says);
      assert.doesNotMatch(err.message, /\n\s+at /, 'no stack trace in the message');
      return true;
    };
  }

  it('loads a valid file', async () => {
    const path = await write('ok.json', JSON.stringify(smallContractDocument()));
    assert.equal((await loadContractFile(path)).name, 'small');
  });

  it('refuses a missing file with BYODA_ERR_CONTRACT_JSON naming it', async () => {
    const path = join(dir, 'missing.json');
    await assert.rejects(
      loadContractFile(path),
      rejectsWith('BYODA_ERR_CONTRACT_JSON', undefined, /missing\.json: no such file/),
    );
  });

  it('refuses a directory with BYODA_ERR_CONTRACT_JSON', async () => {
    await assert.rejects(
      loadContractFile(dir),
      rejectsWith('BYODA_ERR_CONTRACT_JSON', undefined, /it is a directory/),
    );
  });

  it('refuses a JSON syntax error with BYODA_ERR_CONTRACT_JSON naming the file', async () => {
    const path = await write('broken.json', '{"service_id": 1,, }');
    await assert.rejects(
      loadContractFile(path),
      rejectsWith('BYODA_ERR_CONTRACT_JSON', undefined, /broken\.json is not valid JSON/),
    );
  });

  it('refuses an empty file with BYODA_ERR_CONTRACT_JSON', async () => {
    const path = await write('empty.json', '');
    await assert.rejects(
      loadContractFile(path),
      rejectsWith('BYODA_ERR_CONTRACT_JSON', undefined, /not valid JSON/),
    );
  });

  it('refuses an invalid contract with BYODA_ERR_CONTRACT_PATH naming the file and the path', async () => {
    const doc = smallContractDocument();
    doc.version = 'one';
    const path = await write('bad.json', JSON.stringify(doc));
    await assert.rejects(
      loadContractFile(path),
      rejectsWith(
        'BYODA_ERR_CONTRACT_PATH',
        '/version',
        /bad\.json: invalid contract at \/version: must be a whole number/,
      ),
    );
  });

  it('passes warnings on', async () => {
    const doc = smallContractDocument();
    ((doc.jsonschema as Record<string, Record<string, unknown>>).$defs as Record<string, unknown>).unused =
      {};
    const path = await write('warn.json', JSON.stringify(doc));
    const warnings: string[] = [];
    await loadContractFile(path, { onWarning: (w) => warnings.push(w.path) });
    assert.deepEqual(warnings, ['/jsonschema/$defs/unused']);
  });
});
