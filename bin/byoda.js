#!/usr/bin/env node
// The `byoda` command. The sources are TypeScript: they run from a JavaScript build of src/ that is
// made on the first start after any source file changed (bin/compiled.mjs: a bundle of the command,
// with a per-file build beside it), or through tsx when no build can be made or BYODA_TSX=1 asks for
// it. A fresh clone needs no build step.
import { basename, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compiledMain } from './compiled.mjs';

const entry = await compiledMain();
let main;
if (entry) {
  // Stack traces name the TypeScript sources: the bundle's maps read when a stack trace is made,
  // the per-file build's by Node as each file loads.
  if (basename(dirname(entry)) === 'bundle')
    (await import('./stack-traces.mjs')).mapStackTraces(dirname(entry));
  else process.setSourceMapsEnabled(true);
  ({ main } = await import(pathToFileURL(entry).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
