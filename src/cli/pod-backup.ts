/**
 * `byoda pod backup|restore|backup-key` (spec §12 "backups"; docs/backup.md): an encrypted, consistent
 * backup of a pod folder, also while the pod serves, to a folder or `s3://bucket/prefix`, and its
 * restore into a new folder. The key comes from `--key-file` or BYODA_BACKUP_KEY and never from the pod
 * folder. A restored pod is started with `byoda pod start --data NEWDIR` (any host and ports): it
 * publishes its new address at the directory with its restored certificates, like every start.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import type { PodBackupSchedule } from '../pod/index.js';
import { print, printJson } from './output.js';

const loadBackup = () => import('../backup/index.js');
const loadPod = () => import('../pod/index.js');

interface BackupCommandOptions {
  readonly data: string;
  readonly to: string;
  readonly keyFile?: string;
  readonly keep?: number;
  readonly json?: boolean;
}

interface RestoreCommandOptions {
  readonly from: string;
  readonly data: string;
  readonly archive?: string;
  readonly account?: string;
  readonly keyFile?: string;
  readonly json?: boolean;
}

interface KeyCommandOptions {
  readonly out?: string;
}

const KEY_HELP = 'file holding the backup key (default: env BYODA_BACKUP_KEY); never inside the pod folder';
const TARGET_HELP = `
TARGET is a folder or s3://bucket/prefix (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
AWS_REGION; another S3-compatible server from BYODA_S3_ENDPOINT).

Examples:
  $ byoda pod backup-key --out ~/pod-backup.key
  $ byoda pod backup --data pod1 --to /mnt/backups --key-file ~/pod-backup.key --keep 7
  $ byoda pod restore --from /mnt/backups --data pod1-new --key-file ~/pod-backup.key
  $ byoda pod start --data pod1-new --host 127.0.0.2    # publishes the new address
`;

/** Adds `backup`, `restore` and `backup-key` under the `pod` command (registered before by pod.ts). */
export function registerPodBackupCommands(program: Command): void {
  const pod = program.commands.find((command) => command.name() === 'pod');
  if (!pod) throw new Error('the pod command is registered first');
  pod
    .command('backup')
    .description('write an encrypted, consistent backup of the pod (also while it runs)')
    .requiredOption('--data <dir>', 'data folder of the pod')
    .requiredOption('--to <target>', 'a folder or s3://bucket/prefix')
    .option('--key-file <file>', KEY_HELP)
    .option('--keep <n>', 'keep the n newest archives of this pod on the target, delete older', parseKeep)
    .option('--json', 'print the result as one JSON line')
    .addHelpText('after', TARGET_HELP)
    .action((options: BackupCommandOptions) => backupCommand(options));
  pod
    .command('restore')
    .description('restore a backup into a new data folder (then `byoda pod start` it anywhere)')
    .requiredOption('--from <target>', 'a folder or s3://bucket/prefix')
    .requiredOption('--data <dir>', 'the new data folder (absent or empty)')
    .option('--archive <name>', 'the archive to restore (default: the newest)')
    .option('--account <account_id>', 'the newest archive of this account (when the target holds several)')
    .option('--key-file <file>', KEY_HELP)
    .option('--json', 'print the result as one JSON line')
    .addHelpText('after', TARGET_HELP)
    .action((options: RestoreCommandOptions) => restoreCommand(options));
  pod
    .command('backup-key')
    .description('make a new backup key (64 hex digits): keep it away from the pod')
    .option('--out <file>', 'write it to this file (mode 0600, must not exist) instead of stdout')
    .action((options: KeyCommandOptions) => keyCommand(options));
}

export function parseKeep(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
}

async function backupCommand(options: BackupCommandOptions): Promise<void> {
  const { backupFolder, loadBackupKey, openTarget } = await loadBackup();
  const { podBackupIdentity, podPaths } = await loadPod();
  const paths = podPaths(options.data);
  const identity = await podBackupIdentity(paths);
  const key = await loadBackupKey({ keyFile: options.keyFile, podDir: paths.dataDir });
  const target = openTarget(options.to);
  try {
    const result = await backupFolder({ dataDir: paths.dataDir, identity, key, target, keep: options.keep });
    if (options.json) {
      printJson({
        event: 'backed_up',
        account_id: identity.accountId,
        target: target.description,
        ...result,
      });
      return;
    }
    print(
      `backup ${result.name} (${result.files} files, ${result.bytes} bytes) written to ${target.description}`,
    );
    for (const name of result.deleted) print(`  deleted the older ${name}`);
  } finally {
    await target.close();
  }
}

async function restoreCommand(options: RestoreCommandOptions): Promise<void> {
  const { loadBackupKey, openTarget, restoreFolder } = await loadBackup();
  const { checkPodArchive, podPaths } = await loadPod();
  const paths = podPaths(options.data);
  const key = await loadBackupKey({ keyFile: options.keyFile, podDir: paths.dataDir });
  const target = openTarget(options.from);
  try {
    const { name, manifest } = await restoreFolder({
      target,
      key,
      dataDir: paths.dataDir,
      name: options.archive,
      accountId: options.account,
      check: checkPodArchive,
    });
    if (options.json) {
      printJson({
        event: 'restored',
        archive: name,
        account_id: manifest.accountId,
        created_at: manifest.createdAt,
        data: paths.dataDir,
        memberships: manifest.memberships.map((m) => ({ service_id: m.serviceId, member_id: m.memberId })),
      });
      return;
    }
    print(`restored ${name} (pod ${manifest.accountId}, made ${manifest.createdAt}) into ${paths.dataDir}`);
    print(`  start it with: byoda pod start --data ${paths.dataDir} [--host IP]`);
  } finally {
    await target.close();
  }
}

async function keyCommand(options: KeyCommandOptions): Promise<void> {
  const { generateBackupKey } = await loadBackup();
  const key = generateBackupKey();
  if (options.out === undefined) {
    print(key);
    return;
  }
  await writeFile(options.out, `${key}\n`, { mode: 0o600, flag: 'wx' }).catch((cause: unknown) => {
    throw new ByodaError('BYODA_ERR_CONFIG', `cannot create ${options.out} (it must not exist yet)`, {
      cause,
    });
  });
  print(`backup key written to ${options.out}: keep it apart from the pod`);
}

interface ScheduleOptions {
  readonly backupTo?: string;
  readonly backupEvery?: number;
  readonly backupKeep?: number;
  readonly backupKeyFile?: string;
}

/** `byoda pod start --backup-to T [--backup-every 1h] [--backup-keep N] [--backup-key-file F]`. */
export function addBackupScheduleOptions(start: Command): void {
  start
    .option('--backup-to <target>', 'back the pod up while it runs, to a folder or s3://bucket/prefix')
    .option('--backup-every <duration>', 'time between backups: 30s, 15m, 1h, 1d (default 1d)', parseEvery)
    .option('--backup-keep <n>', 'archives of this pod kept on the target (default 7)', parseKeep)
    .option('--backup-key-file <file>', KEY_HELP);
}

function parseEvery(text: string): number {
  try {
    return parseDuration(text) * 1000;
  } catch {
    throw new InvalidArgumentError('a duration such as 30s, 15m, 1h or 1d');
  }
}

/** The schedule `byoda pod start` was asked for, with its key loaded (so a bad key fails at start). */
export async function backupSchedule(
  options: ScheduleOptions,
  podDir: string,
): Promise<PodBackupSchedule | undefined> {
  if (options.backupTo === undefined) {
    if (options.backupEvery !== undefined || options.backupKeep !== undefined) {
      throw new ByodaError('BYODA_ERR_CONFIG', '--backup-every and --backup-keep need --backup-to');
    }
    return undefined;
  }
  const { loadBackupKey, openTarget } = await loadBackup();
  const key = await loadBackupKey({ keyFile: options.backupKeyFile, podDir });
  return {
    target: openTarget(options.backupTo),
    key,
    everyMs: options.backupEvery ?? 86_400_000,
    keep: options.backupKeep ?? 7,
  };
}
