/** The folder of an up-to-date JavaScript build of `root`/src/ (see compiled.mjs), or undefined. */
export function compiledSources(root?: string): Promise<string | undefined>;
