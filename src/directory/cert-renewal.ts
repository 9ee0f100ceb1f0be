/**
 * The running directory renews its own leaves, both signed by the root it holds, with the same key
 * (docs/operations.md, "Renewal"): its TLS cert `dir.<net>`, swapped into the HTTPS server for new
 * handshakes (open connections keep theirs), and the network data cert, which `GET
 * /api/v1/network/network-data-cert` reads per request. Services fetch the network data cert again at
 * each of their checks.
 */
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { NETWORK_PKI_FILES, addOwnLeafRenewals, loggedRenewer } from '../pki/index.js';
import type { CertificateRenewer, NetworkPki, RenewalSettings } from '../pki/index.js';

export function startDirectoryRenewals(
  pki: NetworkPki,
  pkiDir: string,
  passphrase: string,
  server: TlsServer,
  settings: RenewalSettings,
  log: Logger,
): CertificateRenewer {
  const renewer = loggedRenewer(settings, log);
  addOwnLeafRenewals(renewer, {
    issuer: pki,
    tls: { name: NETWORK_PKI_FILES.directory, credential: pki.directoryTls },
    data: { name: NETWORK_PKI_FILES.networkData, credential: pki.networkData },
    server,
    pkiDir,
    passphrase,
  });
  void renewer.start();
  return renewer;
}
