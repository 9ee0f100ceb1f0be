/**
 * The running directory renews its own leaves, both signed by the root it holds, with the same key
 * (docs/operations.md, "Renewal"): its TLS cert `dir.<net>`, swapped into the HTTPS server for new
 * handshakes (open connections keep theirs), and the network data cert, which `GET
 * /api/v1/network/network-data-cert` reads per request. Services fetch the network data cert again at
 * each of their checks.
 */
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import {
  CertificateRenewer,
  NETWORK_PKI_FILES,
  credentialTlsOptions,
  writeCredential,
} from '../pki/index.js';
import type { Credential, NetworkPki, RenewalSettings } from '../pki/index.js';

export function startDirectoryRenewals(
  pki: NetworkPki,
  pkiDir: string,
  passphrase: string,
  server: TlsServer,
  settings: RenewalSettings,
  log: Logger,
): CertificateRenewer {
  const renewer = new CertificateRenewer(settings, {
    renewed: (name, notAfter) => log.info({ certificate: name, not_after: notAfter }, 'certificate renewed'),
    failed: (name, err) =>
      log.warn({ certificate: name, reason: String(err) }, 'certificate renewal failed; retrying later'),
  });
  const lifetime = pki.leafLifetimeMs !== undefined ? { maxLifetimeMs: pki.leafLifetimeMs } : {};
  const write = (name: string) => (credential: Credential) =>
    writeCredential(pkiDir, name, credential, passphrase);
  renewer.add({
    name: NETWORK_PKI_FILES.directory,
    credential: pki.directoryTls,
    renew: (current) => pki.renewOwn(current),
    ...lifetime,
    renewed: async (credential) => {
      await write(NETWORK_PKI_FILES.directory)(credential);
      server.setSecureContext({ ...credentialTlsOptions(credential), ca: pki.rootCaPem });
    },
  });
  renewer.add({
    name: NETWORK_PKI_FILES.networkData,
    credential: pki.networkData,
    renew: (current) => pki.renewOwn(current),
    ...lifetime,
    renewed: write(NETWORK_PKI_FILES.networkData),
  });
  void renewer.start();
  return renewer;
}
