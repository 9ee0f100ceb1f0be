/** What `--domain` accepts: a DNS name a public CA can issue for (no IP address, no wildcard). */

/** Letters, digits and inner hyphens per label, at least two labels, no trailing dot, ≤ 253 chars. */
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

export function isDomainName(name: string): boolean {
  return DOMAIN.test(name) && !/^[0-9.]+$/.test(name);
}
