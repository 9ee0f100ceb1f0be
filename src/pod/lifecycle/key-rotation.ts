/**
 * `byoda pod rotate-keys` on the running pod (docs/protocol.md, "Key rotation"): new P-256 keys for
 * the account's TLS and data certificates and for each membership's (or one membership's) TLS and
 * data certificates, each through the route that issues and renews it, adopted and reloaded exactly
 * as a renewal is (cert-renewal.ts does both: the same renewer, the same `renewed` steps).
 *
 * A rotation is hygiene: the old certificates stay valid until their end, and the pod keeps serving
 * the member data chain it replaced (by thumbprint), so that signatures made with the old key keep
 * verifying. A stolen key is handled by revoking the membership, which a rotation cannot replace.
 */
import type { CertificateRenewer, RotatedCertificate } from '../../pki/index.js';
import type { MembershipRegistry } from '../memberships/membership-registry.js';
import { CREDENTIALS } from './layout.js';

export interface KeyRotation {
  /**
   * Rotates the account's keys and those of the membership of `serviceId` (every membership when
   * absent); throws BYODA_ERR_NOT_FOUND for a service the pod is not a member of.
   */
  rotate(serviceId?: number): Promise<readonly RotatedCertificate[]>;
}

export function podKeyRotation(renewer: CertificateRenewer, memberships: MembershipRegistry): KeyRotation {
  return {
    rotate(serviceId) {
      const services =
        serviceId === undefined
          ? memberships.list().map((membership) => membership.serviceId)
          : [memberships.require(serviceId).serviceId];
      const names = new Set<string>([CREDENTIALS.accountTls, CREDENTIALS.accountData]);
      for (const id of services) {
        names.add(CREDENTIALS.memberTls(id));
        names.add(CREDENTIALS.memberData(id));
      }
      return renewer.rotate((name) => names.has(name));
    },
  };
}
