/**
 * The renewal loop of a running server: the certificates it holds, looked at on start and then every
 * `checkMs`; each one that is due (renewal.ts) is renewed through its own `renew` (a CSR to the
 * directory or the service, or a local CA), adopted in place, then handed to `renewed` (write it to
 * disk, reload TLS contexts). A renewal that fails is reported and tried again at the next check: the
 * old certificate is still valid for the rest of the window.
 *
 * A key rotation (`rotate`, docs/protocol.md "Key rotation") goes the same way with a new key pair for
 * each certificate it selects: the same `renew` with the new keys, the same adoption and `renewed`.
 * It runs alone: a check in progress ends first, and checks wait for it.
 */
import { generateKeyPair } from './keys.js';
import { parseCertificatePem } from './pem.js';
import { adoptRenewal, renewalDue } from './renewal.js';
import type { RenewalSettings } from './renewal.js';
import type { Credential, IssuedCert } from './credential.js';
import type { CryptoKeyPair } from './x509.js';

export interface RenewableCertificate {
  /** Unique within the renewer; named in its reports (e.g. `member-data-4294929430`). */
  readonly name: string;
  readonly credential: Credential;
  /**
   * A new certificate for the credential's name, of `keys` when given (a rotation), else of the
   * current key (a renewal keeps it).
   */
  readonly renew: (current: Credential, keys?: CryptoKeyPair) => Promise<Credential>;
  /**
   * A CA's own leaves under a shortened leaf lifetime (tests, renewal.ts): a leaf with more than this
   * left is renewed too, so that certificates made before the setting follow it.
   */
  readonly maxLifetimeMs?: number;
  /** After the credential holds the new certificate: persist it, reload what parsed the old one. */
  readonly renewed?: (credential: Credential) => Promise<void> | void;
  /**
   * A rotation only, with the certificate about to be replaced, before the new one is adopted: keep
   * what must outlive it (a pod keeps its old member data chain, for signatures made with it).
   */
  readonly retiring?: (old: IssuedCert) => Promise<void> | void;
}

/** What a rotation did to one certificate. */
export interface RotatedCertificate {
  readonly name: string;
  /** The new leaf's end (ISO 8601). */
  readonly notAfter: string;
}

export interface RenewalReport {
  renewed(name: string, notAfter: string): void;
  failed(name: string, error: unknown): void;
}

export class CertificateRenewer {
  readonly #settings: RenewalSettings;
  readonly #report: RenewalReport;
  readonly #certificates = new Map<string, RenewableCertificate>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(settings: RenewalSettings, report: RenewalReport) {
    this.#settings = settings;
    this.#report = report;
  }

  add(certificate: RenewableCertificate): void {
    this.#certificates.set(certificate.name, certificate);
  }

  remove(name: string): void {
    this.#certificates.delete(name);
  }

  /**
   * Renews every certificate that is due now; a check (or rotation) already running is joined, not
   * doubled.
   */
  checkNow(): Promise<void> {
    if (this.#running) return this.#running;
    const running: Promise<void> = this.#check().finally(() => {
      if (this.#running === running) this.#running = undefined;
    });
    this.#running = running;
    return running;
  }

  /**
   * Checks at once, then every `checkMs`; the timer does not keep the process alive. Resolves when the
   * first check is done (a failed renewal is reported, not thrown).
   */
  start(): Promise<void> {
    if (this.#timer || this.#stopped) return Promise.resolve();
    this.#timer = setInterval(() => void this.checkNow(), this.#settings.checkMs);
    this.#timer.unref();
    return this.checkNow();
  }

  /**
   * New keys for the certificates whose name `select` accepts, one after another, each renewed with
   * its new key, adopted and handed to `renewed`, as a renewal is. The first failure stops the
   * rotation and is thrown: the certificates rotated before it keep their new keys (each one is whole
   * on its own), the rest keep their old ones, and rotating again finishes the job.
   */
  rotate(select: (name: string) => boolean): Promise<RotatedCertificate[]> {
    const rotation = (this.#running ?? Promise.resolve()).then(() => this.#rotate(select));
    const running: Promise<void> = rotation
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        if (this.#running === running) this.#running = undefined;
      });
    this.#running = running;
    return rotation;
  }

  async #rotate(select: (name: string) => boolean): Promise<RotatedCertificate[]> {
    const rotated: RotatedCertificate[] = [];
    for (const certificate of [...this.#certificates.values()]) {
      if (!select(certificate.name)) continue;
      const current = certificate.credential;
      const next = await certificate.renew(current, await generateKeyPair());
      const old: IssuedCert = {
        identity: current.identity,
        commonName: current.commonName,
        certPem: current.certPem,
        chainPem: current.chainPem,
      };
      await certificate.retiring?.(old);
      adoptRenewal(current, next);
      await certificate.renewed?.(current);
      const notAfter = notAfterOf(next);
      this.#report.renewed(certificate.name, notAfter);
      rotated.push({ name: certificate.name, notAfter });
    }
    return rotated;
  }

  /** No further checks; waits for one that is running. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  async #check(): Promise<void> {
    // One at a time: a pod's renewals go to the same directory and service, and none is urgent.
    for (const certificate of [...this.#certificates.values()]) {
      if (this.#stopped) return;
      if (!isDue(certificate, this.#settings.fraction)) continue;
      try {
        const next = await certificate.renew(certificate.credential);
        if (this.#stopped) return;
        adoptRenewal(certificate.credential, next);
        await certificate.renewed?.(certificate.credential);
        this.#report.renewed(certificate.name, notAfterOf(next));
      } catch (err) {
        this.#report.failed(certificate.name, err);
      }
    }
  }
}

function isDue(certificate: RenewableCertificate, fraction: number): boolean {
  const { certPem } = certificate.credential;
  if (renewalDue(certPem, fraction)) return true;
  const max = certificate.maxLifetimeMs;
  if (max === undefined) return false;
  return parseCertificatePem(certPem, 'certificate to renew').notAfter.getTime() - Date.now() > max;
}

function notAfterOf(credential: Credential): string {
  return parseCertificatePem(credential.certPem, 'renewed certificate').notAfter.toISOString();
}
