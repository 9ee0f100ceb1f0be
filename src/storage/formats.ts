/**
 * The JSON Schema string `format`s a contract may give a field (`email`, `uri`, ...), checked on every
 * write so that a pod never stores `not-an-email` in an email field (issue 15). The checks are
 * ajv-formats' "full" validators, the same that JSON Schema tooling uses; `idn-email` (an email whose
 * parts may be non-ASCII, RFC 6531) has none there, so it gets a check of its own. A format nobody
 * implements here is accepted, as JSON Schema treats unknown formats as annotations.
 *
 * Only the formats a person types are checked (`CHECKED`): a pod fills fields such as `ipv4` itself
 * (a request's address may be an IPv6-mapped one), and refusing its own log record would lose it.
 */
import { fullFormats } from 'ajv-formats/dist/formats.js';

type FormatCheck = (value: string) => boolean;

/** local@domain, each part without spaces, the domain with a dot and no empty label (RFC 6531 shape). */
const IDN_EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/u;

function checkOf(format: string): FormatCheck | undefined {
  if (format === 'idn-email') return (value) => IDN_EMAIL.test(value);
  const known = (fullFormats as Record<string, unknown>)[format];
  if (known instanceof RegExp) return (value) => known.test(value);
  if (typeof known === 'function') return (value) => (known as FormatCheck)(value);
  if (known && typeof known === 'object' && 'validate' in known) {
    const validate = (known as { validate: unknown }).validate;
    if (validate instanceof RegExp) return (value) => validate.test(value);
    if (typeof validate === 'function') return (value) => (validate as FormatCheck)(value);
  }
  return undefined;
}

const CHECKED: ReadonlySet<string> = new Set(['email', 'idn-email', 'uri', 'url', 'date']);

const checks = new Map<string, FormatCheck | undefined>();

/** What a value of `format` is, in words for an error message ("an email address"). */
export function describeFormat(format: string): string {
  return FORMAT_WORDS[format] ?? `a value of format "${format}"`;
}

const FORMAT_WORDS: Readonly<Record<string, string>> = {
  email: 'an email address like name@example.org',
  'idn-email': 'an email address like name@example.org',
  uri: 'a full web address like https://example.org/page',
  url: 'a full web address like https://example.org/page',
  'uri-reference': 'a web address or a path',
  date: 'a date like 2026-01-31',
};

/** Whether `value` is of `format`; true for a format without a check. */
export function matchesFormat(format: string, value: string): boolean {
  if (!CHECKED.has(format)) return true;
  if (!checks.has(format)) checks.set(format, checkOf(format));
  const check = checks.get(format);
  return check === undefined || check(value);
}
