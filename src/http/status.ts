/**
 * The health endpoint every server and both pod ports answer (spec §12): `GET /api/v1/status`, no
 * authentication, no data — only that the server is up, its software version, how long it has been
 * up and which kind of server it is. Load balancers, `byoda up` and operators poll it, so it does no
 * I/O and touches no store.
 */
import { readFileSync } from 'node:fs';

export const STATUS_PATH = '/api/v1/status';

/** Which server answers: lets a caller notice it reached, say, a pod's member port instead of its web port. */
export type ServerKind = 'directory' | 'service' | 'pod-web' | 'pod-member' | 'proxy' | 'app';

export interface StatusBody {
  readonly status: 'ok';
  readonly version: string;
  readonly uptime_s: number;
  readonly server?: ServerKind;
}

/** The package's version, read once: package.json sits two folders above this file in every layout we ship. */
export const SOFTWARE_VERSION: string = readVersion();

function readVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The health answer of a server that started (this server, not the process) at `startedAt`. */
export function statusBody(kind: ServerKind | undefined, startedAt: number, now = Date.now()): StatusBody {
  return {
    status: 'ok',
    version: SOFTWARE_VERSION,
    uptime_s: Math.max(0, Math.floor((now - startedAt) / 1000)),
    ...(kind ? { server: kind } : {}),
  };
}
