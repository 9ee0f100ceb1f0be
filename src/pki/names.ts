/**
 * The names of the network (spec §2-3): the FQDN that is each certificate's CN, and the way back from a
 * CN to a typed identity. Pure functions only; every CA and every chain check relies on these, so a CN
 * is accepted only in exactly the canonical form the builders below produce (lower case, no leading
 * zeros in a service id).
 *
 * CN forms (`<net>` is the network, `<S>` a service id):
 *
 * | type           | CN                                    |
 * |----------------|---------------------------------------|
 * | `root-ca`      | `root-ca.<net>`                       |
 * | `accounts-ca`  | `accounts-ca.<net>`                   |
 * | `services-ca`  | `services-ca.<net>`                   |
 * | `network-data` | `network-data.<net>`                  |
 * | `directory`    | `dir.<net>`                           |
 * | `proxy`        | `proxy.<net>` (the browser proxy)     |
 * | `account`      | `<account_id>.accounts.<net>`         |
 * | `account-data` | `<account_id>.accounts-data.<net>`    |
 * | `service-ca`   | `service-ca.service-<S>.<net>`        |
 * | `members-ca`   | `members-ca.members-<S>.<net>`        |
 * | `apps-ca`      | `apps-ca.apps-<S>.<net>`              |
 * | `service`      | `service.service-<S>.<net>`           |
 * | `service-data` | `service.service-data-<S>.<net>`      |
 * | `member`       | `<member_id>.members-<S>.<net>`       |
 * | `member-data`  | `<member_id>.members-data-<S>.<net>`  |
 * | `app`          | `<app_id>.apps-<S>.<net>`             |
 * | `app-data`     | `<app_id>.apps-data-<S>.<net>`        |
 *
 * Parsing is unambiguous without knowing the network: the first label alone tells whether the prefix
 * before the network is one label (`root-ca`, `accounts-ca`, `services-ca`, `network-data`, `dir`,
 * `proxy`) or two (a UUID of an account, member or app, `service-ca`, `members-ca`, `apps-ca`, `service`).
 */
import { ByodaError } from '../errors/index.js';

export type IdentityType =
  | 'root-ca'
  | 'accounts-ca'
  | 'services-ca'
  | 'network-data'
  | 'account'
  | 'account-data'
  | 'service-ca'
  | 'members-ca'
  | 'apps-ca'
  | 'service'
  | 'service-data'
  | 'member'
  | 'member-data'
  | 'app'
  | 'app-data'
  | 'directory'
  | 'proxy';

/**
 * Who a certificate names. `accountId`, `memberId`, `appId` and `serviceId` are set exactly when the
 * type has them.
 */
export interface PkiIdentity {
  type: IdentityType;
  network: string;
  accountId?: string;
  memberId?: string;
  /** An app of a service (spec §12: `<app_id>.apps-<service_id>.<network>`), a UUID v4. */
  appId?: string;
  serviceId?: number;
}

export const IDENTITY_TYPES: readonly IdentityType[] = [
  'root-ca',
  'accounts-ca',
  'services-ca',
  'network-data',
  'account',
  'account-data',
  'service-ca',
  'members-ca',
  'apps-ca',
  'service',
  'service-data',
  'member',
  'member-data',
  'app',
  'app-data',
  'directory',
  'proxy',
];

/** Largest service id (spec §1: an integer 0..2^32-1). */
export const MAX_SERVICE_ID = 0xffffffff;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// Canonical decimal: no sign, no leading zero (so that parse(build(x)) === x and no two CNs name one service).
const SERVICE_ID_TEXT = /^(?:0|[1-9][0-9]{0,9})$/;

// ---- validation --------------------------------------------------------------------------------------

/** A lower-case UUID v4 (account and member ids). Upper case is refused: CNs compare byte for byte. */
export function isUuidV4(value: string): boolean {
  return UUID_V4.test(value);
}

export function isServiceId(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_SERVICE_ID;
}

/**
 * A network is a lower-case DNS domain of at least two labels (`byoda.test`), at most 253 characters.
 * A single label is refused so that a network can never be confused with a CN prefix such as `dir`.
 */
export function isNetworkName(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const labels = value.split('.');
  return labels.length >= 2 && labels.every((label) => DNS_LABEL.test(label));
}

function parseServiceIdText(text: string): number | undefined {
  if (!SERVICE_ID_TEXT.test(text)) return undefined;
  const id = Number(text);
  return isServiceId(id) ? id : undefined;
}

function assertNetwork(network: string): void {
  if (!isNetworkName(network)) {
    throw new ByodaError('BYODA_ERR_PKI', `not a valid network name (a lower-case DNS domain): '${network}'`);
  }
}

function assertUuid(kind: string, id: string): void {
  if (!isUuidV4(id)) throw new ByodaError('BYODA_ERR_PKI', `${kind} must be a lower-case UUID v4: '${id}'`);
}

function assertServiceId(id: number): void {
  if (!isServiceId(id))
    throw new ByodaError('BYODA_ERR_PKI', `service id must be an integer 0..2^32-1: ${id}`);
}

// ---- builders ----------------------------------------------------------------------------------------

function networkName(prefix: string, network: string): string {
  assertNetwork(network);
  return `${prefix}.${network}`;
}

function accountName(label: string, accountId: string, network: string): string {
  assertUuid('account id', accountId);
  return networkName(`${accountId}.${label}`, network);
}

function serviceName(first: string, second: string, serviceId: number, network: string): string {
  assertServiceId(serviceId);
  return networkName(`${first}.${second}-${serviceId}`, network);
}

function memberName(label: string, memberId: string, serviceId: number, network: string): string {
  assertUuid('member id', memberId);
  assertServiceId(serviceId);
  return networkName(`${memberId}.${label}-${serviceId}`, network);
}

export const rootCaCn = (network: string): string => networkName('root-ca', network);
export const accountsCaCn = (network: string): string => networkName('accounts-ca', network);
export const servicesCaCn = (network: string): string => networkName('services-ca', network);
export const networkDataCn = (network: string): string => networkName('network-data', network);
export const directoryFqdn = (network: string): string => networkName('dir', network);
export const proxyFqdn = (network: string): string => networkName('proxy', network);

export const accountFqdn = (network: string, accountId: string): string =>
  accountName('accounts', accountId, network);
export const accountDataCn = (network: string, accountId: string): string =>
  accountName('accounts-data', accountId, network);

export const serviceCaCn = (network: string, serviceId: number): string =>
  serviceName('service-ca', 'service', serviceId, network);
export const membersCaCn = (network: string, serviceId: number): string =>
  serviceName('members-ca', 'members', serviceId, network);
export const appsCaCn = (network: string, serviceId: number): string =>
  serviceName('apps-ca', 'apps', serviceId, network);
export const serviceFqdn = (network: string, serviceId: number): string =>
  serviceName('service', 'service', serviceId, network);
export const serviceDataCn = (network: string, serviceId: number): string =>
  serviceName('service', 'service-data', serviceId, network);

export const memberFqdn = (network: string, serviceId: number, memberId: string): string =>
  memberName('members', memberId, serviceId, network);
export const memberDataCn = (network: string, serviceId: number, memberId: string): string =>
  memberName('members-data', memberId, serviceId, network);

export const appFqdn = (network: string, serviceId: number, appId: string): string =>
  memberName('apps', appId, serviceId, network);
export const appDataCn = (network: string, serviceId: number, appId: string): string =>
  memberName('apps-data', appId, serviceId, network);

/** The CN of an identity: the inverse of `parseIdentity`. Throws BYODA_ERR_PKI if a needed id is missing. */
export function identityCn(identity: PkiIdentity): string {
  const { network } = identity;
  switch (identity.type) {
    case 'root-ca':
      return rootCaCn(network);
    case 'accounts-ca':
      return accountsCaCn(network);
    case 'services-ca':
      return servicesCaCn(network);
    case 'network-data':
      return networkDataCn(network);
    case 'directory':
      return directoryFqdn(network);
    case 'proxy':
      return proxyFqdn(network);
    case 'account':
      return accountFqdn(network, required(identity.accountId, 'accountId'));
    case 'account-data':
      return accountDataCn(network, required(identity.accountId, 'accountId'));
    case 'service-ca':
      return serviceCaCn(network, required(identity.serviceId, 'serviceId'));
    case 'members-ca':
      return membersCaCn(network, required(identity.serviceId, 'serviceId'));
    case 'apps-ca':
      return appsCaCn(network, required(identity.serviceId, 'serviceId'));
    case 'service':
      return serviceFqdn(network, required(identity.serviceId, 'serviceId'));
    case 'service-data':
      return serviceDataCn(network, required(identity.serviceId, 'serviceId'));
    case 'member':
      return memberFqdn(
        network,
        required(identity.serviceId, 'serviceId'),
        required(identity.memberId, 'memberId'),
      );
    case 'member-data':
      return memberDataCn(
        network,
        required(identity.serviceId, 'serviceId'),
        required(identity.memberId, 'memberId'),
      );
    case 'app':
      return appFqdn(network, required(identity.serviceId, 'serviceId'), required(identity.appId, 'appId'));
    case 'app-data':
      return appDataCn(network, required(identity.serviceId, 'serviceId'), required(identity.appId, 'appId'));
  }
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new ByodaError('BYODA_ERR_PKI', `identity is missing ${name}`);
  return value;
}

// ---- parsing -----------------------------------------------------------------------------------------

const SINGLE_LABEL_TYPES: Readonly<Record<string, IdentityType>> = {
  'root-ca': 'root-ca',
  'accounts-ca': 'accounts-ca',
  'services-ca': 'services-ca',
  'network-data': 'network-data',
  dir: 'directory',
  proxy: 'proxy',
};

/** `<first>.<second>` prefixes whose second label carries a service id: `<second> = <kind>-<S>`. */
const SERVICE_PREFIXES: ReadonlyArray<{ first: string; kind: string; type: IdentityType }> = [
  { first: 'service-ca', kind: 'service', type: 'service-ca' },
  { first: 'members-ca', kind: 'members', type: 'members-ca' },
  { first: 'apps-ca', kind: 'apps', type: 'apps-ca' },
  { first: 'service', kind: 'service', type: 'service' },
  { first: 'service', kind: 'service-data', type: 'service-data' },
];

/** `<uuid>.<second>` prefixes of a member: `<second> = <kind>-<S>`. */
const MEMBER_KINDS: ReadonlyArray<{ kind: string; type: IdentityType }> = [
  { kind: 'members', type: 'member' },
  { kind: 'members-data', type: 'member-data' },
];

/** `<uuid>.<second>` prefixes of an app: `<second> = <kind>-<S>`. */
const APP_KINDS: ReadonlyArray<{ kind: string; type: IdentityType }> = [
  { kind: 'apps', type: 'app' },
  { kind: 'apps-data', type: 'app-data' },
];

const ACCOUNT_KINDS: Readonly<Record<string, IdentityType>> = {
  accounts: 'account',
  'accounts-data': 'account-data',
};

/**
 * The identity a CN names, or null if it is not one of the forms above. With `network`, the CN must
 * belong to that network (null otherwise); without, the network is whatever follows the prefix.
 */
export function parseIdentity(cn: string, network?: string): PkiIdentity | null {
  const labels = cn.split('.');
  const first = labels[0] ?? '';
  const single = SINGLE_LABEL_TYPES[first];
  const prefixLength = single ? 1 : 2;
  const cnNetwork = labels.slice(prefixLength).join('.');
  if (!isNetworkName(cnNetwork)) return null;
  if (network !== undefined && cnNetwork !== network) return null;
  if (single) return { type: single, network: cnNetwork };
  return parseTwoLabelPrefix(first, labels[1] ?? '', cnNetwork);
}

function parseTwoLabelPrefix(first: string, second: string, network: string): PkiIdentity | null {
  if (isUuidV4(first)) return parseAccountOrMember(first, second, network);
  for (const { first: expectedFirst, kind, type } of SERVICE_PREFIXES) {
    if (first !== expectedFirst) continue;
    const serviceId = serviceIdAfter(second, kind);
    if (serviceId !== undefined) return { type, network, serviceId };
  }
  return null;
}

function parseAccountOrMember(id: string, second: string, network: string): PkiIdentity | null {
  const accountType = ACCOUNT_KINDS[second];
  if (accountType) return { type: accountType, network, accountId: id };
  for (const { kind, type } of MEMBER_KINDS) {
    const serviceId = serviceIdAfter(second, kind);
    if (serviceId !== undefined) return { type, network, memberId: id, serviceId };
  }
  for (const { kind, type } of APP_KINDS) {
    const serviceId = serviceIdAfter(second, kind);
    if (serviceId !== undefined) return { type, network, appId: id, serviceId };
  }
  return null;
}

/** `members-42` with kind `members` -> 42; `members-data-42` with kind `members` -> undefined. */
function serviceIdAfter(label: string, kind: string): number | undefined {
  const prefix = `${kind}-`;
  return label.startsWith(prefix) ? parseServiceIdText(label.slice(prefix.length)) : undefined;
}

/** The network of a root CA CN (`root-ca.<network>`), or null if the CN is not a root CA's. */
export function networkOfRootCaCn(cn: string): string | null {
  const identity = parseIdentity(cn);
  return identity?.type === 'root-ca' ? identity.network : null;
}
