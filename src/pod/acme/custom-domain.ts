/**
 * A pod's custom domain (docs/protocol.md, "Custom domain"): a certificate for the owner's own DNS name
 * from an ACME CA (RFC 8555, through acme-client), handed to the web port, which serves it to clients
 * that ask for that name (SNI) beside the network certificate for its FQDN.
 *
 * ```ts
 * const domain = new CustomDomain(options, { dataDir, passphrase, logger, install });
 * await domain.start(); // serves a stored certificate at once; orders in the background when needed
 * await domain.stop();
 * ```
 *
 * Renewal: one timer, set for the certificate's renewal time (two thirds of its lifetime) or the next
 * check, whichever comes first. A failed order (the CA down, a challenge not validated) leaves the
 * current certificate in place and retries with exponential backoff. The ACME client never blocks the
 * pod's start: until the first certificate arrives, a client asking for the domain gets the network
 * certificate (which a browser refuses; no data is served without a valid certificate being checked).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import acme from 'acme-client';
import type { Logger } from 'pino';
import { ByodaError } from '../../errors/index.js';
import {
  acmeFiles,
  domainCertificate,
  loadCertificate,
  loadOrCreateAccountKey,
  newPrivateKeyPem,
  storeCertificate,
} from './acme-files.js';
import type { AcmeFiles, DomainCertificate } from './acme-files.js';
import { isDomainName } from './domain-name.js';
import { HttpChallengeResponder } from './http-challenge.js';
import { DEFAULT_ACME_TIMINGS, renewalDue, renewalTime, retryDelayMs } from './renewal.js';
import type { AcmeTimings } from './renewal.js';

export interface CustomDomainOptions {
  /** The owner's DNS name, pointing at the pod's public address. */
  readonly domain: string;
  /** The CA's ACME directory URL (Let's Encrypt: https://acme-v02.api.letsencrypt.org/directory). */
  readonly directoryUrl: string;
  /** Contact address given to the CA (expiry warnings). */
  readonly email?: string | undefined;
  /** Where the HTTP-01 responder listens: the CA connects to port 80 of the domain in production. */
  readonly challengeHost: string;
  readonly challengePort: number;
  readonly timings?: AcmeTimings;
}

export interface CustomDomainHost {
  readonly dataDir: string;
  readonly passphrase: string;
  readonly logger: Logger;
  /** Serve this certificate for the domain from now on (called at start and after each renewal). */
  readonly install: (certificate: DomainCertificate) => void;
}

/**
 * acme-client retries a request the CA did not answer five times, waiting 5 to 25 s in between (75 s
 * in all), within one order. Our schedule retries whole orders with its own backoff, so the library's
 * retries would only hold an order (and a pod's stop) for over a minute while the CA is down.
 */
(
  acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }
).acmeSettings.retryMaxAttempts = 0;

/** How long stop() waits for an order in progress before it closes the challenge responder anyway. */
const STOP_GRACE_MS = 2_000;

export class CustomDomain {
  readonly #options: CustomDomainOptions;
  readonly #host: CustomDomainHost;
  readonly #files: AcmeFiles;
  readonly #timings: AcmeTimings;
  readonly #challenges = new HttpChallengeResponder();
  #current: DomainCertificate | undefined;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #ordering: Promise<void> | undefined;
  #stopped = false;
  #challengePort = 0;

  constructor(options: CustomDomainOptions, host: CustomDomainHost) {
    if (!isDomainName(options.domain)) {
      throw new ByodaError('BYODA_ERR_CONFIG', `--domain: '${options.domain}' is not a DNS name`);
    }
    let url: URL;
    try {
      url = new URL(options.directoryUrl);
    } catch {
      throw new ByodaError('BYODA_ERR_CONFIG', `--acme-directory: '${options.directoryUrl}' is not a URL`);
    }
    if (url.protocol !== 'https:') {
      throw new ByodaError('BYODA_ERR_CONFIG', '--acme-directory: must be an https:// URL');
    }
    this.#options = options;
    this.#host = host;
    this.#files = acmeFiles(host.dataDir, options.domain);
    this.#timings = options.timings ?? DEFAULT_ACME_TIMINGS;
  }

  get domain(): string {
    return this.#options.domain;
  }

  /** The certificate served for the domain now, if any. */
  get certificate(): DomainCertificate | undefined {
    return this.#current;
  }

  /** The HTTP-01 responder's port (the one given, or the one chosen for port 0). */
  get challengePort(): number {
    return this.#challengePort;
  }

  async start(): Promise<void> {
    this.#challengePort = await this.#challenges.listen(
      this.#options.challengeHost,
      this.#options.challengePort,
    );
    const stored = await loadCertificate(this.#files, this.#options.domain, this.#host.passphrase);
    if (stored) this.#use(stored, 'stored');
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    // The order's outcome is dropped once stopped (nothing is stored or installed after this).
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#ordering,
      new Promise((resolve) => (grace = setTimeout(resolve, STOP_GRACE_MS))),
    ]);
    clearTimeout(grace);
    await this.#challenges.close();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    // setTimeout holds at most ~24.8 days; the check interval is far below that anyway.
    this.#timer = setTimeout(() => this.#check(), Math.max(0, Math.min(delayMs, 2 ** 31 - 1)));
    this.#timer.unref();
  }

  #check(): void {
    const current = this.#current;
    if (current && !renewalDue(current, Date.now())) {
      this.#schedule(Math.min(this.#timings.checkEveryMs, renewalTime(current) - Date.now()));
      return;
    }
    this.#ordering = this.#order().finally(() => (this.#ordering = undefined));
  }

  async #order(): Promise<void> {
    const { domain } = this.#options;
    try {
      const certificate = await this.#obtain();
      if (this.#stopped) return;
      await storeCertificate(this.#files, certificate, this.#host.passphrase);
      this.#failures = 0;
      this.#use(certificate, 'issued');
      this.#schedule(Math.min(this.#timings.checkEveryMs, renewalTime(certificate) - Date.now()));
    } catch (err) {
      if (this.#stopped) return;
      this.#failures += 1;
      const retryInMs = retryDelayMs(this.#failures, this.#timings);
      this.#host.logger.warn(
        {
          err,
          domain,
          failures: this.#failures,
          retry_in_ms: retryInMs,
          serving: this.#current?.serialNumber,
        },
        'custom domain certificate order failed; serving the current certificate',
      );
      this.#schedule(retryInMs);
    }
  }

  /** One ACME order for the domain, validated by HTTP-01 on the responder. */
  async #obtain(): Promise<DomainCertificate> {
    const { domain, directoryUrl, email } = this.#options;
    await reachable(directoryUrl);
    const accountKey = await loadOrCreateAccountKey(this.#files, this.#host.passphrase);
    // Polling of order and challenge status: quick first, as a CA validates in seconds.
    const client = new acme.Client({
      directoryUrl,
      accountKey,
      backoffAttempts: 10,
      backoffMin: 500,
      backoffMax: 10_000,
    });
    await ensureAccount(client, email);
    const key = newPrivateKeyPem();
    const [, csr] = await acme.crypto.createCsr({ commonName: domain, altNames: [domain] }, key);
    const chain = await client.auto({
      csr,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // The CA validates the challenge itself; the pod's own pre-check would need the pod to resolve
      // and reach its public name, which NAT and split DNS often prevent.
      skipChallengeVerification: true,
      challengeCreateFn: (_authz, challenge, keyAuthorization) => {
        if (challenge.type !== 'http-01') {
          throw new ByodaError('BYODA_ERR_ACME', `challenge ${challenge.type} is not offered by this pod`);
        }
        this.#challenges.add(challenge.token, keyAuthorization);
        return Promise.resolve();
      },
      challengeRemoveFn: (_authz, challenge) => {
        this.#challenges.remove(challenge.token);
        return Promise.resolve();
      },
    });
    return checkedCertificate(chain, key, domain);
  }

  #use(certificate: DomainCertificate, how: 'stored' | 'issued'): void {
    this.#current = certificate;
    this.#host.install(certificate);
    this.#host.logger.info(
      {
        domain: this.#options.domain,
        serial: certificate.serialNumber,
        not_after: certificate.notAfter.toISOString(),
        renew_at: new Date(renewalTime(certificate)).toISOString(),
      },
      how === 'stored' ? 'custom domain certificate loaded' : 'custom domain certificate issued',
    );
  }
}

/**
 * One look at the CA's directory before an order, for a clear error while the CA is down: with its
 * retries off (above) acme-client reports an unanswered request as a TypeError of its own.
 */
async function reachable(directoryUrl: string): Promise<void> {
  let status: number;
  try {
    const response = await fetch(directoryUrl, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    status = response.status;
  } catch (err) {
    const reason = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new ByodaError('BYODA_ERR_ACME', `the ACME CA at ${directoryUrl} did not answer (${reason})`, {
      cause: err,
    });
  }
  if (status !== 200) {
    throw new ByodaError('BYODA_ERR_ACME', `the ACME CA at ${directoryUrl} answered ${status}`);
  }
}

/**
 * The CA's account for our key, found or made. acme-client's own registration sends an account that
 * exists an update with nothing in it, which CAs refuse (RFC 8555 §7.3.2 wants POST-as-GET), so the
 * account is looked up first (`onlyReturnExisting`) and registered only when the CA does not know it:
 * a CA that lost its state (pebble restarted) gets the same key registered again.
 */
async function ensureAccount(client: acme.Client, email: string | undefined): Promise<void> {
  const contact = email !== undefined ? { contact: [`mailto:${email}`] } : {};
  try {
    await client.createAccount({ onlyReturnExisting: true });
  } catch (err) {
    if (!isAccountDoesNotExist(err)) throw err;
    await client.createAccount({ termsOfServiceAgreed: true, ...contact });
    return;
  }
  if (email !== undefined) await client.updateAccount(contact);
}

/**
 * Whether the CA answered the lookup with a refusal (RFC 8555 §7.3.1 `accountDoesNotExist`; CAs word
 * it differently and acme-client keeps only the words) rather than not answering at all: transport
 * failures carry a code (ECONNREFUSED, ETIMEDOUT) or come from axios.
 */
function isAccountDoesNotExist(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return !('isAxiosError' in err) && typeof (err as { code?: unknown }).code !== 'string';
}

/** The CA's answer, refused unless it names the domain and belongs to the key we made. */
function checkedCertificate(chain: string, key: string, domain: string): DomainCertificate {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(chain);
  } catch (err) {
    throw new ByodaError('BYODA_ERR_ACME', 'the CA sent no readable certificate', { cause: err });
  }
  if (leaf.checkHost(domain) === undefined) {
    throw new ByodaError('BYODA_ERR_ACME', `the CA's certificate does not name ${domain}`);
  }
  const certificate = domainCertificate(chain, key);
  if (!leaf.checkPrivateKey(createPrivateKey(key))) {
    throw new ByodaError('BYODA_ERR_ACME', "the CA's certificate is not for the key of the order");
  }
  return certificate;
}
