/**
 * The pod's errors in plain words, placed at the field they are about (issue 15: the app showed raw
 * GraphQL text such as `Variable "$input" got invalid value "a1" at "input.asset_id"; UUID cannot
 * represent…`). Three kinds of message are recognised: graphql-js's coercion errors of a variable,
 * the pod's value errors (`person.email: expected an email address`, src/storage/values.ts) and the
 * firewall's refusals (`not allowed to delete member: …`). Anything else is shown as the pod said it.
 *
 * A refusal is recognised by its code, BYODA_ERR_FORBIDDEN (the error's `extensions.code`, a
 * `remote_errors` entry's `code`); its wording only names the action and class in the sentence shown.
 */

export interface PlainError {
  /** Dotted path of the field inside the input (`home_address.city`), when the error names one. */
  readonly field?: string;
  readonly text: string;
}

const SCALAR_WORDS: Readonly<Record<string, string>> = {
  UUID: 'is not a UUID (32 hexadecimal digits in groups, like 3f2b8c1e-…); use “New” to make one',
  DateTime: 'is not a date and time',
  Int: 'is not a whole number',
  Float: 'is not a number',
  Boolean: 'must be yes or no',
  String: 'must be text',
};

/** `Variable "$input" got invalid value … at "input.a.b"; <Scalar> cannot represent …` */
const COERCION = /^Variable "\$\w+" got invalid value .*? at "\w+\.([\w.[\]]+)"; (.*)$/s;
/** `Field "x" of required type "T!" was not provided.` */
const MISSING = /Field "([\w.]+)" of required type "[^"]+" was not provided/;
/** src/storage/values.ts: `<class>.<field path>: <problem>` */
const VALUE = /^[A-Za-z_]\w*\.([\w.[\]]+): (.+)$/s;
/** src/firewall: `not allowed to <action> <class>…` */
const DENIED = /^not allowed to (\w+) (\w+)/;
/** The code of a refusal under the contract (src/firewall), from this pod or from another. */
export const FORBIDDEN = 'BYODA_ERR_FORBIDDEN';

/**
 * Whether an error is a refusal (a pod that answered "no", not one that failed). By its code; only
 * when there is none (`null`: a pod that sends no codes, older or of another implementation;
 * `undefined`: an error that lost its code on the way, such as one of several joined) by the
 * wording our firewall uses, which other implementations need not share.
 */
export function isRefusal(message: string, code: string | null | undefined): boolean {
  if (code !== null && code !== undefined) return code === FORBIDDEN;
  return DENIED.test(message);
}

function coercionText(detail: string): string {
  const scalar = /^(?:Expected type "?)?(\w+)"? cannot represent|^Expected type "(\w+)"/.exec(detail);
  const name = scalar?.[1] ?? scalar?.[2];
  if (name && SCALAR_WORDS[name]) return SCALAR_WORDS[name];
  if (/does not exist in "\w+" enum/.test(detail)) return 'is not one of the allowed values';
  return 'has a value the pod does not accept';
}

function valueText(problem: string): string {
  if (problem === 'required') return 'is required';
  if (problem.startsWith('required, cannot be cleared')) return 'is required and cannot be emptied';
  if (problem.startsWith('expected ')) return `must be ${problem.slice('expected '.length)}`;
  if (problem.startsWith('not one of the allowed values')) return 'is not one of the allowed values';
  if (problem === 'no such field') return 'is not a field of this class';
  return problem;
}

/** One message of the pod, in plain words; `code` is the error's code when it came with one. */
export function plainError(message: string, code?: string | null): PlainError {
  const coercion = COERCION.exec(message);
  if (coercion?.[1]) return { field: coercion[1], text: coercionText(coercion[2] ?? '') };
  const missing = MISSING.exec(message);
  if (missing?.[1]) return { field: missing[1], text: 'is required' };
  if (isRefusal(message, code)) {
    const denied = DENIED.exec(message);
    // Another wording (another implementation, or a refusal that is not about a class): as it is.
    if (!denied) return { text: message };
    return { text: `The service's contract does not let you ${denied[1]} ${denied[2]} records.` };
  }
  const value = VALUE.exec(message);
  if (value?.[1] && !/\s/.test(value[1])) return { field: value[1], text: valueText(value[2] ?? '') };
  return { text: message };
}

/** Several messages (`graphql()` joins them with "; "), each placed or kept whole. */
export function plainErrors(messages: readonly string[]): PlainError[] {
  return messages.map((message) => plainError(message));
}
