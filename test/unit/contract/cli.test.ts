import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSharedContract, sharedContractPath } from '../../fixtures/contracts.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `byoda` command, as a user would, and collects its exit code and output. */
function byoda(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('node', ['bin/byoda.js', ...args], { cwd: REPO }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

type Json = Record<string, unknown>;

describe('byoda contract', () => {
  let dir = '';
  let addressbook: Json = {};
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-cli-contract-'));
    addressbook = JSON.parse(await readFile(sharedContractPath('addressbook'), 'utf8')) as Json;
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes a changed copy of the addressbook contract and returns its path. */
  async function addressbookCopy(name: string, change: (doc: Json, classes: Json) => void): Promise<string> {
    const doc = structuredClone(addressbook);
    change(doc, (doc.jsonschema as Json).properties as Json);
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(doc, null, 2));
    return path;
  }

  describe('check', () => {
    it('prints a summary listing every class of the addressbook and exits 0', async () => {
      const run = await byoda('contract', 'check', sharedContractPath('addressbook'));
      assert.equal(run.code, 0, run.stderr);
      const contract = await loadSharedContract('addressbook');
      for (const dataClass of contract.classes) {
        assert.match(run.stdout, new RegExp(`^${dataClass.name} \\(`, 'm'), `lists ${dataClass.name}`);
      }
      assert.match(run.stdout, /^service addressbook \(id 4294929430\), contract version 1$/m);
      assert.match(run.stderr, /warning: \$defs type "twitter_account" is not used/);
    });

    it('checks every shared contract', async () => {
      for (const name of ['byotube', 'dummy-service-schema', 'dummy-unsigned-service-schema']) {
        const run = await byoda('contract', 'check', sharedContractPath(name));
        assert.equal(run.code, 0, `${name}: ${run.stderr}`);
      }
    });

    it('prints JSON with --json', async () => {
      const run = await byoda('contract', 'check', '--json', sharedContractPath('addressbook'));
      assert.equal(run.code, 0, run.stderr);
      const out = JSON.parse(run.stdout) as {
        valid: boolean;
        warnings: unknown[];
        summary: { classes: unknown[] };
      };
      assert.equal(out.valid, true);
      assert.equal(out.summary.classes.length, 20);
      assert.equal(out.warnings.length, 4);
    });

    it('exits 1 with one line naming the JSON path of a broken contract', async () => {
      const path = await addressbookCopy('broken.json', (_doc, classes) => {
        ((classes.person as Json).properties as Json).email = { type: 'strng' };
      });
      const run = await byoda('contract', 'check', path);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(
        lines[0] ?? '',
        /^byoda: .*broken\.json: invalid contract at \/jsonschema\/properties\/person\/properties\/email\/type: unknown type "strng"/,
      );
    });

    it('exits 1 on a file that is not JSON, without a stack trace', async () => {
      const path = join(dir, 'not.json');
      await writeFile(path, '{ nope');
      const run = await byoda('contract', 'check', path);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^byoda: .*not\.json is not valid JSON/);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    });

    it('exits 1 on a missing file', async () => {
      const run = await byoda('contract', 'check', join(dir, 'nowhere.json'));
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^byoda: cannot read contract file .*nowhere\.json: no such file$/m);
    });
  });

  describe('diff', () => {
    it('exits 0 for an add-only next version and lists the additions', async () => {
      const next = await addressbookCopy('v2.json', (doc, classes) => {
        doc.version = 2;
        classes.bookmarks = {
          type: 'array',
          '#accesscontrol': ['read'],
          items: { $ref: '#/schemas/asset_link' },
        };
        ((classes.person as Json).properties as Json).nickname = { type: 'string' };
      });
      const run = await byoda('contract', 'diff', sharedContractPath('addressbook'), next);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^version 2 is a compatible successor of version 1$/m);
      assert.match(run.stdout, /class "bookmarks" \(array\) was added/);
      assert.match(run.stdout, /field "person.nickname" \(string\) was added/);
    });

    it('exits 1 and names each problem when the new version removes and changes things', async () => {
      const next = await addressbookCopy('v2-bad.json', (doc, classes) => {
        doc.version = 2;
        delete classes.tweets;
        ((classes.person as Json).properties as Json).given_name = { type: 'integer' };
      });
      const run = await byoda('contract', 'diff', sharedContractPath('addressbook'), next);
      assert.equal(run.code, 1);
      assert.match(run.stdout, /NOT a compatible successor/);
      assert.match(run.stdout, /class "tweets" was removed/);
      assert.match(run.stdout, /field "person.given_name" changed type from string to integer/);
      assert.match(run.stderr, /^byoda: .*v2-bad\.json is not a compatible successor of .*\(2 problems\)/);
    });

    it('exits 1 when the version does not grow', async () => {
      const run = await byoda(
        'contract',
        'diff',
        sharedContractPath('addressbook'),
        sharedContractPath('addressbook'),
      );
      assert.equal(run.code, 1);
      assert.match(run.stdout, /version 1 is not greater than the old version 1/);
    });

    it('prints the comparison as JSON with --json', async () => {
      const run = await byoda(
        'contract',
        'diff',
        '--json',
        sharedContractPath('addressbook'),
        sharedContractPath('byotube'),
      );
      assert.equal(run.code, 1);
      const diff = JSON.parse(run.stdout) as { compatible: boolean; problems: { kind: string }[] };
      assert.equal(diff.compatible, false);
      assert.ok(diff.problems.some((p) => p.kind === 'service-id-changed'));
      assert.ok(diff.problems.some((p) => p.kind === 'class-removed'));
    });

    it('exits 1 naming the file when one of them is broken', async () => {
      const broken = await addressbookCopy('v2-broken.json', (doc) => {
        doc.version = 'two';
      });
      const run = await byoda('contract', 'diff', sharedContractPath('addressbook'), broken);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^byoda: .*v2-broken\.json: invalid contract at \/version: /m);
    });
  });
});
