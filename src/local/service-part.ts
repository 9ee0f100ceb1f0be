/**
 * The one service of a local network, in `<data>/services/<name>/`: registered at the directory and
 * its contract published on the first run (an unsigned contract is signed by the service and
 * countersigned by the network then, spec §11), reused after. On a later run the contract file is
 * published again, which changes nothing when it is the same, publishes a compatible newer version,
 * and refuses anything else with the reason.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Contract } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import {
  initService,
  publishServiceContract,
  readServiceConfig,
  SERVICE_FILES,
  ServiceServer,
} from '../service/index.js';
import type { ServiceAddress } from '../service/index.js';
import type { StartedDirectory } from './directory-part.js';
import { serviceDir } from './layout.js';
import { LOCAL_HOST, exists, flushLogger, partLogger, partPassphrase } from './start-context.js';
import type { StartContext } from './start-context.js';

export interface LocalContract {
  readonly path: string;
  readonly contract: Contract;
}

/**
 * `store`: the service's search index store (`byoda up --store postgres://...` gives the directory's
 * database, where the index has tables of its own); default `search.db` in the service's folder.
 */
export async function startLocalService(
  ctx: StartContext,
  directory: StartedDirectory,
  contract: LocalContract,
  store?: string,
): Promise<ServiceAddress> {
  const dataDir = serviceDir(ctx.paths, contract.contract.name, contract.contract.serviceId);
  const passphrase = (await exists(join(dataDir, SERVICE_FILES.config)))
    ? await reuseService(ctx, dataDir, directory, contract)
    : await createService(ctx, dataDir, directory, contract);
  ctx.checkpoint();
  await ctx.lockFolder(dataDir);
  const logger = partLogger('service', join(dataDir, 'logs', 'service.log'));
  const server = new ServiceServer();
  ctx.onStop('service', 'service', () => stopService(server, logger));
  const address = await server.start({
    dataDir,
    passphrase,
    host: LOCAL_HOST,
    publicAddress: LOCAL_HOST,
    directoryUrl: directory.address.url,
    // The service finds its members' pods through the directory's DNS, for the search (spec §2, §4).
    dnsServer: { host: directory.address.dnsHost, port: directory.address.dnsPort },
    logger,
    ...(ctx.metrics ? { metrics: ctx.metrics } : {}),
    ...(store !== undefined ? { store } : {}),
  });
  ctx.progress.step({
    part: 'service',
    action: 'started',
    message: `service ${address.name} (${address.serviceId}) version ${address.version} at ${address.url} (search index: ${address.store})`,
  });
  return address;
}

async function createService(
  ctx: StartContext,
  dataDir: string,
  directory: StartedDirectory,
  { path, contract }: LocalContract,
): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const passphrase = await partPassphrase(join(dataDir, SERVICE_FILES.passphrase), true);
  await initService({
    dataDir,
    passphrase,
    contractPath: path,
    directoryUrl: directory.address.url,
    rootCaPem: directory.rootCaPem,
    network: directory.address.network,
  });
  ctx.progress.step({
    part: 'service',
    action: 'created',
    message: `service ${contract.name} (${contract.serviceId}) registered, contract version ${contract.version} signed (${dataDir})`,
  });
  return passphrase;
}

async function reuseService(
  ctx: StartContext,
  dataDir: string,
  directory: StartedDirectory,
  { path, contract }: LocalContract,
): Promise<string> {
  const config = await readServiceConfig(dataDir);
  if (config.serviceId !== contract.serviceId) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `${dataDir} holds service ${config.serviceId}, but the contract ${path} is for service ${contract.serviceId}`,
    );
  }
  const passphrase = await partPassphrase(join(dataDir, SERVICE_FILES.passphrase), false);
  ctx.progress.step({
    part: 'service',
    action: 'reused',
    message: `service ${contract.name} (${contract.serviceId}) (${dataDir})`,
  });
  const outcome = await publishServiceContract({
    dataDir,
    passphrase,
    contractPath: path,
    directoryUrl: directory.address.url,
  });
  if (outcome.published) {
    ctx.progress.step({
      part: 'service',
      action: 'published',
      message: `contract version ${outcome.version} of ${contract.name} published`,
    });
  }
  return passphrase;
}

async function stopService(server: ServiceServer, logger: Logger): Promise<void> {
  await server.stop();
  flushLogger(logger);
}
