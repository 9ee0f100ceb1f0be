/**
 * What every server shares in renewing its certificates (docs/operations.md, "Renewal"): a renewer
 * that logs each renewal and failure, and, for the directory and a service, their two own leaves — the
 * TLS cert, swapped into the HTTPS server for new handshakes (open connections keep theirs), and the
 * data cert — renewed with the same key by the CA they hold, and written back over their files.
 */
import type { Server as TlsServer } from 'node:tls';
import { credentialTlsOptions } from './credential.js';
import type { Credential } from './credential.js';
import type { RenewalSettings } from './renewal.js';
import { CertificateRenewer } from './renewer.js';
import { writeCredential } from './store.js';

/** The two levels of a server's logger that renewals report at. */
export interface RenewalLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export function loggedRenewer(settings: RenewalSettings, log: RenewalLog): CertificateRenewer {
  return new CertificateRenewer(settings, {
    renewed: (name, notAfter) => log.info({ certificate: name, not_after: notAfter }, 'certificate renewed'),
    failed: (name, err) =>
      log.warn({ certificate: name, reason: String(err) }, 'certificate renewal failed; retrying later'),
  });
}

/** The CA a server holds for its own leaves (NetworkPki for the directory, ServicePki for a service). */
export interface OwnLeafIssuer {
  readonly rootCaPem: string;
  readonly leafLifetimeMs: number | undefined;
  renewOwn(credential: Credential): Promise<Credential>;
}

export interface OwnLeaf {
  /** The credential's file name in the pki folder, and its name in the renewer's reports. */
  readonly name: string;
  readonly credential: Credential;
}

export interface OwnLeaves {
  readonly issuer: OwnLeafIssuer;
  readonly tls: OwnLeaf;
  readonly data: OwnLeaf;
  readonly server: TlsServer;
  readonly pkiDir: string;
  readonly passphrase: string;
}

export function addOwnLeafRenewals(renewer: CertificateRenewer, leaves: OwnLeaves): void {
  const { issuer, pkiDir, passphrase } = leaves;
  const lifetime = issuer.leafLifetimeMs !== undefined ? { maxLifetimeMs: issuer.leafLifetimeMs } : {};
  const write = (name: string) => (credential: Credential) =>
    writeCredential(pkiDir, name, credential, passphrase);
  renewer.add({
    name: leaves.tls.name,
    credential: leaves.tls.credential,
    renew: (current) => issuer.renewOwn(current),
    ...lifetime,
    renewed: async (credential) => {
      await write(leaves.tls.name)(credential);
      leaves.server.setSecureContext({ ...credentialTlsOptions(credential), ca: issuer.rootCaPem });
    },
  });
  renewer.add({
    name: leaves.data.name,
    credential: leaves.data.credential,
    renew: (current) => issuer.renewOwn(current),
    ...lifetime,
    renewed: write(leaves.data.name),
  });
}
