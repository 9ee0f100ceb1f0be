/**
 * The network's certificate hierarchy (spec §3; our choices in docs/protocol.md, "PKI").
 *
 * ```
 * root-ca.<net>
 * ├── accounts-ca.<net> ──> <account_id>.accounts.<net> (TLS), <account_id>.accounts-data.<net> (data)
 * ├── services-ca.<net> ──> service-ca.service-<S>.<net>
 * │                           ├── members-ca.members-<S>.<net> ──> <member_id>.members-<S>.<net> (TLS),
 * │                           │                                    <member_id>.members-data-<S>.<net> (data)
 * │                           ├── apps-ca.apps-<S>.<net> ──> <app_id>.apps-<S>.<net> (TLS),
 * │                           │                              <app_id>.apps-data-<S>.<net> (data)
 * │                           ├── service.service-<S>.<net> (TLS)
 * │                           └── service.service-data-<S>.<net> (data)
 * ├── network-data.<net> (data)
 * └── dir.<net> (TLS)
 * ```
 *
 * What each server calls:
 *
 * - **Directory**: `createNetworkPki(dir, network, passphrase)` once (`networkPkiExists(dir)` tells
 *   whether to), then `openNetworkPki(dir, passphrase)`. Serve `pki.rootCaPem`; answer
 *   `POST /api/v1/network/account` with `(await pki.signAccountCsr(csr)).chainPem` and
 *   `POST /api/v1/network/service` with `(await pki.signServiceCaCsr(csr, serviceId)).chainPem`. Its own
 *   TLS cert is `pki.directoryTls`; the network data cert `pki.networkData`.
 * - **Service**: `createServicePki(dir, {serviceId, rootCaPem, passphrase, signServiceCaCsr})` once
 *   (`servicePkiExists(dir)` tells whether to), where `signServiceCaCsr` posts the CSR to the
 *   directory; then `openServicePki(dir, passphrase)`. Answer
 *   `POST /api/v1/service/member` with `(await pki.signMemberCsr(csr)).chainPem`. TLS: `pki.tls`;
 *   contract signing: `pki.data`.
 * - **Pod**: `requestCredential(accountFqdn(net, id), rootCaPem, postToDirectory)` (and the same for
 *   `accountDataCn`, `memberFqdn`, `memberDataCn`), then `writeCredential(dir, name, cred, passphrase)` /
 *   `readCredential(dir, name, passphrase)`.
 * - **Everyone**: `credentialTlsOptions(cred)` gives `{cert, key}` for node:tls/undici (with `ca` = the
 *   root only); `verifyChain(leaf, intermediates, rootPem)` / `verifyChainBundle(chainPem, rootPem)`
 *   return the verified `PkiIdentity` (type, network, account/member/service id) or throw
 *   BYODA_ERR_CERT_CHAIN. A pod checking a client cert on its member port then requires
 *   `identity.type === 'member' && identity.serviceId === <endpoint's service>`.
 *
 * Errors: BYODA_ERR_CSR (a CSR refused, naming its CN), BYODA_ERR_CERT_CHAIN (a chain refused, saying
 * why), BYODA_ERR_KEY_PASSPHRASE (wrong or empty passphrase), BYODA_ERR_PKI (anything else).
 */
export {
  IDENTITY_TYPES,
  MAX_SERVICE_ID,
  accountDataCn,
  accountFqdn,
  accountsCaCn,
  appDataCn,
  appFqdn,
  appsCaCn,
  directoryFqdn,
  proxyFqdn,
  identityCn,
  isNetworkName,
  isServiceId,
  isUuidV4,
  memberDataCn,
  memberFqdn,
  membersCaCn,
  networkDataCn,
  networkOfRootCaCn,
  parseIdentity,
  rootCaCn,
  serviceCaCn,
  serviceDataCn,
  serviceFqdn,
  servicesCaCn,
} from './names.js';
export type { IdentityType, PkiIdentity } from './names.js';
export { issuableTypes, mayIssue } from './policy.js';
export {
  decryptPrivateKey,
  encryptPrivateKey,
  generateKeyPair,
  readPrivateKeyFile,
  writePrivateKeyFile,
} from './keys.js';
export type { CryptoKey, CryptoKeyPair } from './x509.js';
export { createCsr, verifyCsr } from './csr.js';
export type { VerifiedCsr } from './csr.js';
export { CertificateAuthority } from './ca.js';
export type { CsrExpectation, IssueOptions, Validity } from './ca.js';
export { chainIntermediates, credentialTlsOptions } from './credential.js';
export type { Credential, IssuedCert } from './credential.js';
export { verifyChain, verifyChainBundle, verifyRootCa } from './chain.js';
export type { VerifyChainOptions } from './chain.js';
export { commonNameOf, joinPemBundle, notAfterMs, parseCertificatePem, splitPemBundle } from './pem.js';
export { requestCredential } from './request.js';
export type { CsrSigner } from './request.js';
export {
  credentialExists,
  readChainFile,
  readCredential,
  readRootCaCert,
  writeChainFile,
  writeCredential,
  writeRootCaCert,
} from './store.js';
export {
  NETWORK_PKI_FILES,
  NetworkPki,
  createNetworkPki,
  networkPkiExists,
  openNetworkPki,
} from './network-pki.js';
export type { OpenPkiOptions } from './network-pki.js';
export {
  SERVICE_PKI_FILES,
  ServicePki,
  createServicePki,
  openServicePki,
  servicePkiExists,
} from './service-pki.js';
export {
  DEFAULT_RENEWAL,
  DEFAULT_RENEW_CHECK_MS,
  DEFAULT_RENEW_FRACTION,
  RENEWAL_ENV,
  adoptRenewal,
  leafLifetimeFromEnv,
  leafValidity,
  renewalDue,
  renewalSettingsFromEnv,
  renewalTime,
} from './renewal.js';
export type { RenewalSettings } from './renewal.js';
export { CertificateRenewer } from './renewer.js';
export { addOwnLeafRenewals, loggedRenewer } from './own-leaf-renewals.js';
export type { OwnLeafIssuer, OwnLeaves, RenewalLog } from './own-leaf-renewals.js';
export type { RenewableCertificate, RenewalReport, RotatedCertificate } from './renewer.js';
export type { CreateServicePkiOptions } from './service-pki.js';
export {
  REVOCATION_LIST_TYPE,
  RevocationSet,
  signRevocationList,
  verifyRevocationList,
} from './revocation.js';
export type { Revocation, RevocationList, RevokedBy } from './revocation.js';
export { THUMBPRINT_HEADER, certThumbprint, isThumbprint } from './thumbprint.js';
