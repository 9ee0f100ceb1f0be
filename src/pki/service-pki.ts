/**
 * A service's PKI, held by the service server. Its service CA is signed by the network's services CA
 * (through the directory); everything below it is made locally:
 *
 * | file                        | what                                                   |
 * |-----------------------------|--------------------------------------------------------|
 * | `root-ca.pem`               | the network root (to verify chains)                     |
 * | `service-ca.pem` / `.key`   | service CA (`service-ca.service-<S>.<net>`)              |
 * | `members-ca.pem` / `.key`   | members CA (`members-ca.members-<S>.<net>`)              |
 * | `apps-ca.pem` / `.key`      | apps CA (`apps-ca.apps-<S>.<net>`)                       |
 * | `service.pem` / `.key`      | service TLS cert (`service.service-<S>.<net>`)           |
 * | `service-data.pem` / `.key` | service data cert (`service.service-data-<S>.<net>`)     |
 */
import { ByodaError } from '../errors/index.js';
import { CertificateAuthority } from './ca.js';
import { verifyRootCa } from './chain.js';
import { appsCaCn, membersCaCn, serviceCaCn, serviceDataCn, serviceFqdn } from './names.js';
import { requestCredential } from './request.js';
import { leafValidity } from './renewal.js';
import { assertChainsToRoot } from './credential.js';
import {
  credentialExists,
  readCredential,
  readRootCaCert,
  writeCredential,
  writeRootCaCert,
} from './store.js';
import type { IssueOptions } from './ca.js';
import type { Credential, IssuedCert } from './credential.js';
import type { OpenPkiOptions } from './network-pki.js';
import type { CsrSigner } from './request.js';

/** The credential files of a service PKI, by role. */
export const SERVICE_PKI_FILES = {
  serviceCa: 'service-ca',
  membersCa: 'members-ca',
  appsCa: 'apps-ca',
  tls: 'service',
  data: 'service-data',
} as const;

export interface CreateServicePkiOptions {
  serviceId: number;
  /** The network root certificate (from the directory's `GET /root-ca.pem`). */
  rootCaPem: string;
  passphrase: string;
  /** Gets the service CA CSR signed by the network (`POST /api/v1/network/service`). */
  signServiceCaCsr: CsrSigner;
}

export class ServicePki {
  readonly network: string;
  readonly serviceId: number;
  readonly rootCaPem: string;
  readonly serviceCa: CertificateAuthority;
  readonly membersCa: CertificateAuthority;
  readonly appsCa: CertificateAuthority;
  /** The service server's TLS cert (`service.service-<S>.<net>`), server and client. */
  readonly tls: Credential;
  /** Signs the service's contracts (spec §5). */
  readonly data: Credential;
  /** Lifetime of the leaves signed here; undefined: the types' defaults. */
  leafLifetimeMs: number | undefined;

  private constructor(
    rootCaPem: string,
    parts: {
      serviceCa: CertificateAuthority;
      membersCa: CertificateAuthority;
      appsCa: CertificateAuthority;
      tls: Credential;
      data: Credential;
    },
  ) {
    const { network, serviceId } = parts.serviceCa.identity;
    if (serviceId === undefined) throw new ByodaError('BYODA_ERR_PKI', 'the service CA names no service id');
    this.network = network;
    this.serviceId = serviceId;
    this.rootCaPem = rootCaPem;
    this.serviceCa = parts.serviceCa;
    this.membersCa = parts.membersCa;
    this.appsCa = parts.appsCa;
    this.tls = parts.tls;
    this.data = parts.data;
    this.leafLifetimeMs = undefined;
  }

  /** How leaves are issued here: for `leafLifetimeMs` from now when set. */
  leafOptions(): IssueOptions {
    return this.leafLifetimeMs === undefined ? {} : { validity: leafValidity(this.leafLifetimeMs) };
  }

  /** A new certificate for the service's TLS or data cert (signed by its service CA), same key. */
  async renewOwn(credential: Credential): Promise<Credential> {
    const issued = await this.serviceCa.issue(
      credential.commonName,
      credential.keys.publicKey,
      this.leafOptions(),
    );
    return { ...issued, keys: credential.keys };
  }

  /**
   * Sign a member TLS CSR (`<member_id>.members-<S>.<net>`) or member data CSR
   * (`<member_id>.members-data-<S>.<net>`) of this service; with `memberId`, only that member's.
   */
  async signMemberCsr(csrPem: string, memberId?: string): Promise<IssuedCert> {
    return this.membersCa.signCsr(
      csrPem,
      (identity) => memberId === undefined || identity.memberId === memberId,
      this.leafOptions(),
    );
  }

  /**
   * Sign an app TLS CSR (`<app_id>.apps-<S>.<net>`) or app data CSR (`<app_id>.apps-data-<S>.<net>`) of
   * this service (spec §12); with `appId`, only that app's.
   */
  async signAppCsr(csrPem: string, appId?: string): Promise<IssuedCert> {
    return this.appsCa.signCsr(csrPem, (identity) => appId === undefined || identity.appId === appId);
  }

  static async create(dir: string, options: CreateServicePkiOptions): Promise<ServicePki> {
    const { rootCaPem, serviceId, passphrase } = options;
    if (await servicePkiExists(dir)) {
      throw new ByodaError(
        'BYODA_ERR_PKI',
        `a service PKI already exists here (${SERVICE_PKI_FILES.serviceCa}.pem)`,
      );
    }
    const network = await verifyRootCa(rootCaPem);
    await writeRootCaCert(dir, rootCaPem);
    const serviceCa = CertificateAuthority.fromCredential(
      await requestCredential(serviceCaCn(network, serviceId), rootCaPem, options.signServiceCaCsr),
    );
    const pki = new ServicePki(rootCaPem, {
      serviceCa,
      membersCa: CertificateAuthority.fromCredential(
        await serviceCa.issueCredential(membersCaCn(network, serviceId)),
      ),
      appsCa: CertificateAuthority.fromCredential(
        await serviceCa.issueCredential(appsCaCn(network, serviceId)),
      ),
      tls: await serviceCa.issueCredential(serviceFqdn(network, serviceId)),
      data: await serviceCa.issueCredential(serviceDataCn(network, serviceId)),
    });
    await pki.#write(dir, passphrase);
    return pki;
  }

  static async open(dir: string, passphrase: string, options: OpenPkiOptions = {}): Promise<ServicePki> {
    const { rootPem } = await readRootCaCert(dir);
    const read = (name: string): Promise<Credential> => readCredential(dir, name, passphrase);
    const pki = new ServicePki(rootPem, {
      serviceCa: CertificateAuthority.fromCredential(await read(SERVICE_PKI_FILES.serviceCa)),
      membersCa: CertificateAuthority.fromCredential(await read(SERVICE_PKI_FILES.membersCa)),
      appsCa: CertificateAuthority.fromCredential(await read(SERVICE_PKI_FILES.appsCa)),
      tls: await read(SERVICE_PKI_FILES.tls),
      data: await read(SERVICE_PKI_FILES.data),
    });
    const { serviceCa, membersCa, appsCa, tls, data } = pki;
    await assertChainsToRoot(
      [serviceCa.credential, membersCa.credential, appsCa.credential, tls, data],
      rootPem,
    );
    pki.leafLifetimeMs = options.leafLifetimeMs;
    return pki;
  }

  async #write(dir: string, passphrase: string): Promise<void> {
    await writeCredential(dir, SERVICE_PKI_FILES.membersCa, this.membersCa.credential, passphrase);
    await writeCredential(dir, SERVICE_PKI_FILES.appsCa, this.appsCa.credential, passphrase);
    await writeCredential(dir, SERVICE_PKI_FILES.tls, this.tls, passphrase);
    await writeCredential(dir, SERVICE_PKI_FILES.data, this.data, passphrase);
    // Last, so that its presence (servicePkiExists) means the folder is complete.
    await writeCredential(dir, SERVICE_PKI_FILES.serviceCa, this.serviceCa.credential, passphrase);
  }
}

/** Whether `dir` already holds a service PKI: open it rather than register the service's CA again. */
export async function servicePkiExists(dir: string): Promise<boolean> {
  return credentialExists(dir, SERVICE_PKI_FILES.serviceCa);
}

/** Create a service's PKI in `dir`: its CA signed through `signServiceCaCsr`, the rest made here. */
export function createServicePki(dir: string, options: CreateServicePkiOptions): Promise<ServicePki> {
  return ServicePki.create(dir, options);
}

/** Open the PKI that `createServicePki` wrote to `dir`. */
export function openServicePki(
  dir: string,
  passphrase: string,
  options: OpenPkiOptions = {},
): Promise<ServicePki> {
  return ServicePki.open(dir, passphrase, options);
}
