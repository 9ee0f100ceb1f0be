/**
 * The local network's browser proxy (spec §12): a certificate for `proxy.<network>` issued by the
 * network root at every start (browsers trust it as they trust the root: the README's recipe), the
 * proxy on a free port, and its name published in the directory's zone with its port.
 */
import { join } from 'node:path';
import { credentialTlsOptions, openNetworkPki, proxyFqdn } from '../pki/index.js';
import { ProxyServer } from '../proxy/index.js';
import type { StartedDirectory } from './directory-part.js';
import { LOCAL_HOST, flushLogger, partLogger } from './start-context.js';
import type { StartContext } from './start-context.js';

export async function startLocalProxy(
  ctx: StartContext,
  directory: StartedDirectory,
): Promise<{ url: string; fqdn: string }> {
  const { address } = directory;
  const pki = await openNetworkPki(directory.pkiDir, directory.passphrase);
  const tls = credentialTlsOptions(await pki.rootCa.issueCredential(proxyFqdn(address.network)));
  const logger = partLogger('proxy', join(ctx.paths.dataDir, 'proxy', 'logs', 'proxy.log'));
  const server = new ProxyServer();
  ctx.onStop('proxy', 'proxy', async () => {
    await server.stop();
    flushLogger(logger);
  });
  const started = await server.start({
    network: address.network,
    rootCaPem: directory.rootCaPem,
    tls,
    dnsServer: { host: address.dnsHost, port: address.dnsPort },
    host: LOCAL_HOST,
    logger,
  });
  await directory.server.publishServer(started.fqdn, started.host, started.port);
  ctx.progress.step({
    part: 'proxy',
    action: 'started',
    message: `browser proxy at ${started.url}/<account_id>/ (${started.fqdn})`,
  });
  return { url: started.url, fqdn: started.fqdn };
}
