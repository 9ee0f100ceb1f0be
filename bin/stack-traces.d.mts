/**
 * Maps the frames of code loaded from `folder` (a bundle's folder) through its source maps; returns
 * what puts the previous `Error.prepareStackTrace` back.
 */
export function mapStackTraces(folder: string): () => void;
