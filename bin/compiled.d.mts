/** The folder of an up-to-date JavaScript build of `root`/src/ (see compiled.mjs), or undefined. */
export function compiledSources(root?: string): Promise<string | undefined>;
/** The module the `byoda` command runs: the bundle, or the per-file build with BYODA_BUILD=files. */
export function compiledMain(root?: string): Promise<string | undefined>;
