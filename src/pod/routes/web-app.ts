/**
 * The owner's web app (web/, built into web/dist/ by `npm run build:web`) on the pod's web port only:
 * the built files at `/`, and index.html for every other GET that is not an API path, so the app's own
 * paths survive a reload. The member port never serves it: other pods have no business with the
 * owner's UI.
 *
 * Every answer carries a Content-Security-Policy that allows nothing but this origin (the app is
 * bundled, no CDN, no inline script or style), so an injected string can neither run script nor send
 * the owner's token elsewhere. Files are looked up per request under the dist folder only: a path
 * that is not a plain file in it is never read. When the app is not built, the pod answers with one
 * line saying how to build it.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ByodaError } from '../../errors/index.js';

/** web/dist of this package, found relative to the code (not the working directory). */
export const WEB_APP_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

export const WEB_APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': WEB_APP_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
} as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

export const NOT_BUILT_PAGE =
  '<!doctype html><html lang="en"><title>BYODA pod</title><p>The web app is not built: run <code>npm run build:web</code> in the byoda-ts folder, then reload.</p></html>\n';

export interface WebAppOptions {
  /** The built app (default: WEB_APP_DIR). */
  readonly root?: string;
  /** This pod's account id: the one base (`/<account_id>`) the browser proxy may ask for. */
  readonly accountId?: string;
}

/** Registers the app's GET routes on the web port's routes (API routes, being more specific, win). */
export function webAppRoutes(app: FastifyInstance, options: WebAppOptions = {}): void {
  const root = resolve(options.root ?? WEB_APP_DIR);
  const proxyBase = options.accountId === undefined ? undefined : `/${options.accountId}`;
  const handler = (request: FastifyRequest, reply: FastifyReply) =>
    serve(root, baseOf(request, proxyBase), request, reply);
  app.get('/', handler);
  app.get('/*', handler);
}

/**
 * `/<account_id>` when the browser proxy forwarded the request (its X-Forwarded-Prefix names this
 * pod), else `''`. Any other value is ignored: the header only moves where the page's own files are
 * looked for, and only to this pod's place on the proxy.
 */
function baseOf(request: FastifyRequest, proxyBase: string | undefined): string {
  return proxyBase !== undefined && request.headers['x-forwarded-prefix'] === proxyBase ? proxyBase : '';
}

async function serve(
  root: string,
  base: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const path = request.url.split('?')[0] ?? '/';
  // An unknown API path is an API error, not the app.
  if (path === '/api' || path.startsWith('/api/')) {
    throw new ByodaError('BYODA_ERR_NOT_FOUND', `no route for ${request.method} ${path}`);
  }
  void reply.headers(SECURITY_HEADERS);
  const file = fileOf(root, path);
  if (file && (await isFile(file))) {
    const immutable = path.startsWith('/assets/');
    return send(reply, file, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  }
  // A missing file with an extension (a stale asset, a typo) is a 404, never the HTML page.
  if (extname(path) !== '') {
    throw new ByodaError('BYODA_ERR_NOT_FOUND', `no file ${path}`);
  }
  const index = join(root, 'index.html');
  if (!(await isFile(index))) {
    return reply
      .code(503)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(NOT_BUILT_PAGE);
  }
  // The page differs by base: a cache in between must keep them apart.
  void reply.header('vary', 'x-forwarded-prefix');
  return reply
    .type(CONTENT_TYPES['.html'] ?? 'text/html')
    .header('cache-control', 'no-cache')
    .send(withBase(await readFile(index, 'utf8'), base));
}

/**
 * index.html with its relative asset URLs (vite `base: './'`) made absolute under `base`, so that they
 * hold at any depth of the app's paths, and the base told to the app (web/src/base.ts).
 */
export function withBase(html: string, base: string): string {
  return html
    .replace(/(src|href)="\.\/assets\//g, `$1="${base}/assets/`)
    .replace('<head>', `<head>\n    <meta name="byoda-base" content="${base}" />`);
}

/** The file a URL path names under `root`, or undefined for anything but plain names. */
function fileOf(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const segments = decoded.split('/').filter((s) => s !== '');
  // No dot files, no `..`, no backslashes or NULs: only what vite writes.
  if (segments.length === 0 || segments.some((s) => s.startsWith('.') || /[\\\0]/.test(s))) return undefined;
  const file = resolve(root, ...segments);
  return file.startsWith(root + sep) ? file : undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function send(reply: FastifyReply, file: string, cacheControl: string): Promise<FastifyReply> {
  const body = await readFile(file);
  return reply
    .type(CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream')
    .header('cache-control', cacheControl)
    .send(body);
}
