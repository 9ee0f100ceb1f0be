/**
 * The owner's revocation (docs/operations.md, "Revocation"): the pod asks the directory to revoke its
 * own membership of a service (presenting that membership's member TLS cert) or its whole account
 * (presenting the account cert). Used by `byoda pod revoke`; the pod may be running or not.
 */
import { DirectoryClient } from '../../network/index.js';
import type { RevocationBody } from '../../network/index.js';
import { readCredential, readRootCaCert } from '../../pki/index.js';
import { CREDENTIALS, podPaths, readPodConfig } from './layout.js';

export type OwnRevocation =
  { readonly kind: 'account' } | { readonly kind: 'member'; readonly serviceId: number };

export async function revokeOwn(
  dataDir: string,
  passphrase: string,
  what: OwnRevocation,
): Promise<{ body: RevocationBody; revokedAt: string }> {
  const paths = podPaths(dataDir);
  const config = await readPodConfig(paths);
  const { rootPem } = await readRootCaCert(paths.pkiDir);
  const name = what.kind === 'account' ? CREDENTIALS.accountTls : CREDENTIALS.memberTls(what.serviceId);
  const credential = await readCredential(paths.pkiDir, name, passphrase);
  const { memberId, serviceId } = credential.identity;
  const body: RevocationBody =
    what.kind === 'account' || memberId === undefined || serviceId === undefined
      ? { kind: 'account', account_id: config.accountId }
      : { kind: 'member', member_id: memberId, service_id: serviceId };
  const directory = new DirectoryClient({
    url: config.directoryUrl,
    network: config.network,
    rootCaPem: rootPem,
    credential,
  });
  try {
    const { revokedAt } = await directory.revoke(body);
    return { body, revokedAt };
  } finally {
    await directory.close();
  }
}
