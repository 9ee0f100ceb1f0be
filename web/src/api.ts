/**
 * The pod's owner API as the web app uses it (spec §4, §10): log in for a JWT, read the account, and
 * GraphQL on a membership's endpoint with `Authorization: Bearer`. Every request goes to the origin the
 * app was loaded from: the pod's web port.
 *
 * The token lives in sessionStorage: it is gone when the tab closes, and it expires within an hour;
 * security/renewal.ts renews it before then (docs/protocol.md "Owner sessions"), without the password.
 */

import { atBase, BASE } from './base.js';

// Per pod: behind the browser proxy every pod shares one origin, and so one sessionStorage.
const TOKEN_KEY = `byoda.owner_token${BASE}`;

export interface Session {
  readonly token: string;
  readonly expiresAt: string;
}

export interface Membership {
  readonly service_id: number;
  /** The contract's name ("addressbook"); older pods do not send it. */
  readonly service_name?: string;
  readonly member_id: string;
  readonly fqdn: string;
  readonly contract_version: number;
  readonly joined_at: string | null;
}

export interface Account {
  readonly account_id: string;
  readonly network: string;
  readonly fqdn: string;
  readonly username: string;
  readonly memberships: readonly Membership[];
}

/** An error to show the owner: the server's own message (spec §4 `{error: {code, message}}`). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    /** Each GraphQL error's message, for `plainErrors` (the joined `message` may hold "; " itself). */
    readonly messages: readonly string[] = [message],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The pod refuses logins from here for `seconds` after too many wrong passwords in a row (429). */
export class LoginWait extends ApiError {
  constructor(readonly seconds: number) {
    super('too many wrong passwords in a row', 429, 'BYODA_ERR_RATE_LIMITED');
    this.name = 'LoginWait';
  }
}

/** How people know a service: by the contract's name, the number only as a fallback. */
export function serviceName(membership: Membership): string {
  return membership.service_name ?? `service ${membership.service_id}`;
}

type SessionListener = (session: Session | undefined) => void;
const listeners = new Set<SessionListener>();

export function currentSession(): Session | undefined {
  const raw = sessionStorage.getItem(TOKEN_KEY);
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.token !== 'string' || typeof parsed.expiresAt !== 'string') return undefined;
    if (Date.parse(parsed.expiresAt) <= Date.now()) return undefined;
    return { token: parsed.token, expiresAt: parsed.expiresAt };
  } catch {
    return undefined;
  }
}

export function onSessionChange(listener: SessionListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(TOKEN_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(TOKEN_KEY);
  for (const listener of listeners) listener(session);
}

/** Ends the session at the pod (its tokens are refused at once), then forgets the token here. */
export async function logout(): Promise<void> {
  const session = currentSession();
  setSession(undefined);
  if (!session) return;
  await fetch(atBase('/api/v1/pod/authtoken'), {
    method: 'DELETE',
    headers: { authorization: `Bearer ${session.token}` },
  }).catch(() => undefined);
}

export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The spec §4 error body, or a generic message with the HTTP status. */
export function errorOf(response: Response, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const message =
    typeof error?.message === 'string' ? error.message : `${response.status} ${response.statusText}`;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  return new ApiError(message, response.status, code);
}

/** `totp`: the authenticator's code or a recovery code, once the pod answered BYODA_ERR_TOTP_REQUIRED. */
export async function login(username: string, password: string, totp?: string): Promise<Session> {
  const response = await fetch(atBase('/api/v1/pod/authtoken'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(totp ? { username, password, totp } : { username, password }),
  });
  const body = await readJson(response);
  if (!response.ok) {
    const error = errorOf(response, body);
    const retry = Number(response.headers.get('retry-after'));
    if (response.status === 429 && Number.isFinite(retry) && retry > 0) throw new LoginWait(retry);
    throw error;
  }
  const { auth_token, expires_at } = body as { auth_token: string; expires_at: string };
  const session = { token: auth_token, expiresAt: expires_at };
  setSession(session);
  return session;
}

export function authHeaders(): Record<string, string> {
  const session = currentSession();
  if (!session) throw new ApiError('you are not logged in', 401);
  return { authorization: `Bearer ${session.token}` };
}

/** A 401 means the token expired or the pod's key changed: back to the login page. */
export function checkAuth(response: Response, body: unknown): void {
  if (response.status === 401) {
    setSession(undefined);
    throw errorOf(response, body);
  }
}

export async function fetchAccount(): Promise<Account> {
  const response = await fetch(atBase('/api/v1/pod/account'), { headers: authHeaders() });
  const body = await readJson(response);
  checkAuth(response, body);
  if (!response.ok) throw errorOf(response, body);
  return body as Account;
}

/**
 * The member ids the service finds for `className.field` = `value`, asked through the pod (only
 * members may search the service; the pod presents the membership's certificate for its owner).
 */
export async function searchMembers(
  serviceId: number,
  className: string,
  field: string,
  value: string,
): Promise<string[]> {
  const query = new URLSearchParams({ [field]: value });
  const url = atBase(`/api/v1/pod/search/service-${serviceId}/${encodeURIComponent(className)}?${query}`);
  const response = await fetch(url, { headers: { ...authHeaders(), accept: 'application/json' } });
  const body = await readJson(response);
  checkAuth(response, body);
  if (!response.ok) throw errorOf(response, body);
  const results = (body as { results?: unknown } | undefined)?.results;
  if (!Array.isArray(results))
    throw new ApiError('the pod did not answer with search results', response.status);
  return results.flatMap((result: unknown) => {
    const memberId = (result as { member_id?: unknown } | null)?.member_id;
    return typeof memberId === 'string' ? [memberId] : [];
  });
}

/** `GET /api/v1/pod/capabilities/service-<id>` (docs/protocol.md "Owner capabilities"). */
export interface ClassCapabilities {
  readonly name: string;
  readonly kind: 'object' | 'array';
  readonly actions: readonly string[];
  readonly managed_by_pod: boolean;
  readonly fields: readonly { readonly path: string; readonly actions: readonly string[] }[];
  readonly formats: readonly { readonly path: string; readonly format: string }[];
  /** Fields with a JSON Schema `enum` and their values (absent from a pod older than this app). */
  readonly enums?: readonly { readonly path: string; readonly values: readonly (string | number)[] }[];
}

export interface Capabilities {
  readonly service_id: number;
  readonly service_name: string;
  readonly max_query_depth: number;
  readonly classes: readonly ClassCapabilities[];
}

export async function fetchCapabilities(serviceId: number): Promise<Capabilities> {
  const response = await fetch(atBase(`/api/v1/pod/capabilities/service-${serviceId}`), {
    headers: authHeaders(),
  });
  const body = await readJson(response);
  checkAuth(response, body);
  if (!response.ok) throw errorOf(response, body);
  return body as Capabilities;
}

export function graphqlUrl(serviceId: number): string {
  return atBase(`/api/v1/data/service-${serviceId}`);
}

export interface GraphQLErrorJson {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: { readonly code?: string };
}

export interface GraphQLResult<T> {
  readonly data?: T | null;
  readonly errors?: readonly GraphQLErrorJson[];
}

/** Posts a GraphQL request with the owner's token; returns data and errors as the pod sent them. */
export async function graphqlRaw<T>(
  serviceId: number,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResult<T>> {
  const response = await fetch(graphqlUrl(serviceId), {
    method: 'POST',
    headers: { ...authHeaders(), 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await readJson(response);
  checkAuth(response, body);
  if (body && typeof body === 'object' && ('data' in body || 'errors' in body)) {
    return body as GraphQLResult<T>;
  }
  throw errorOf(response, body);
}

/** Like `graphqlRaw`, but any GraphQL error fails the whole request with the pod's messages. */
export async function graphql<T>(
  serviceId: number,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const result = await graphqlRaw<T>(serviceId, query, variables);
  if (result.errors && result.errors.length > 0) {
    const code = result.errors[0]?.extensions?.code;
    const messages = result.errors.map((e) => e.message);
    throw new ApiError(messages.join('; '), 200, code, messages);
  }
  if (result.data === undefined || result.data === null) throw new ApiError('the pod sent no data', 200);
  return result.data;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
