/**
 * Upgrading a membership to the service's newest contract (spec §5): fetch it, verify both signatures,
 * and migrate the namespace (add only). An incompatible or older version changes nothing; the schema
 * is rebuilt once, for the new version.
 */
import type { MigrationReport } from '../../storage/index.js';
import type { PodContext } from '../context.js';
import { connectService } from './join.js';
import { fetchVerifiedContract } from './verified-contract.js';

export interface UpgradeOutcome {
  readonly serviceId: number;
  readonly fromVersion: number;
  readonly toVersion: number;
  /** False when the pod already follows the newest version. */
  readonly upgraded: boolean;
  readonly report: MigrationReport | undefined;
}

export async function upgradeMembership(context: PodContext, serviceId: number): Promise<UpgradeOutcome> {
  const membership = context.memberships.require(serviceId);
  const fromVersion = membership.contract.version;
  const service = await connectService(context, serviceId);
  try {
    const next = await fetchVerifiedContract(service, serviceId, context.rootCaPem);
    if (next.version <= fromVersion) {
      return { serviceId, fromVersion, toVersion: fromVersion, upgraded: false, report: undefined };
    }
    const report = await membership.upgrade(next);
    context.accounts.setContractVersion(serviceId, next.version);
    return { serviceId, fromVersion, toVersion: next.version, upgraded: true, report };
  } finally {
    await service.close();
  }
}
