/**
 * SQLite's GLOB in JavaScript, so that `evaluateFilter` matches exactly what `col GLOB ?` matches:
 * case-sensitive, by Unicode code point; `*` any run of characters, `?` exactly one, `[...]` one
 * character of a set (`[^...]` not of it; `a-z` a range; `]` first is literal; `-` first, last or right
 * after a range is literal). A set with no closing `]` matches nothing. Text ends at a NUL character,
 * as it does for SQLite's C implementation.
 */

type GlobToken =
  | { readonly kind: 'star' }
  | { readonly kind: 'one' }
  | { readonly kind: 'char'; readonly code: number }
  | {
      readonly kind: 'set';
      readonly invert: boolean;
      readonly codes: ReadonlySet<number>;
      readonly ranges: readonly (readonly [number, number])[];
    }
  | { readonly kind: 'never' };

const STAR = 42; // *
const ONE = 63; // ?
const OPEN = 91; // [
const CLOSE = 93; // ]
const CARET = 94; // ^
const DASH = 45; // -

function codePoints(text: string): number[] {
  const nul = text.indexOf('\0');
  return Array.from(nul === -1 ? text : text.slice(0, nul), (c) => c.codePointAt(0) ?? 0);
}

/** Reads the set starting after `[` at `start`; returns the token and the index after its `]`. */
function readSet(pattern: readonly number[], start: number): [GlobToken, number] {
  let i = start;
  let invert = false;
  const codes = new Set<number>();
  const ranges: [number, number][] = [];
  if (pattern[i] === CARET) {
    invert = true;
    i++;
  }
  if (pattern[i] === CLOSE) {
    codes.add(CLOSE);
    i++;
  }
  let prior = 0; // last literal of the set that may start a range; 0 = none
  while (i < pattern.length && pattern[i] !== CLOSE) {
    const c = pattern[i] as number;
    const next = pattern[i + 1];
    if (c === DASH && prior > 0 && next !== undefined && next !== CLOSE) {
      ranges.push([prior, next]);
      prior = 0;
      i += 2;
    } else {
      codes.add(c);
      prior = c;
      i++;
    }
  }
  if (i >= pattern.length) return [{ kind: 'never' }, pattern.length];
  return [{ kind: 'set', invert, codes, ranges }, i + 1];
}

function tokenize(pattern: string): GlobToken[] {
  const codes = codePoints(pattern);
  const tokens: GlobToken[] = [];
  let i = 0;
  while (i < codes.length) {
    const c = codes[i] as number;
    if (c === STAR) {
      tokens.push({ kind: 'star' });
      i++;
    } else if (c === ONE) {
      tokens.push({ kind: 'one' });
      i++;
    } else if (c === OPEN) {
      const [token, after] = readSet(codes, i + 1);
      tokens.push(token);
      i = after;
    } else {
      tokens.push({ kind: 'char', code: c });
      i++;
    }
  }
  return tokens;
}

function matchesOne(token: GlobToken, code: number): boolean {
  switch (token.kind) {
    case 'one':
      return true;
    case 'char':
      return token.code === code;
    case 'set': {
      const seen = token.codes.has(code) || token.ranges.some(([lo, hi]) => code >= lo && code <= hi);
      return seen !== token.invert;
    }
    case 'star':
    case 'never':
      return false;
  }
}

/**
 * True when `text` matches `pattern`. Every token but `*` consumes exactly one character, so the classic
 * "remember the last star and retry one character further" walk is complete and at worst O(n·m).
 */
export function globMatch(pattern: string, text: string): boolean {
  const tokens = tokenize(pattern);
  const chars = codePoints(text);
  let t = 0;
  let c = 0;
  let starToken = -1;
  let starChar = 0;
  while (c < chars.length) {
    const token = tokens[t];
    if (token?.kind === 'star') {
      starToken = t++;
      starChar = c;
    } else if (token !== undefined && matchesOne(token, chars[c] as number)) {
      t++;
      c++;
    } else if (starToken >= 0) {
      t = starToken + 1;
      c = ++starChar;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}
