/**
 * The network's own PKI, held by the directory server: the root CA, the accounts CA, the services CA,
 * the network data cert (signs contracts, spec §5) and the directory's TLS cert, in one folder:
 *
 * | file                                | what                                           |
 * |-------------------------------------|------------------------------------------------|
 * | `root-ca.pem` / `root-ca.key`       | root CA (`root-ca.<net>`), self-signed          |
 * | `accounts-ca.pem` / `.key`          | accounts CA (`accounts-ca.<net>`)               |
 * | `services-ca.pem` / `.key`          | services CA (`services-ca.<net>`)               |
 * | `network-data.pem` / `.key`         | network data cert (`network-data.<net>`)        |
 * | `directory.pem` / `.key`            | directory TLS cert (`dir.<net>`)                |
 */
import { ByodaError } from '../errors/index.js';
import { CertificateAuthority } from './ca.js';
import { accountsCaCn, directoryFqdn, networkDataCn, servicesCaCn } from './names.js';
import { assertChainsToRoot } from './credential.js';
import { leafValidity } from './renewal.js';
import { credentialExists, readCredential, ROOT_CA_FILE, writeCredential } from './store.js';
import type { IssueOptions } from './ca.js';
import type { Credential, IssuedCert } from './credential.js';

export interface OpenPkiOptions {
  /** Lifetime of the leaves this PKI signs, in ms (tests: renewal.ts `leafLifetimeFromEnv`). */
  readonly leafLifetimeMs?: number;
}

/** The credential files of the network PKI, by role. */
export const NETWORK_PKI_FILES = {
  rootCa: 'root-ca',
  accountsCa: 'accounts-ca',
  servicesCa: 'services-ca',
  networkData: 'network-data',
  directory: 'directory',
} as const;

export class NetworkPki {
  readonly network: string;
  readonly rootCa: CertificateAuthority;
  readonly accountsCa: CertificateAuthority;
  readonly servicesCa: CertificateAuthority;
  /** Signs contracts and network-wide claims (spec §5, §9). */
  readonly networkData: Credential;
  /** The directory server's TLS cert (`dir.<network>`). */
  readonly directoryTls: Credential;
  /** Lifetime of the leaves signed here; undefined: the types' defaults. */
  leafLifetimeMs: number | undefined;

  private constructor(parts: {
    rootCa: CertificateAuthority;
    accountsCa: CertificateAuthority;
    servicesCa: CertificateAuthority;
    networkData: Credential;
    directoryTls: Credential;
  }) {
    this.network = parts.rootCa.identity.network;
    this.rootCa = parts.rootCa;
    this.accountsCa = parts.accountsCa;
    this.servicesCa = parts.servicesCa;
    this.networkData = parts.networkData;
    this.directoryTls = parts.directoryTls;
    this.leafLifetimeMs = undefined;
  }

  /** How leaves are issued here: for `leafLifetimeMs` from now when set. */
  leafOptions(): IssueOptions {
    return this.leafLifetimeMs === undefined ? {} : { validity: leafValidity(this.leafLifetimeMs) };
  }

  /**
   * A new certificate for the network data cert or the directory's TLS cert (both signed by the root
   * held here), for the same key; the caller adopts it (renewal.ts) and writes it.
   */
  async renewOwn(credential: Credential): Promise<Credential> {
    const issued = await this.rootCa.issue(
      credential.commonName,
      credential.keys.publicKey,
      this.leafOptions(),
    );
    return { ...issued, keys: credential.keys };
  }

  /** The root certificate, as served at `GET /root-ca.pem`. */
  get rootCaPem(): string {
    return this.rootCa.credential.certPem;
  }

  /**
   * Sign a pod's account TLS CSR (`<account_id>.accounts.<net>`) or account data CSR
   * (`<account_id>.accounts-data.<net>`). With `accountId`, only that account's names are accepted.
   */
  async signAccountCsr(csrPem: string, accountId?: string): Promise<IssuedCert> {
    return this.accountsCa.signCsr(
      csrPem,
      (identity) => accountId === undefined || identity.accountId === accountId,
      this.leafOptions(),
    );
  }

  /** Sign a service's CA CSR (`service-ca.service-<id>.<net>`); with `serviceId`, only for that service. */
  async signServiceCaCsr(csrPem: string, serviceId?: number): Promise<IssuedCert> {
    return this.servicesCa.signCsr(
      csrPem,
      (identity) => serviceId === undefined || identity.serviceId === serviceId,
    );
  }

  static async create(dir: string, network: string, passphrase: string): Promise<NetworkPki> {
    if (await networkPkiExists(dir)) {
      throw new ByodaError('BYODA_ERR_PKI', `a network PKI already exists here (${ROOT_CA_FILE})`);
    }
    const rootCa = await CertificateAuthority.createRoot(network);
    const pki = new NetworkPki({
      rootCa,
      accountsCa: CertificateAuthority.fromCredential(await rootCa.issueCredential(accountsCaCn(network))),
      servicesCa: CertificateAuthority.fromCredential(await rootCa.issueCredential(servicesCaCn(network))),
      networkData: await rootCa.issueCredential(networkDataCn(network)),
      directoryTls: await rootCa.issueCredential(directoryFqdn(network)),
    });
    await pki.#write(dir, passphrase);
    return pki;
  }

  static async open(dir: string, passphrase: string, options: OpenPkiOptions = {}): Promise<NetworkPki> {
    const read = (name: string): Promise<Credential> => readCredential(dir, name, passphrase);
    const pki = new NetworkPki({
      rootCa: CertificateAuthority.fromCredential(await read(NETWORK_PKI_FILES.rootCa)),
      accountsCa: CertificateAuthority.fromCredential(await read(NETWORK_PKI_FILES.accountsCa)),
      servicesCa: CertificateAuthority.fromCredential(await read(NETWORK_PKI_FILES.servicesCa)),
      networkData: await read(NETWORK_PKI_FILES.networkData),
      directoryTls: await read(NETWORK_PKI_FILES.directory),
    });
    const { accountsCa, servicesCa, networkData, directoryTls } = pki;
    await assertChainsToRoot(
      [accountsCa.credential, servicesCa.credential, networkData, directoryTls],
      pki.rootCaPem,
    );
    pki.leafLifetimeMs = options.leafLifetimeMs;
    return pki;
  }

  async #write(dir: string, passphrase: string): Promise<void> {
    await writeCredential(dir, NETWORK_PKI_FILES.accountsCa, this.accountsCa.credential, passphrase);
    await writeCredential(dir, NETWORK_PKI_FILES.servicesCa, this.servicesCa.credential, passphrase);
    await writeCredential(dir, NETWORK_PKI_FILES.networkData, this.networkData, passphrase);
    await writeCredential(dir, NETWORK_PKI_FILES.directory, this.directoryTls, passphrase);
    // The root's credential file is root-ca.pem itself (its chain is just the root). Written last, so
    // that its presence (networkPkiExists) means the folder is complete.
    await writeCredential(dir, NETWORK_PKI_FILES.rootCa, this.rootCa.credential, passphrase);
  }
}

/**
 * Whether `dir` already holds a network PKI (its root certificate). `byoda up` opens an existing one
 * rather than create a new one: a network's root must never be replaced by accident, since every
 * certificate of the network depends on it.
 */
export async function networkPkiExists(dir: string): Promise<boolean> {
  return credentialExists(dir, NETWORK_PKI_FILES.rootCa);
}

/** Create the network's PKI in `dir` (refused if `dir` already has a root CA). */
export function createNetworkPki(dir: string, network: string, passphrase: string): Promise<NetworkPki> {
  return NetworkPki.create(dir, network, passphrase);
}

/** Open the PKI that `createNetworkPki` wrote to `dir`. Wrong passphrase: BYODA_ERR_KEY_PASSPHRASE. */
export function openNetworkPki(
  dir: string,
  passphrase: string,
  options: OpenPkiOptions = {},
): Promise<NetworkPki> {
  return NetworkPki.open(dir, passphrase, options);
}
