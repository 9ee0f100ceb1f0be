/**
 * An app's data folder (spec §12; docs/protocol.md, "Apps and claims"), made by `byoda app init`:
 *
 * | file                    | what                                                          |
 * |-------------------------|---------------------------------------------------------------|
 * | `app.json`              | app id, service id, network, kind, directory URL               |
 * | `root-ca.pem`           | the network root                                              |
 * | `app.pem` / `.key`      | app TLS cert (`<app_id>.apps-<S>.<net>`), server and client   |
 * | `app-data.pem` / `.key` | app data cert (`<app_id>.apps-data-<S>.<net>`): signs claims  |
 * | `app.db`                | the claims the app issued (SQLite), for their confirmation URL |
 * | `passphrase`            | the key passphrase, when none was given (local networks only) |
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ByodaError } from '../errors/index.js';
import { isNetworkName, isServiceId, isUuidV4 } from '../pki/index.js';

export const APP_FILES = {
  config: 'app.json',
  tls: 'app',
  data: 'app-data',
  database: 'app.db',
  passphrase: 'passphrase',
} as const;

/** What an app does: `review` signs content reviews, `identity` confirms who a member is. */
export const APP_KINDS = ['review', 'identity'] as const;
export type AppKind = (typeof APP_KINDS)[number];

export interface AppConfig {
  readonly appId: string;
  readonly serviceId: number;
  readonly network: string;
  readonly kind: AppKind;
  readonly directoryUrl: string;
}

export function appPath(dataDir: string, file: keyof typeof APP_FILES): string {
  return join(dataDir, APP_FILES[file]);
}

export async function writeAppConfig(dataDir: string, config: AppConfig): Promise<void> {
  const json = {
    app_id: config.appId,
    service_id: config.serviceId,
    network: config.network,
    kind: config.kind,
    directory_url: config.directoryUrl,
  };
  await writeFile(appPath(dataDir, 'config'), `${JSON.stringify(json, null, 2)}\n`, { mode: 0o644 });
}

export async function readAppConfig(dataDir: string): Promise<AppConfig> {
  const file = appPath(dataDir, 'config');
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CONFIG', `${file} is missing or not JSON: run \`byoda app init\` first`, {
      cause,
    });
  }
  const { app_id: appId, service_id: serviceId, network, kind, directory_url: directoryUrl } = json;
  const valid =
    typeof appId === 'string' &&
    isUuidV4(appId) &&
    typeof serviceId === 'number' &&
    isServiceId(serviceId) &&
    typeof network === 'string' &&
    isNetworkName(network) &&
    typeof kind === 'string' &&
    (APP_KINDS as readonly string[]).includes(kind) &&
    typeof directoryUrl === 'string';
  if (!valid) throw new ByodaError('BYODA_ERR_CONFIG', `${file} is not an app configuration`);
  return { appId, serviceId, network, kind: kind as AppKind, directoryUrl };
}
