/**
 * Authorization headers that must not make anyone the owner (not a test file): `alg: none`, HS256
 * signed with a guessable secret (key confusion), ES256 signed by another key (with the real claims,
 * expired, or for another pod), another pod's real token, the real token with its claims edited or
 * its signature swapped or cut, oversized and malformed tokens, and odd schemes. The real token never
 * appears unchanged, so every one of them must be refused.
 */
import { generateKeyPair, SignJWT } from 'jose';
import fc from 'fast-check';
import { mutatedText } from '../fixtures/json-mutations.js';

export interface JwtBases {
  /** The owner's real token (only the owner identity sends it, unchanged). */
  readonly validToken: string;
  /** Tokens that must be refused, made once. */
  readonly forged: readonly string[];
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function decodePart(part: string | undefined): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The forged tokens for `validToken` (of the pod) and `otherPodToken` (a real token of another pod). */
export async function makeJwtBases(validToken: string, otherPodToken: string): Promise<JwtBases> {
  const [header, payload, signature] = validToken.split('.') as [string, string, string];
  const claims = decodePart(payload);
  const now = Math.floor(Date.now() / 1000);
  const stranger = await generateKeyPair('ES256');
  const signed = (extra: Record<string, unknown>, alg = 'ES256') =>
    new SignJWT({ ...claims, ...extra }).setProtectedHeader({ alg, typ: 'JWT' }).sign(stranger.privateKey);
  const hs256 = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode('secret'));
  const otherSignature = otherPodToken.split('.')[2] ?? '';
  const forged = [
    `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    `${b64url({ alg: 'none' })}.${payload}`,
    `${b64url({ alg: 'NONE', typ: 'JWT' })}.${payload}.${signature}`,
    hs256,
    await signed({}),
    await signed({ exp: now - 10, iat: now - 100 }),
    await signed({ exp: now + 10 ** 9 }),
    otherPodToken,
    `${header}.${otherPodToken.split('.')[1]}.${signature}`,
    `${header}.${b64url({ ...claims, exp: now + 86_400 })}.${signature}`,
    `${header}.${b64url({ ...claims, sub: 'someone-else' })}.${signature}`,
    `${header}.${payload}.${otherSignature}`,
    `${header}.${payload}.${signature.slice(0, 20)}`,
    `${header}.${payload}`,
    `${b64url({ alg: 'ES256', kid: '../../../../etc/passwd', jku: 'https://evil.example/jwks' })}.${payload}.${signature}`,
    `${b64url({ alg: 'ES256', crit: ['x'], x: 1 })}.${payload}.${signature}`,
    `${'a'.repeat(6000)}.${'b'.repeat(6000)}.${'c'.repeat(86)}`,
    '..',
    '.',
    'a.b.c.d.e',
    `${header}.${payload}.${signature}.${signature}`,
  ];
  return { validToken, forged };
}

/** An `Authorization` header value that must be refused. */
export function jwtArbitrary(bases: JwtBases): fc.Arbitrary<string> {
  const [header, payload, signature] = bases.validToken.split('.') as [string, string, string];
  const schemes = fc.constantFrom('Bearer ', 'bearer ', 'Bearer  ', 'Basic ', 'Token ', '', 'Bearer\t');
  // Edits of the signed part only: the signature's text has spare bits (base64url), the signed part
  // has none, so an edited token can never verify.
  const edited = mutatedText(`${header}.${payload}`)
    .filter((signed) => signed !== `${header}.${payload}`)
    .map((signed) => `${signed}.${signature}`);
  return fc.oneof(
    { weight: 3, arbitrary: fc.tuple(schemes, fc.constantFrom(...bases.forged)).map(([s, t]) => `${s}${t}`) },
    { weight: 2, arbitrary: edited.map((token) => `Bearer ${token}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'Bearer',
        'Bearer ',
        '',
        ' ',
        'Basic b3duZXI6cGFzcw==',
        `Bearer ${'x'.repeat(20_000)}`,
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((text) => `Bearer ${text}`) },
  );
}
