import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The layering of docs/architecture.md, checked on the import statements of src/. */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const ENTRY = new Set(['cli', 'local']);
const SERVERS = new Set(['directory', 'service', 'pod', 'app', 'proxy']);

interface Edge {
  readonly file: string;
  readonly from: string;
  readonly to: string;
  readonly target: string;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]),
    ),
  );
  return nested.flat().filter((f) => f.endsWith('.ts'));
}

function folderOf(path: string): string {
  return relative(SRC, path).split(sep)[0] ?? '';
}

async function crossFolderImports(): Promise<Edge[]> {
  const edges: Edge[] = [];
  for (const file of await sourceFiles(SRC)) {
    const text = await readFile(file, 'utf8');
    // Static imports, re-exports and dynamic imports of relative paths.
    for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) {
      const target = join(dirname(file), match[1] ?? '');
      const from = folderOf(file);
      const to = folderOf(target);
      if (from !== to) edges.push({ file: relative(SRC, file), from, to, target: relative(SRC, target) });
    }
  }
  return edges;
}

describe('architecture', () => {
  it('sees the imports it checks', async () => {
    const edges = await crossFolderImports();
    // Guards the checks below against a scanner that finds nothing.
    assert.ok(edges.length > 100, `only ${edges.length} cross-folder imports found`);
    assert.ok(edges.some((e) => e.from === 'pod' && e.to === 'graphql'));
  });

  it('keeps core folders free of servers and entry points', async () => {
    const bad = (await crossFolderImports()).filter(
      (e) => !ENTRY.has(e.from) && !SERVERS.has(e.from) && (SERVERS.has(e.to) || ENTRY.has(e.to)),
    );
    assert.deepEqual(bad, []);
  });

  it('keeps servers from importing each other', async () => {
    const bad = (await crossFolderImports()).filter((e) => SERVERS.has(e.from) && SERVERS.has(e.to));
    assert.deepEqual(bad, []);
  });

  it('imports other folders only through their index.ts (errors/ is the base of all)', async () => {
    const bad = (await crossFolderImports()).filter(
      (e) =>
        e.to !== 'errors' && !e.target.endsWith(`${sep}index.js`) && !e.target.endsWith(`${sep}index.ts`),
    );
    assert.deepEqual(bad, []);
  });

  it('has no import cycles between folders', async () => {
    const graph = new Map<string, Set<string>>();
    for (const e of await crossFolderImports()) {
      graph.set(e.from, (graph.get(e.from) ?? new Set()).add(e.to));
    }
    const cycles: string[] = [];
    const visit = (node: string, path: string[]): void => {
      if (path.includes(node)) {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
        return;
      }
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    };
    for (const node of graph.keys()) visit(node, []);
    assert.deepEqual(cycles, []);
  });
});
