/**
 * `byoda app init` (spec §12): the service's operator admits an app. The app's keys are made here, and
 * their CSRs are signed by the service's apps CA, which this reads from the service's data folder: only
 * who holds the service's key passphrase can make an app of it, as only the service may vouch for
 * apps its contract grants `app` permissions to. The app then registers its own name at the directory
 * when it starts (server.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { ByodaError } from '../errors/index.js';
import {
  appDataCn,
  appFqdn,
  credentialExists,
  openServicePki,
  requestCredential,
  writeCredential,
  writeRootCaCert,
} from '../pki/index.js';
import { APP_FILES, writeAppConfig } from './layout.js';
import type { AppConfig, AppKind } from './layout.js';

export interface InitAppOptions {
  readonly dataDir: string;
  /** Encrypts the app's keys. */
  readonly passphrase: string;
  /** The service's PKI folder (`<service data>/pki`) and its passphrase. */
  readonly servicePkiDir: string;
  readonly servicePassphrase: string;
  readonly kind: AppKind;
  readonly directoryUrl: string;
  /** Default: a new UUID v4. */
  readonly appId?: string;
}

export async function initApp(options: InitAppOptions): Promise<AppConfig> {
  const { dataDir, passphrase } = options;
  if (await credentialExists(dataDir, APP_FILES.tls)) {
    throw new ByodaError('BYODA_ERR_CONFIG', `${dataDir} already holds an app`);
  }
  const pki = await openServicePki(options.servicePkiDir, options.servicePassphrase);
  const appId = options.appId ?? randomUUID();
  const { network, serviceId, rootCaPem } = pki;
  const sign = (csr: string): Promise<string> => pki.signAppCsr(csr, appId).then((issued) => issued.chainPem);
  const tls = await requestCredential(appFqdn(network, serviceId, appId), rootCaPem, sign);
  const data = await requestCredential(appDataCn(network, serviceId, appId), rootCaPem, sign);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeRootCaCert(dataDir, rootCaPem);
  await writeCredential(dataDir, APP_FILES.data, data, passphrase);
  await writeCredential(dataDir, APP_FILES.tls, tls, passphrase);
  const config: AppConfig = {
    appId,
    serviceId,
    network,
    kind: options.kind,
    directoryUrl: options.directoryUrl,
  };
  await writeAppConfig(dataDir, config);
  return config;
}
