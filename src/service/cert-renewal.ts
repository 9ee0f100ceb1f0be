/**
 * The running service renews its own leaves before they expire (docs/operations.md, "Renewal"): its
 * TLS cert and its data cert, both signed by its own service CA with the same key. The TLS server's
 * context is swapped for new handshakes (open connections keep theirs); the directory client and the
 * peer pool to the pods read the credential per connection, the data cert route per request.
 *
 * At every check it also fetches the network data cert chain again from the directory, which renews
 * it on its own schedule: pods joining verify the contract's network signature with the chain the
 * service serves, so the copy must not outlive the directory's.
 */
import type { Server as TlsServer } from 'node:tls';
import { SERVICE_PKI_FILES, addOwnLeafRenewals, loggedRenewer } from '../pki/index.js';
import type { RenewalSettings } from '../pki/index.js';
import type { ServiceContext } from './context.js';
import { dataPath, writeFileAtomic } from './layout.js';
import { verifiedNetworkDataChain } from './publish.js';

export interface ServiceRenewals {
  stop(): Promise<void>;
}

export function startServiceRenewals(
  context: ServiceContext,
  dataDir: string,
  passphrase: string,
  server: TlsServer,
  settings: RenewalSettings,
): ServiceRenewals {
  const log = context.logger;
  const { pki } = context;
  const renewer = loggedRenewer(settings, log);
  addOwnLeafRenewals(renewer, {
    issuer: pki,
    tls: { name: SERVICE_PKI_FILES.tls, credential: pki.tls },
    data: { name: SERVICE_PKI_FILES.data, credential: pki.data },
    server,
    pkiDir: dataPath(dataDir, 'pki'),
    passphrase,
  });
  void renewer.start();
  const refresh = (): void => {
    refreshNetworkDataChain(context, dataDir).catch((err: unknown) =>
      log.warn({ reason: String(err) }, 'network data cert refresh failed; retrying later'),
    );
  };
  const timer = setInterval(refresh, settings.checkMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await renewer.stop();
    },
  };
}

/** The directory may have renewed the network data cert since init; keep what pods are served current. */
export async function refreshNetworkDataChain(context: ServiceContext, dataDir: string): Promise<void> {
  const chainPem = await verifiedNetworkDataChain(
    await context.directory.getNetworkDataCert(),
    context.pki.rootCaPem,
  );
  if (chainPem !== context.networkDataChainPem) {
    await writeFileAtomic(dataPath(dataDir, 'networkData'), chainPem);
    context.networkDataChainPem = chainPem;
  }
}
