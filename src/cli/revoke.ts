/**
 * Revocation commands (docs/operations.md, "Revocation"):
 *
 * - `byoda directory revoke --data DIR (--account ID | --member ID --service S)`: the operator, with
 *   the directory's data folder (no certificate of the one revoked needed).
 * - `byoda pod revoke --data DIR (--service S | --account)`: the owner revokes their own membership
 *   of S (or the whole account) at the directory, with the pod's own certificate.
 */
import type { Command } from 'commander';
import { ByodaError } from '../errors/index.js';
import { print, printJson } from './output.js';
import { commandPassphrase, passphraseFileHelp } from './run-server.js';
import type { PassphraseOption } from './run-server.js';

interface DirectoryRevokeOptions {
  readonly data: string;
  readonly store?: string;
  readonly account?: string;
  readonly member?: string;
  readonly service?: number;
  readonly json?: boolean;
}

interface PodRevokeOptions extends PassphraseOption {
  readonly data: string;
  readonly service?: number;
  readonly account?: boolean;
  readonly json?: boolean;
}

/** `parseServiceId` of the pod commands, passed in to keep this file free of them. */
export function registerDirectoryRevoke(directory: Command, parseServiceId: (value: string) => number): void {
  directory
    .command('revoke')
    .description('put an account or a membership on the network revocation list (operator)')
    .requiredOption('--data <dir>', 'data folder of the directory')
    .option('--store <url>', "the directory's --store, if not <data>/directory.db")
    .option('--account <account_id>', 'the account to revoke')
    .option('--member <member_id>', 'the membership to revoke (with --service)')
    .option('--service <service_id>', 'the service of --member', parseServiceId)
    .option('--json', 'print the result as one JSON line')
    .action((options: DirectoryRevokeOptions) => directoryRevoke(options));
}

export function registerPodRevoke(pod: Command, parseServiceId: (value: string) => number): void {
  pod
    .command('revoke')
    .description("revoke this pod's membership of a service (or its account) at the directory")
    .requiredOption('--data <dir>', 'data folder of the pod')
    .option('--service <service_id>', 'the service whose membership to revoke', parseServiceId)
    .option('--account', 'revoke the whole account')
    .option('--passphrase-file <file>', passphraseFileHelp())
    .option('--json', 'print the result as one JSON line')
    .action((options: PodRevokeOptions) => podRevoke(options));
}

async function directoryRevoke(options: DirectoryRevokeOptions): Promise<void> {
  const { revokeAsOperator } = await import('../directory/index.js');
  const target =
    options.account !== undefined && options.member === undefined
      ? ({ kind: 'account', accountId: options.account } as const)
      : options.member !== undefined && options.service !== undefined && options.account === undefined
        ? ({ kind: 'member', memberId: options.member, serviceId: options.service } as const)
        : undefined;
  if (!target) {
    throw new ByodaError(
      'BYODA_ERR_BAD_REQUEST',
      'give either --account ID, or --member ID with --service S',
    );
  }
  const { revocation, added } = await revokeAsOperator(options.data, target, options.store);
  if (options.json === true) printJson({ revocation, added });
  else print(added ? `revoked: ${JSON.stringify(revocation)}` : 'already revoked');
}

async function podRevoke(options: PodRevokeOptions): Promise<void> {
  const { podPaths, revokeOwn } = await import('../pod/index.js');
  const what =
    options.account === true && options.service === undefined
      ? ({ kind: 'account' } as const)
      : options.service !== undefined && options.account !== true
        ? ({ kind: 'member', serviceId: options.service } as const)
        : undefined;
  if (!what) throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'give either --service S or --account');
  const { passphrase } = await commandPassphrase(options, podPaths(options.data).passphrase, false);
  const { body, revokedAt } = await revokeOwn(options.data, passphrase, what);
  if (options.json === true) printJson({ revoked: body, revoked_at: revokedAt });
  else print(`revoked at ${revokedAt}: ${JSON.stringify(body)}`);
}
