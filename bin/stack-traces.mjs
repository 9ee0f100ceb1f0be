// Stack traces of the bundled command point at the TypeScript sources, with the bundles' source maps
// read only when a stack trace is made. Node's own source-map support (process.setSourceMapsEnabled)
// reads, and measures the lines of, every loaded file that has a map as it loads it: for the bundles
// that was a tenth or more of a pod's start, paid by every process that never prints a stack trace.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Maps the frames of code loaded from `folder` (a bundle's folder) in every stack trace made from now;
 * returns what puts the previous `Error.prepareStackTrace` back.
 */
export function mapStackTraces(folder) {
  const prefix = pathToFileURL(folder).href.replace(/\/?$/, '/');
  const maps = new Map();
  const mapOf = (url) => {
    if (!maps.has(url)) {
      let map = null;
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')));
      } catch {
        // No map (a chunk of packages only) or an unreadable one: its frames stay as they are.
      }
      maps.set(url, map);
    }
    return maps.get(url);
  };
  const frame = (callSite) => {
    const text = String(callSite);
    const url = callSite.getFileName();
    const line = callSite.getLineNumber();
    const column = callSite.getColumnNumber();
    if (typeof url !== 'string' || !url.startsWith(prefix) || line === null || column === null) return text;
    const origin = mapOf(url)?.findOrigin(line, column);
    if (!origin?.fileName) return text;
    const source = new URL(origin.fileName, url);
    const shown = source.protocol === 'file:' ? fileURLToPath(source) : source.href;
    return text.replace(`${url}:${line}:${column}`, `${shown}:${origin.lineNumber}:${origin.columnNumber}`);
  };
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, callSites) => {
    let head;
    try {
      head = Error.prototype.toString.call(error);
    } catch {
      head = '<error>';
    }
    return [head, ...callSites.map((callSite) => `    at ${frame(callSite)}`)].join('\n');
  };
  return () => {
    Error.prepareStackTrace = previous;
  };
}
