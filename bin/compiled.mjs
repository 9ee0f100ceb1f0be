// The JavaScript build that `byoda` runs from: src/ compiled by esbuild (the compiler tsx itself uses)
// into dist/<fingerprint>/, where the fingerprint is taken from the path, size and modification time
// of every source file. Loading plain JavaScript costs about half the CPU of transpiling through tsx's
// loader hooks at every start, which every server process and CLI command pays.
//
// Why a folder per fingerprint: a running server loads some modules lazily (per command, on first
// use), so a build must never change under it; a new one goes beside it. A build is written to a
// temporary folder and renamed into place, so processes starting together never see half a build.
// Each build folder links package.json, contracts/ and web/ so that paths the sources resolve from
// their own location (`../../package.json`) land on the same files as from src/.
//
// Beside the per-file build, the `byoda` command's entry point is bundled (bundle/byoda.js and its
// chunks): one file per lazily imported part instead of some 600 modules of src/ and node_modules,
// which is what a process start spent most of its time on (resolving, reading and compiling each
// module; docs/performance.md). The per-file build stays: BYODA_BUILD=files runs it (the bench's
// baseline), and it is what a bundle's modules resolve their own-location paths against.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Builds older than the newest few are removed, but only once nothing can still be running them. */
const KEEP_BUILDS = 3;
const STALE_BUILD_MS = 24 * 60 * 60 * 1000;
/** Part of every fingerprint: a change to how builds are made must not reuse an older build. */
const BUILD_FORMAT = 'esm-node20-linked-maps-bundled-3';
/** Root entries the sources reach through relative paths from their own folder. */
const LINKED = ['package.json', 'contracts', 'web'];
/** Entry points bundled into bundle/<name>.js, by their path under src/ (when the tree has them). */
const BUNDLES = { byoda: 'cli/main.ts' };
/**
 * Packages left out of the bundles, loaded from node_modules as usual: better-sqlite3 finds its native
 * addon relative to its own files; pg (an optional native binding) and the S3 client are imported only
 * by the commands that use them (the S3 client alone would double the bundle); esbuild and tsx are
 * build tools.
 */
const EXTERNAL = ['better-sqlite3', 'pg', '@aws-sdk/*', 'esbuild', 'tsx'];
/**
 * CommonJS packages in an ES module bundle call `require` for Node's built-ins; ES modules have none.
 * A name of its own so that it cannot clash with a bundled module's.
 */
const REQUIRE_BANNER =
  "import { createRequire as __byodaCreateRequire } from 'node:module';\n" +
  'const require = __byodaCreateRequire(import.meta.url);';

function sourceFiles(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(path, out);
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function fingerprint(src, files) {
  const hash = createHash('sha256').update(`${BUILD_FORMAT}\n`);
  for (const file of files) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${relative(src, file)}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

async function build(src, files, target) {
  const { build: esbuild } = await import('esbuild');
  // Unique per call: two builds in one process (or one millisecond) must not share a folder.
  const temporary = `${target}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const perFile = esbuild({
      entryPoints: files,
      outdir: join(temporary, 'src'),
      outbase: src,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'linked',
      // A source that does not compile is reported by tsx, which then runs it (and fails the same way).
      logLevel: 'silent',
    });
    // Both before anything is removed: a failed one must not leave the other writing into the folder.
    const failed = (await Promise.allSettled([perFile, bundle(esbuild, src, temporary)])).find(
      (outcome) => outcome.status === 'rejected',
    );
    if (failed) throw failed.reason;
    for (const name of LINKED) symlinkSync(join('..', '..', name), join(temporary, name));
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
  try {
    renameSync(temporary, target);
  } catch (error) {
    // Another process finished the same build first: use its copy.
    rmSync(temporary, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
}

/**
 * The bundles of BUNDLES' entry points into `build`/bundle/. A module of src/ that resolves a path from
 * its own location (`new URL('../../package.json', import.meta.url)`) gets the URL its per-file build
 * has, so the path lands where it would from src/ although the code now lives in a bundle.
 */
async function bundle(esbuild, src, build) {
  const entryPoints = Object.fromEntries(
    Object.entries(BUNDLES)
      .map(([name, entry]) => [name, join(src, entry)])
      .filter(([, entry]) => existsSync(entry)),
  );
  if (Object.keys(entryPoints).length === 0) return;
  const outdir = join(build, 'bundle');
  const ownLocation = {
    name: 'byoda-own-location',
    setup(plugin) {
      const ofSrc = new RegExp(`^${(src + sep).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\.ts$`);
      plugin.onLoad({ filter: ofSrc }, async (args) => {
        const contents = await readFile(args.path, 'utf8');
        if (!contents.includes('import.meta.url')) return { contents, loader: 'ts' };
        const perFile = join(build, 'src', relative(src, args.path)).replace(/\.ts$/, '.js');
        const fromBundle = relative(outdir, perFile).split(sep).join('/');
        const url = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
        return { contents: contents.replace(/\bimport\.meta\.url\b/g, url), loader: 'ts' };
      });
    },
  };
  await esbuild({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    // Stack traces need only the mappings (bin/stack-traces.mjs reads a map when one is made); the
    // sources' text would make the maps four times larger.
    sourcesContent: false,
    external: EXTERNAL,
    banner: { js: REQUIRE_BANNER },
    plugins: [ownLocation],
    logLevel: 'silent',
  });
}

function removeOldBuilds(dist, current) {
  const builds = readdirSync(dist, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== current && !entry.name.includes('.tmp-'))
    .map((entry) => ({ path: join(dist, entry.name), mtimeMs: statSync(join(dist, entry.name)).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  const now = Date.now();
  for (const old of builds.slice(KEEP_BUILDS - 1)) {
    if (now - old.mtimeMs > STALE_BUILD_MS) rmSync(old.path, { recursive: true, force: true });
  }
}

/**
 * The folder of an up-to-date build of `root`/src/ (made now if there is none), or undefined when no build
 * can be made (esbuild missing, a read-only install): the caller then runs the sources through tsx.
 */
export async function compiledSources(root = ROOT) {
  const src = join(root, 'src');
  const dist = join(root, 'dist');
  if (process.env.BYODA_TSX === '1' || !existsSync(src)) return undefined;
  try {
    const files = sourceFiles(src).sort();
    const name = fingerprint(src, files);
    const target = join(dist, name);
    if (!existsSync(join(target, 'src'))) {
      mkdirSync(dist, { recursive: true });
      await build(src, files, target);
      removeOldBuilds(dist, name);
    }
    return target;
  } catch (error) {
    if (process.env.BYODA_DEBUG_BUILD === '1') console.error('byoda: no compiled build:', error);
    return undefined;
  }
}

/**
 * The module to run for the `byoda` command: the bundle of src/cli/main.ts, or its per-file build when
 * BYODA_BUILD=files asks for it; undefined when there is no build (the caller runs the sources).
 */
export async function compiledMain(root = ROOT) {
  const build = await compiledSources(root);
  if (build === undefined) return undefined;
  const bundled = join(build, 'bundle', 'byoda.js');
  return process.env.BYODA_BUILD !== 'files' && existsSync(bundled)
    ? bundled
    : join(build, 'src', 'cli', 'main.js');
}
