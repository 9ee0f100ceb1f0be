/**
 * The JavaScript build `byoda` runs from (bin/compiled.mjs), on a small source tree of its own: a build
 * per source fingerprint, made once even when processes start together, never changed under a running
 * process, and the same behaviour as the TypeScript sources.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { SourceMap } from 'node:module';
import type { SourceMapPayload } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { compiledMain, compiledSources } from '../../../bin/compiled.mjs';
import { mapStackTraces } from '../../../bin/stack-traces.mjs';

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

  it("bundles the command's entry point, which runs like its per-file build", async () => {
    const tree = await mkdtemp(join(tmpdir(), 'byoda-build-bundle-'));
    const saved = process.env['BYODA_BUILD'];
    try {
      await mkdir(join(tree, 'src', 'cli'), { recursive: true });
      await mkdir(join(tree, 'src', 'pod', 'routes'), { recursive: true });
      await mkdir(join(tree, 'node_modules', 'probe-cjs'), { recursive: true });
      await writeFile(join(tree, 'package.json'), JSON.stringify({ name: 'bundled-probe', type: 'module' }));
      // A CommonJS package that requires a Node built-in: the ES module bundle must give it `require`.
      await writeFile(
        join(tree, 'node_modules', 'probe-cjs', 'package.json'),
        '{"name":"probe-cjs","main":"index.js"}',
      );
      await writeFile(
        join(tree, 'node_modules', 'probe-cjs', 'index.js'),
        "const { sep } = require('node:path');\nmodule.exports = () => sep;\n",
      );
      await writeFile(
        join(tree, 'src', 'pod', 'routes', 'root.ts'),
        // Two folders deeper than the bundle: its own location must still be its source's.
        "export const root = new URL('../../../', import.meta.url).pathname;\n",
      );
      await writeFile(
        join(tree, 'src', 'cli', 'main.ts'),
        [
          "import { readFileSync } from 'node:fs';",
          "import sep from 'probe-cjs';",
          "import { root } from '../pod/routes/root.js';",
          "export const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).name;",
          'export const where = root;',
          'export const separator = sep();',
          "export const later = async (): Promise<string> => (await import('../pod/routes/root.js')).root;",
          "export const failure = (): string => new Error('probe').stack ?? '';",
        ].join('\n'),
      );
      delete process.env['BYODA_BUILD'];
      const bundled = await compiledMain(tree);
      const build = await compiledSources(tree);
      assert.equal(bundled, join(build ?? '', 'bundle', 'byoda.js'));
      process.env['BYODA_BUILD'] = 'files';
      assert.equal(await compiledMain(tree), join(build ?? '', 'src', 'cli', 'main.js'));
      for (const file of [bundled ?? '', join(build ?? '', 'src', 'cli', 'main.js')]) {
        const main = (await import(pathToFileURL(file).href)) as {
          pkg: string;
          where: string;
          separator: string;
          later: () => Promise<string>;
        };
        assert.equal(main.pkg, 'bundled-probe', file);
        assert.equal(main.where, `${build}/`, file);
        assert.equal(main.separator, '/', file);
        assert.equal(await main.later(), `${build}/`, file);
      }
      // The map leads back to our sources and the packages' files.
      const map = new SourceMap(JSON.parse(await readFile(`${bundled}.map`, 'utf8')) as SourceMapPayload);
      const code = (await readFile(bundled ?? '', 'utf8')).split('\n');
      const at = (text: string): { line: number; column: number } => {
        const line = code.findIndex((l) => l.includes(text));
        assert.ok(line >= 0, `the bundle has ${text}`);
        return { line, column: code[line]?.indexOf(text) ?? 0 };
      };
      const sourceAt = ({ line, column }: { line: number; column: number }): string | undefined => {
        const entry = map.findEntry(line, column);
        return 'originalSource' in entry ? entry.originalSource : undefined;
      };
      const own = at('package.json');
      assert.match(sourceAt(own) ?? '', /cli\/main\.ts$/);
      const packaged = at('module.exports = () => sep');
      assert.match(sourceAt({ ...packaged, column: packaged.column + 5 }) ?? '', /probe-cjs\/index\.js$/);
      // What bin/byoda.js does for a bundle: stack traces name the TypeScript line, maps read lazily.
      const restore = mapStackTraces(dirname(bundled ?? ''));
      try {
        const bundledMain = (await import(pathToFileURL(bundled ?? '').href)) as { failure: () => string };
        const stack = bundledMain.failure();
        assert.match(stack, /^Error: probe\n/);
        assert.match(
          stack,
          new RegExp(`at (Module\\.)?failure \\(${join(tree, 'src', 'cli', 'main.ts')}:8:\\d+\\)`),
        );
      } finally {
        restore();
      }
    } finally {
      if (saved === undefined) delete process.env['BYODA_BUILD'];
      else process.env['BYODA_BUILD'] = saved;
      await rm(tree, { recursive: true, force: true });
    }
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
