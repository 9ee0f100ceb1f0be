// `npm ci` / `npm install` in a checkout (the `prepare` script): compiles src/ into dist/ for the
// `byoda` command (bin/compiled.mjs; it would otherwise do so on its first start), then builds the
// owner's web app into web/dist/. Vite is a development dependency, so a production install
// (`npm ci --omit=dev`) has no builder: it then says so and succeeds, and pods answer `/` with a page
// saying the app is not built.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compiledSources } from '../bin/compiled.mjs';

await compiledSources();
const require = createRequire(import.meta.url);
let vite;
try {
  vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
} catch {
  console.warn('byoda-ts: vite is not installed (dev dependencies omitted): the web app is not built');
  process.exit(0);
}
const result = spawnSync(process.execPath, [vite, 'build', 'web', '--logLevel', 'warn'], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
