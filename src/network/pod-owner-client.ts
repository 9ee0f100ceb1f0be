/**
 * What a pod's owner does through the web port (spec §4, §7, §10): log in with the password, read the
 * account's memberships, send GraphQL to a membership's endpoint with the owner token, and search the
 * service through the pod. `byoda login|query|link|search`, `byoda pod join`, `byoda up` and `byoda
 * demo` use it.
 *
 * GraphQL answers are returned as they came (data and errors): what counts as a failure is the
 * caller's choice. Errors before GraphQL (a wrong token, an unknown membership) are the pod's JSON
 * errors, thrown as ByodaErrors by `requestJson`.
 *
 * This file imports no server: the CLI's owner commands load it on its own (not through index.ts,
 * which brings every server of `byoda up`), so that each command starts in a fraction of the time.
 */
import type { Agent } from 'undici';
import { ByodaError } from '../errors/index.js';
import { createTlsAgent, requestJson } from './request-json.js';

/**
 * The pod's owner endpoints (spec §4), written out rather than imported from src/pod for the reason
 * above; a unit test checks that they are the paths the pod serves.
 */
export const OWNER_API_PATHS = {
  authToken: '/api/v1/pod/authtoken',
  account: '/api/v1/pod/account',
  join: (serviceId: number): string => `/api/v1/pod/member/service-${serviceId}`,
  data: (serviceId: number): string => `/api/v1/data/service-${serviceId}`,
  search: (serviceId: number, className: string): string =>
    `/api/v1/pod/search/service-${serviceId}/${encodeURIComponent(className)}`,
  totp: '/api/v1/pod/totp',
  totpConfirm: '/api/v1/pod/totp/confirm',
  totpDisable: '/api/v1/pod/totp/disable',
  export: '/api/v1/pod/export',
  import: '/api/v1/pod/import',
  rotateKeys: '/api/v1/pod/rotate-keys',
} as const;

/** A certificate `rotateKeys` gave a new key, and the new certificate's end (ISO 8601). */
export interface RotatedKey {
  readonly name: string;
  readonly notAfter: string;
}

/** Where a pod's web port is and how its certificate is checked. */
export interface PodEndpoint {
  /** `https://host:port` */
  readonly webUrl: string;
  /** `<account_id>.accounts.<net>`: the name the pod's certificate must carry. */
  readonly fqdn: string;
  readonly rootCaPem: string;
}

export interface OwnerToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/** The owner's second factor as the pod reports it (`GET /api/v1/pod/totp`, spec §12). */
export interface TotpStatus {
  readonly enrolled: boolean;
  readonly pending: boolean;
  readonly recoveryCodesLeft: number | null;
}

export interface TotpEnrolment {
  readonly otpauthUri: string;
  readonly recoveryCodes: readonly string[];
}

export interface MembershipInfo {
  readonly serviceId: number;
  readonly memberId: string;
}

export interface JoinedMembership {
  readonly serviceId: number;
  readonly memberId: string;
  readonly fqdn: string;
  readonly contractVersion: number;
}

export interface GraphqlError {
  readonly message: string;
  /** The response path of the field that failed, e.g. `person_connection.edges.0.node.email`. */
  readonly path?: string;
  readonly code?: string;
}

export interface GraphqlAnswer {
  readonly data: Readonly<Record<string, unknown>> | null;
  readonly errors: readonly GraphqlError[];
}

export class OwnerApi {
  readonly #agent: Agent;
  readonly #webUrl: string;
  #token: string | undefined;

  constructor(endpoint: PodEndpoint, token?: string) {
    this.#webUrl = endpoint.webUrl;
    this.#agent = createTlsAgent({ rootCaPem: endpoint.rootCaPem, servername: endpoint.fqdn });
    this.#token = token;
  }

  get token(): string | undefined {
    return this.#token;
  }

  /**
   * `POST /api/v1/pod/authtoken`; later calls carry the token. `totp`: the one-time code (or a recovery
   * code) of an owner with a second factor; without it such a pod answers BYODA_ERR_TOTP_REQUIRED.
   */
  async login(username: string, password: string, totp?: string): Promise<OwnerToken> {
    const reply = await this.#call('POST', OWNER_API_PATHS.authToken, {
      username,
      password,
      ...(totp !== undefined ? { totp } : {}),
    });
    const token = isRecord(reply) ? reply['auth_token'] : undefined;
    const expires = isRecord(reply) && typeof reply['expires_at'] === 'string' ? reply['expires_at'] : '';
    if (typeof token !== 'string') throw unexpected('a token');
    this.#token = token;
    return { token, expiresAt: tokenExpiry(token) ?? new Date(expires) };
  }

  /** The account's memberships (`GET /api/v1/pod/account`). */
  async memberships(): Promise<MembershipInfo[]> {
    const reply = await this.#call('GET', OWNER_API_PATHS.account);
    const list = isRecord(reply) ? reply['memberships'] : undefined;
    if (!Array.isArray(list)) throw unexpected('its account');
    return list.filter(isRecord).flatMap((m) => {
      const serviceId = m['service_id'];
      const memberId = m['member_id'];
      return typeof serviceId === 'number' && typeof memberId === 'string' ? [{ serviceId, memberId }] : [];
    });
  }

  /** `GET /api/v1/pod/account` as the pod answers it. */
  account(): Promise<unknown> {
    return this.#call('GET', OWNER_API_PATHS.account);
  }

  /** Joins the service (`POST /api/v1/pod/member/service-<id>`). */
  async join(serviceId: number): Promise<JoinedMembership> {
    const reply = await this.#call('POST', OWNER_API_PATHS.join(serviceId));
    const memberId = isRecord(reply) ? reply['member_id'] : undefined;
    const fqdn = isRecord(reply) ? reply['fqdn'] : undefined;
    const version = isRecord(reply) ? reply['contract_version'] : undefined;
    if (typeof memberId !== 'string' || typeof fqdn !== 'string' || typeof version !== 'number') {
      throw unexpected('a membership');
    }
    return { serviceId, memberId, fqdn, contractVersion: version };
  }

  /**
   * The member ids the service finds for `className.field` = `value` (docs/protocol.md "Search"),
   * asked through the pod, which presents the membership's member TLS cert to the service.
   */
  async search(serviceId: number, className: string, field: string, value: string): Promise<string[]> {
    const path = `${OWNER_API_PATHS.search(serviceId, className)}?${new URLSearchParams({ [field]: value })}`;
    const reply = await this.#call('GET', path);
    const results = isRecord(reply) ? reply['results'] : undefined;
    if (!Array.isArray(results)) throw unexpected('search results');
    return results.flatMap((result) =>
      isRecord(result) && typeof result['member_id'] === 'string' ? [result['member_id']] : [],
    );
  }

  /** One GraphQL operation on the membership of `serviceId`. */
  async graphql(
    serviceId: number,
    query: string,
    variables?: Readonly<Record<string, unknown>>,
  ): Promise<GraphqlAnswer> {
    const reply = await this.#call('POST', OWNER_API_PATHS.data(serviceId), {
      query,
      ...(variables ? { variables } : {}),
    });
    if (!isRecord(reply)) throw unexpected('a GraphQL response');
    const data = reply['data'];
    return {
      data: isRecord(data) ? data : null,
      errors: Array.isArray(reply['errors']) ? reply['errors'].map(graphqlError) : [],
    };
  }

  /** `GET /api/v1/pod/totp` */
  async totpStatus(): Promise<TotpStatus> {
    return totpStatusOf(await this.#call('GET', OWNER_API_PATHS.totp));
  }

  /** A new pending enrolment (`POST /api/v1/pod/totp`); `code` is needed when one is enrolled. */
  async totpEnable(code?: string): Promise<TotpEnrolment> {
    const reply = await this.#call('POST', OWNER_API_PATHS.totp, code === undefined ? {} : { code });
    const uri = isRecord(reply) ? reply['otpauth_uri'] : undefined;
    const codes = isRecord(reply) ? reply['recovery_codes'] : undefined;
    if (typeof uri !== 'string' || !Array.isArray(codes)) throw unexpected('an enrolment');
    return { otpauthUri: uri, recoveryCodes: codes.filter((c): c is string => typeof c === 'string') };
  }

  async totpConfirm(code: string): Promise<TotpStatus> {
    return totpStatusOf(await this.#call('POST', OWNER_API_PATHS.totpConfirm, { code }));
  }

  async totpDisable(code: string): Promise<TotpStatus> {
    return totpStatusOf(await this.#call('POST', OWNER_API_PATHS.totpDisable, { code }));
  }

  /** Every membership's own records (`GET /api/v1/pod/export`), as the pod answers it. */
  exportData(): Promise<unknown> {
    return this.#call('GET', OWNER_API_PATHS.export);
  }

  /** Writes an export document into the pod (`POST /api/v1/pod/import`); records written per service. */
  async importData(document: unknown): Promise<Record<string, number>> {
    const reply = await this.#call('POST', OWNER_API_PATHS.import, document);
    const imported = isRecord(reply) ? reply['imported'] : undefined;
    if (!isRecord(imported)) throw unexpected('an import result');
    return Object.fromEntries(
      Object.entries(imported).filter((e): e is [string, number] => typeof e[1] === 'number'),
    );
  }

  /**
   * New keys for the account's certificates and every membership's, or only `serviceId`'s
   * (`POST /api/v1/pod/rotate-keys`): the certificates rotated and their new ends.
   */
  async rotateKeys(serviceId?: number): Promise<RotatedKey[]> {
    const reply = await this.#call(
      'POST',
      OWNER_API_PATHS.rotateKeys,
      serviceId === undefined ? {} : { service_id: serviceId },
    );
    const rotated = isRecord(reply) ? reply['rotated'] : undefined;
    if (!Array.isArray(rotated)) throw unexpected('a list of rotated certificates');
    return rotated.map((item: unknown) => {
      const name = isRecord(item) ? item['name'] : undefined;
      const notAfter = isRecord(item) ? item['not_after'] : undefined;
      if (typeof name !== 'string' || typeof notAfter !== 'string') throw unexpected('a rotated certificate');
      return { name, notAfter };
    });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  #call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = this.#token ? { authorization: `Bearer ${this.#token}` } : {};
    return requestJson(this.#agent, new URL(path, this.#webUrl), {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
  }
}

/**
 * The `exp` of a JWT, read without verifying it: only the pod can verify its tokens, and a client
 * only needs to know whether a cached one is still worth sending.
 */
export function tokenExpiry(token: string): Date | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const exp = isRecord(claims) ? claims['exp'] : undefined;
    return typeof exp === 'number' ? new Date(exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}

/** Each error as one line's worth: a message that spans lines would break one-line error output. */
function graphqlError(raw: unknown): GraphqlError {
  if (!isRecord(raw)) return { message: 'an error the pod did not describe' };
  const message = typeof raw['message'] === 'string' ? raw['message'].replace(/\s+/g, ' ').trim() : '';
  const path = Array.isArray(raw['path']) ? raw['path'].map(String).join('.') : undefined;
  const extensions = raw['extensions'];
  const code =
    isRecord(extensions) && typeof extensions['code'] === 'string' ? extensions['code'] : undefined;
  return {
    message: message || 'an error the pod did not describe',
    ...(path ? { path } : {}),
    ...(code ? { code } : {}),
  };
}

function totpStatusOf(reply: unknown): TotpStatus {
  if (!isRecord(reply) || typeof reply['enrolled'] !== 'boolean') throw unexpected('its second factor');
  const left = reply['recovery_codes_left'];
  return {
    enrolled: reply['enrolled'],
    pending: reply['pending'] === true,
    recoveryCodesLeft: typeof left === 'number' ? left : null,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unexpected(what: string): ByodaError {
  return new ByodaError('BYODA_ERR_UNREACHABLE', `the pod did not answer with ${what}`);
}
