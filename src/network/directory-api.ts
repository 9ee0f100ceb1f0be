/**
 * The directory's HTTP API on the wire (docs/protocol.md, "Directory API"): paths and JSON bodies,
 * shared by the directory server and its client so that the two cannot drift apart. Field names are
 * snake_case as in the original BYODA's APIs; the client maps them to camelCase for TypeScript callers.
 */

export const DIRECTORY_PATHS = {
  rootCa: '/root-ca.pem',
  networkData: '/network-data.pem',
  account: '/api/v1/network/account',
  service: '/api/v1/network/service',
  services: '/api/v1/network/services',
  member: '/api/v1/network/member',
  app: '/api/v1/network/app',
  revocations: '/api/v1/network/revocations',
} as const;

/** `POST /api/v1/network/revocations`: revoke an account or a membership. */
export type RevocationBody =
  { kind: 'account'; account_id: string } | { kind: 'member'; member_id: string; service_id: number };

/** `GET /api/v1/network/revocations`: the signed list and the chain that verifies it. */
export interface RevocationListReply {
  /** Compact JWS (ES256) of the list, signed with the network data key (src/pki revocation.ts). */
  list: string;
  /** The network data cert chain, leaf first. */
  chain: string;
}

/** `PUT /api/v1/network/service/service-<id>` */
export function servicePath(serviceId: number): string {
  return `${DIRECTORY_PATHS.service}/service-${serviceId}`;
}

/** `POST /api/v1/network/service/service-<id>/contract` */
export function serviceContractPath(serviceId: number): string {
  return `${servicePath(serviceId)}/contract`;
}

/** `POST /api/v1/network/account` */
export interface AccountCsrBody {
  csr: string;
  /** IPv4 or IPv6 address for the account's DNS name; default: the request's source address. */
  address?: string;
  /** The pod's port, published as an SRV record. */
  port?: number;
}

/** `PUT /api/v1/network/account` */
export interface AccountUpdateBody {
  address?: string;
  port?: number;
}

/** `POST /api/v1/network/service` */
export interface ServiceCsrBody {
  csr: string;
  name?: string;
}

/** `PUT /api/v1/network/service/service-<id>` */
export interface ServiceUpdateBody {
  name: string;
  version: number;
  address?: string;
  port: number;
}

/** `POST /api/v1/network/service/service-<id>/contract` */
export interface ContractSignBody {
  /** The contract, already signed by the service's data key. */
  contract: Record<string, unknown>;
  /** The service data cert chain (leaf first) that verifies the service signature. */
  data_cert_chain: string;
}

/** `PUT /api/v1/network/member` */
export interface MemberUpdateBody {
  member_id: string;
  service_id: number;
  address?: string;
  port: number;
}

/** `PUT /api/v1/network/app`: publish an app's address at `<app_id>.apps-<service_id>.<net>` (spec §12). */
export interface AppUpdateBody {
  app_id: string;
  service_id: number;
  address?: string;
  port: number;
}

/** Answer to a CSR: the certificate with its intermediates, and the root to verify it against. */
export interface SignedCsrReply {
  chain: string;
  root_ca: string;
}

/** Answer to a (re-)registration: what the DNS now says. */
export interface RegistrationReply {
  fqdn: string;
  address: string;
  port: number | null;
}

export interface ContractReply {
  contract: Record<string, unknown>;
}

export interface ServiceListingReply {
  services: {
    service_id: number;
    name: string | null;
    version: number | null;
    fqdn: string;
  }[];
}
