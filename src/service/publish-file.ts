/**
 * Publishing a contract file as a new version: by `byoda service publish FILE`, and at start for the
 * file `init` was given when it has a newer version (spec §5: only a compatible successor).
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { loadContractFile } from '../contract/index.js';
import { silentLogger } from '../http/index.js';
import { closeServiceContext, openServiceContext } from './context.js';
import type { ServiceContext } from './context.js';
import { fileExists } from './layout.js';
import { publishContract } from './publish.js';
import type { PublishOutcome } from './publish.js';

export interface PublishFileOptions {
  /** Publish only when the file's version is greater than the latest published one. */
  readonly onlyIfNewer?: boolean;
  /** A missing file publishes nothing instead of failing. */
  readonly missingOk?: boolean;
}

/** Publish `file` through an open service context; undefined when the options say to skip it. */
export async function publishContractFile(
  context: ServiceContext,
  file: string,
  options: PublishFileOptions = {},
): Promise<PublishOutcome | undefined> {
  if (options.missingOk && !(await fileExists(file))) {
    context.logger.warn({ file }, 'the contract file is gone; serving the published versions');
    return undefined;
  }
  const contract = await loadContractFile(file);
  const latest = await context.contracts.latestVersion();
  if (options.onlyIfNewer && latest !== undefined && contract.version <= latest) return undefined;
  const outcome = await publishContract(
    {
      store: context.contracts,
      pki: context.pki,
      directory: context.directory,
      networkDataChainPem: context.networkDataChainPem,
    },
    contract,
  );
  if (outcome.published)
    context.logger.info({ version: outcome.version, file }, 'contract version published');
  return outcome;
}

export interface PublishServiceContractOptions {
  readonly dataDir: string;
  readonly passphrase: string;
  readonly contractPath: string;
  readonly directoryUrl?: string;
  readonly logger?: Logger;
}

/**
 * `byoda service publish`: publish a contract file as the service's next version. Refused (before
 * anything is signed) when it is not a compatible successor of the latest version. A running server
 * serves the new version at once (it reads the versions from the folder).
 */
export async function publishServiceContract(
  options: PublishServiceContractOptions,
): Promise<PublishOutcome> {
  const context = await openServiceContext({
    dataDir: options.dataDir,
    passphrase: options.passphrase,
    logger: options.logger ?? silentLogger(),
    ...(options.directoryUrl !== undefined ? { directoryUrl: options.directoryUrl } : {}),
  });
  try {
    const outcome = await publishContractFile(context, resolve(options.contractPath));
    if (!outcome) throw new Error('unreachable: publishing without options always has an outcome');
    return outcome;
  } finally {
    await closeServiceContext(context);
  }
}
