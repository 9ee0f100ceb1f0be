/**
 * The checks the page makes before it sends a record, so that a mistake shows at its field at once
 * and in plain words. The pod checks the same again (src/storage/formats.ts): this is for people, the
 * pod's check is the one that counts.
 */

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** The shape the pod's `idn-email` check wants: local@domain with a dot, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/u;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Why `text` is not a value of the JSON Schema `format`, or undefined when it is. */
export function formatProblem(format: string, text: string): string | undefined {
  switch (format) {
    case 'email':
    case 'idn-email':
      return EMAIL.test(text) ? undefined : 'must be an email address like name@example.org';
    case 'uri':
    case 'url':
      return isAbsoluteUrl(text) ? undefined : 'must be a full web address like https://example.org/page';
    case 'date':
      return DATE.test(text) && !Number.isNaN(Date.parse(text))
        ? undefined
        : 'must be a date like 2026-01-31';
    default:
      return undefined;
  }
}

function isAbsoluteUrl(text: string): boolean {
  if (/\s/.test(text)) return false;
  try {
    return new URL(text).protocol.length > 1;
  } catch {
    return false;
  }
}

/** Why `text` is not a value of the GraphQL scalar, or undefined when it is. */
export function scalarProblem(scalar: string, text: string): string | undefined {
  switch (scalar) {
    case 'UUID':
      return UUID.test(text) ? undefined : 'is not a UUID; use “New” to make one';
    case 'DateTime':
      return Number.isNaN(Date.parse(text)) ? 'is not a date and time' : undefined;
    case 'Int':
      return /^-?\d+$/.test(text) ? undefined : 'must be a whole number';
    case 'Float':
      return Number.isFinite(Number(text)) ? undefined : 'must be a number';
    default:
      return undefined;
  }
}

/** `YYYY-MM-DDTHH:MM:SS` in the browser's time zone, as `<input type="datetime-local">` shows it. */
export function toLocalDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** The local date-time of the picker as the ISO 8601 UTC time the pod stores. */
export function fromLocalDateTime(local: string): string {
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}
