/** The browser proxy server (spec §12): `https://proxy.<network>/<account_id>/...` to a pod's web port. */
export { DEFAULT_PROXY_LIMITS, ProxyServer } from './proxy-server.js';
export type { ProxyAddress, ProxyStartOptions } from './proxy-server.js';
