/**
 * Who may issue what (spec §3), and the certificate profile of each identity type. Both the CAs (before
 * signing) and the chain verifier (for every link) apply the same table, so a chain is accepted only if
 * every certificate in it could have been issued by this project's CAs: an accounts CA key cannot mint a
 * member cert, and the members CA of service 1 cannot mint a member of service 2.
 */
import type { IdentityType, PkiIdentity } from './names.js';

/**
 * The identity types each CA type signs. The root also signs the directory's and the browser proxy's
 * TLS certs (our choice).
 */
const ISSUES: Readonly<Partial<Record<IdentityType, readonly IdentityType[]>>> = {
  'root-ca': ['accounts-ca', 'services-ca', 'network-data', 'directory', 'proxy'],
  'accounts-ca': ['account', 'account-data'],
  'services-ca': ['service-ca'],
  'service-ca': ['members-ca', 'apps-ca', 'service', 'service-data'],
  'members-ca': ['member', 'member-data'],
  // spec §12: an app's TLS and data certificates come from its service's apps CA.
  'apps-ca': ['app', 'app-data'],
};

/** The identity types a CA of `issuerType` may sign (empty for a leaf). */
export function issuableTypes(issuerType: IdentityType): readonly IdentityType[] {
  return ISSUES[issuerType] ?? [];
}

/**
 * Whether `issuer` may sign a certificate for `subject`: same network, a type in the table above, and
 * for a service-scoped CA (service, members, apps CA) the same service id.
 */
export function mayIssue(issuer: PkiIdentity, subject: PkiIdentity): boolean {
  if (issuer.network !== subject.network) return false;
  if (!issuableTypes(issuer.type).includes(subject.type)) return false;
  if (issuer.serviceId !== undefined && subject.serviceId !== issuer.serviceId) return false;
  return true;
}

/**
 * basicConstraints pathLength of each CA type: the number of CA levels that may still follow it.
 * root -> services CA -> service CA -> members/apps CA -> leaf is the deepest path.
 */
const PATH_LENGTH: Readonly<Partial<Record<IdentityType, number>>> = {
  'root-ca': 3,
  'services-ca': 2,
  'service-ca': 1,
  'accounts-ca': 0,
  'members-ca': 0,
  'apps-ca': 0,
};

function caPathLength(type: IdentityType): number | undefined {
  return PATH_LENGTH[type];
}

export type CertProfile =
  | { kind: 'ca'; pathLength: number }
  | { kind: 'tls'; serverAuth: boolean; clientAuth: boolean }
  | { kind: 'data' };

/**
 * The profile of a certificate for an identity type. TLS certs of pods and services are both server and
 * client certs (a pod serves its member port and calls other pods; a service serves and calls pods);
 * the directory and the browser proxy only serve.
 */
export function profileOf(type: IdentityType): CertProfile {
  const pathLength = caPathLength(type);
  if (pathLength !== undefined) return { kind: 'ca', pathLength };
  if (type === 'directory' || type === 'proxy') return { kind: 'tls', serverAuth: true, clientAuth: false };
  // An app serves its own API (members ask it for reviews) and calls pods, as a pod does.
  if (type === 'account' || type === 'service' || type === 'member' || type === 'app') {
    return { kind: 'tls', serverAuth: true, clientAuth: true };
  }
  return { kind: 'data' };
}

/** Default validity in days: root 10 years, other CAs 5 years, leaves 1 year. */
export function defaultValidityDays(type: IdentityType): number {
  if (type === 'root-ca') return 3650;
  return profileOf(type).kind === 'ca' ? 1825 : 365;
}
