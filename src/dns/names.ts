/**
 * Domain names as the zone keeps them: lower-case ASCII, no trailing dot (spec §2 names such as
 * `<account_id>.accounts.<network>`). DNS compares names case-insensitively (RFC 4343), so every name
 * is folded once, at the edge, and compared as a plain string afterwards.
 */

/** Longest name in presentation form without the trailing dot (RFC 1035 §2.3.4: 255 octets on the wire). */
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
// Letters, digits and hyphens, not starting or ending with a hyphen (RFC 1123 host names). The
// underscore is allowed too because service labels such as `_dmarc` are common in real zones.
const HOST_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Folds ASCII letters only: DNS case-insensitivity does not extend to other characters. */
export function foldCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/** The canonical form: case folded, one trailing dot (the root) removed. */
export function canonicalName(name: string): string {
  const folded = foldCase(name.trim());
  return folded.endsWith('.') ? folded.slice(0, -1) : folded;
}

/** True when a canonical name is a syntactically valid host name (LDH labels, RFC 1123 lengths). */
export function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return false;
  return name.split('.').every((label) => label.length <= MAX_LABEL_LENGTH && HOST_LABEL.test(label));
}

/** True when canonical `name` is `domain` itself or a name below it. */
export function isInDomain(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

/**
 * The names strictly between `name` and `domain` (`a.b.zone` -> [`b.zone`]). They exist in the zone
 * as empty non-terminals once a name below them has records, so they answer NODATA, not NXDOMAIN
 * (RFC 8020).
 */
export function intermediateNames(name: string, domain: string): string[] {
  const result: string[] = [];
  let current = name;
  for (;;) {
    const dot = current.indexOf('.');
    if (dot < 0) return result;
    current = current.slice(dot + 1);
    if (current === domain || !isInDomain(current, domain)) return result;
    result.push(current);
  }
}
