/**
 * The JavaScript build `byoda` runs from (bin/compiled.mjs), on a small source tree of its own: a build
 * per source fingerprint, made once even when processes start together, never changed under a running
 * process, and the same behaviour as the TypeScript sources.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { compiledSources } from '../../../bin/compiled.mjs';

describe('cli: the compiled build of src/', () => {
  let root = '';

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'byoda-build-'));
    await mkdir(join(root, 'src', 'lib'), { recursive: true });
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'probe', type: 'module' }));
    await writeFile(
      join(root, 'src', 'lib', 'greet.ts'),
      'export interface Who { name: string }\nexport const greet = (who: Who): string => `hello ${who.name}`;\n',
    );
    await writeFile(
      join(root, 'src', 'main.ts'),
      [
        "import type { Who } from './lib/greet.js';",
        "import { greet } from './lib/greet.js';",
        "import { readFileSync } from 'node:fs';",
        'const who: Who = { name: "pod" };',
        'export const text = greet(who);',
        // Paths resolved from the module's own folder must reach the same root files as from src/.
        "export const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).name;",
        "export const later = async (): Promise<string> => (await import('./lib/greet.js')).greet({ name: 'lazy' });",
      ].join('\n'),
    );
  });

  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('builds once for processes starting together, and the build runs like the sources', async () => {
    const builds = await Promise.all([compiledSources(root), compiledSources(root), compiledSources(root)]);
    assert.ok(builds[0]);
    assert.deepEqual(new Set(builds), new Set([builds[0]]));
    const entries = await readdir(join(root, 'dist'));
    assert.deepEqual(entries, [builds[0]?.split('/').pop()], 'one build folder, no temporary leftovers');
    const main = (await import(pathToFileURL(join(builds[0] ?? '', 'src', 'main.js')).href)) as {
      text: string;
      pkg: string;
      later: () => Promise<string>;
    };
    assert.equal(main.text, 'hello pod');
    assert.equal(main.pkg, 'probe');
    assert.equal(await main.later(), 'hello lazy');
    const map = JSON.parse(await readFile(join(builds[0] ?? '', 'src', 'main.js.map'), 'utf8')) as {
      sources: string[];
    };
    assert.match(map.sources[0] ?? '', /main\.ts$/, 'stack traces map back to the TypeScript file');
  });

  it('makes a new build beside the old one when a source changes, and reuses an unchanged one', async () => {
    const first = await compiledSources(root);
    assert.equal(await compiledSources(root), first);
    const file = join(root, 'src', 'lib', 'greet.ts');
    await writeFile(file, 'export const greet = (who: { name: string }): string => `hi ${who.name}`;\n');
    await utimes(file, new Date(), new Date(Date.now() + 5_000));
    const second = await compiledSources(root);
    assert.ok(second && second !== first);
    const greet = (await import(pathToFileURL(join(second, 'src', 'lib', 'greet.js')).href)) as {
      greet: (who: { name: string }) => string;
    };
    assert.equal(greet.greet({ name: 'pod' }), 'hi pod');
    const entries = await readdir(join(root, 'dist'));
    assert.ok(entries.includes(first?.split('/').pop() ?? ''), 'a running process keeps its build');
  });

  it('falls back to the sources (undefined) when asked to, or when there is no src/', async () => {
    const saved = process.env['BYODA_TSX'];
    process.env['BYODA_TSX'] = '1';
    try {
      assert.equal(await compiledSources(root), undefined);
    } finally {
      if (saved === undefined) delete process.env['BYODA_TSX'];
      else process.env['BYODA_TSX'] = saved;
    }
    assert.equal(await compiledSources(join(root, 'nowhere')), undefined);
  });

  it('answers undefined instead of throwing on a source that does not compile', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'byoda-build-broken-'));
    try {
      await mkdir(join(broken, 'src'));
      await writeFile(join(broken, 'src', 'bad.ts'), 'export const = ;\n');
      assert.equal(await compiledSources(broken), undefined);
      assert.deepEqual(await readdir(join(broken, 'dist')), [], 'no half build left behind');
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
