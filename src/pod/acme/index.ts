/** A pod's custom domain with a certificate from an ACME CA (custom-domain.ts). */
export { CustomDomain } from './custom-domain.js';
export { isDomainName } from './domain-name.js';
export type { CustomDomainHost, CustomDomainOptions } from './custom-domain.js';
export type { DomainCertificate } from './acme-files.js';
export {
  acmeTimingsFromEnv,
  DEFAULT_ACME_TIMINGS,
  renewalDue,
  renewalTime,
  retryDelayMs,
} from './renewal.js';
export type { AcmeTimings } from './renewal.js';
