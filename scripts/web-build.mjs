// The owner's web app in web/dist/, made again when it is missing or older than any of its sources
// (web/src/, web/index.html, web/vite.config.ts, package-lock.json): a checkout that pulled new web
// code without `npm ci` must not test, or serve, the app it built before. `npm test` runs this once
// before the test files (which would otherwise race to build it); `node scripts/web-build.mjs`
// does the same by hand.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Whether web/dist/ is missing or older than a source of the app. */
export function webBuildIsStale(root = ROOT) {
  let built;
  try {
    built = statSync(join(root, 'web', 'dist', 'index.html')).mtimeMs;
  } catch {
    return true;
  }
  const sources = ['web/src', 'web/index.html', 'web/vite.config.ts', 'package-lock.json'];
  return sources.some((source) => newestMtime(join(root, source)) > built);
}

/** Builds web/dist/ with vite; throws with vite's output when the build fails. */
export function buildWeb(root = ROOT) {
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', 'web', '--logLevel', 'warn'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`vite build failed: ${result.stderr || result.stdout}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && webBuildIsStale()) buildWeb();
