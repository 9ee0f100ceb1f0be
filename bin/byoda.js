#!/usr/bin/env node
// The `byoda` command. The sources are TypeScript: they run from a JavaScript build of src/ that is
// made on the first start after any source file changed (bin/compiled.mjs, about two seconds), or
// through tsx when no build can be made or BYODA_TSX=1 asks for it. A fresh clone needs no build step.
import { compiledSources } from './compiled.mjs';

const build = await compiledSources();
let main;
if (build) {
  process.setSourceMapsEnabled(true);
  ({ main } = await import(`${build}/src/cli/main.js`));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
