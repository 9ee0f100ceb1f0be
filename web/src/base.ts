/**
 * Where the app is: `''` on the pod's own web port or a custom domain, `/<account_id>` through the
 * browser proxy (docs/protocol.md "Browser proxy"), which tells the pod, and the pod writes it into
 * index.html's `byoda-base` meta tag (src/pod/routes/web-app.ts). Every API URL and page path of the
 * app goes through here, so the same build works at both places; the session storage key includes
 * it, as every pod behind one proxy shares the proxy's origin.
 */
const meta = document.querySelector('meta[name="byoda-base"]')?.getAttribute('content') ?? '';

/** `''` or `/<account_id>`; anything else in the tag is ignored. */
export const BASE = /^\/[0-9a-f-]{36}$/.test(meta) ? meta : '';

/** An app-relative path (`/api/...`, `/service/1/data`) as the browser must ask for it. */
export function atBase(path: string): string {
  return `${BASE}${path}`;
}

/** The browser's path without the base: the app's own page path. */
export function pagePath(pathname: string): string {
  if (BASE === '') return pathname;
  if (pathname === BASE) return '/';
  return pathname.startsWith(`${BASE}/`) ? pathname.slice(BASE.length) : pathname;
}
