/**
 * What src/backup needs to know of a pod folder: who it is (its account and memberships, for the
 * manifest), and a restore check that the archive really is a pod (its `pod.json` names the manifest's
 * account). Reads the account database read-only, so it runs beside the serving pod.
 */
import type { BackupIdentity, Manifest } from '../../backup/index.js';
import { ByodaError } from '../../errors/index.js';
import { AccountStore } from './account-store.js';
import { readPodConfig } from './layout.js';
import type { PodPaths } from './layout.js';

export async function podBackupIdentity(paths: PodPaths): Promise<BackupIdentity> {
  const config = await readPodConfig(paths);
  const accounts = AccountStore.openReadOnly(paths.accountDb);
  try {
    const memberships = accounts
      .listMemberships()
      .map((m) => ({ serviceId: m.serviceId, memberId: m.memberId }));
    return { accountId: config.accountId, network: config.network, memberships };
  } finally {
    accounts.close();
  }
}

/** Refuses an archive that is not a whole pod: its pod.json, account.db and membership files. */
export function checkPodArchive(manifest: Manifest, files: ReadonlyMap<string, Buffer>): void {
  const config = files.get('pod.json');
  let accountId: unknown;
  try {
    accountId =
      config === undefined
        ? undefined
        : (JSON.parse(config.toString('utf8')) as Record<string, unknown>).account_id;
  } catch {
    accountId = undefined;
  }
  if (accountId !== manifest.accountId) {
    throw new ByodaError(
      'BYODA_ERR_BACKUP_ARCHIVE',
      "the archive's pod.json does not name the manifest's account",
    );
  }
  const needed = ['account.db', ...manifest.memberships.map((m) => `memberships/service-${m.serviceId}.db`)];
  for (const path of needed) {
    if (!files.has(path)) throw new ByodaError('BYODA_ERR_BACKUP_ARCHIVE', `the archive lacks ${path}`);
  }
}
