/**
 * The owner's security APIs as the web app uses them (docs/protocol.md "Owner sessions" and "Second
 * factor (TOTP)"): renew the token, list and end sessions, enrol, confirm and turn off the second
 * factor. All with the owner token; errors are the pod's own messages.
 */
import { ApiError, authHeaders, checkAuth, errorOf, readJson } from '../api.js';
import type { Session } from '../api.js';
import { atBase } from '../base.js';

export interface OwnerSession {
  readonly session_id: string;
  readonly created_at: string;
  readonly renewed_at: string;
  readonly expires_at: string;
  readonly client: string;
  readonly user_agent: string;
  readonly current: boolean;
}

export interface TotpStatus {
  readonly enrolled: boolean;
  readonly pending: boolean;
  readonly recovery_codes_left: number | null;
}

export interface Enrolment {
  readonly otpauth_uri: string;
  readonly recovery_codes: readonly string[];
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(atBase(path), {
    method,
    headers: {
      ...authHeaders(),
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await readJson(response);
  checkAuth(response, json);
  if (!response.ok) throw errorOf(response, json);
  return json as T;
}

/** A new token of the same session (POST /api/v1/pod/authtoken/renew). */
export async function renewToken(): Promise<Session> {
  const answer = await call<{ auth_token?: unknown; expires_at?: unknown }>(
    'POST',
    '/api/v1/pod/authtoken/renew',
  );
  if (typeof answer.auth_token !== 'string' || typeof answer.expires_at !== 'string') {
    throw new ApiError('the pod sent no token', 200);
  }
  return { token: answer.auth_token, expiresAt: answer.expires_at };
}

export async function listSessions(): Promise<OwnerSession[]> {
  return (await call<{ sessions: OwnerSession[] }>('GET', '/api/v1/pod/sessions')).sessions;
}

export async function endSession(sessionId: string): Promise<void> {
  await call('DELETE', `/api/v1/pod/sessions/${encodeURIComponent(sessionId)}`);
}

export const totpStatus = () => call<TotpStatus>('GET', '/api/v1/pod/totp');
/** With a factor enrolled, re-enrolment needs a code of it (or a recovery code). */
export const beginTotp = (code?: string) =>
  call<Enrolment>('POST', '/api/v1/pod/totp', code ? { code } : undefined);
export const confirmTotp = (code: string) => call<TotpStatus>('POST', '/api/v1/pod/totp/confirm', { code });
export const disableTotp = (code: string) => call<TotpStatus>('POST', '/api/v1/pod/totp/disable', { code });

/** A scoped token as the pod lists it (docs/protocol.md "Scoped tokens"); never the token itself. */
export interface ScopedToken {
  readonly token_id: string;
  readonly service_id: number;
  readonly classes: readonly string[];
  readonly actions: readonly string[];
  readonly label?: string | null;
  readonly created_at: string;
  readonly expires_at: string;
}

export interface ScopedTokenGrant {
  readonly service_id: number;
  readonly classes: readonly string[];
  readonly actions: readonly string[];
  readonly expires_in_s: number;
  readonly label?: string;
}

export const listScopedTokens = async (): Promise<ScopedToken[]> =>
  (await call<{ tokens: ScopedToken[] }>('GET', '/api/v1/pod/tokens')).tokens;
/** The answer carries the token, shown to the owner this once. */
export const grantScopedToken = (grant: ScopedTokenGrant) =>
  call<ScopedToken & { token: string }>('POST', '/api/v1/pod/tokens', grant);
export async function revokeScopedToken(tokenId: string): Promise<void> {
  const response = await fetch(atBase(`/api/v1/pod/tokens/${encodeURIComponent(tokenId)}`), {
    method: 'DELETE',
    headers: authHeaders(),
  });
  // 204 has no body to read.
  if (response.status === 204) return;
  const json = await readJson(response);
  checkAuth(response, json);
  throw errorOf(response, json);
}
