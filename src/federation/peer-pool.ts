/**
 * Pod-to-pod HTTPS with mutual TLS (spec §3, §4, §8): one pooled keep-alive undici `Agent` per own
 * credential (a membership's member TLS cert), so a fan-out to the same pods again reuses its
 * connections instead of paying a handshake per request.
 *
 * - **Finding a pod.** `<member_id>.members-<S>.<net>` is resolved through the injected resolver (the
 *   directory's DNS in practice): `A` for the address, `SRV _byoda._tcp.<fqdn>` for the port, the
 *   member port 444 when there is no SRV record (docs/protocol.md, "DNS"). Answers are kept for a
 *   minute, and dropped when a connection to the address fails (the pod may have moved).
 * - **Who answers.** The request is sent to the address with the FQDN as `Host`, which undici also
 *   uses as TLS SNI and Node checks against the certificate's DNS SAN; on top of that each new
 *   connection's chain is verified with the network's issuance rules (`verifyChain`: a member TLS cert
 *   of this member and this service), which plain X.509 verification does not know. Sessions are
 *   never resumed: a resumed session shows the peer only our leaf, and pods verify our whole chain.
 * - **Bounded.** Every request has a timeout and an optional caller's signal, and an answer is read
 *   counting bytes as they arrive: beyond `maxResponseBytes` the connection is cut. Every failure is
 *   a ByodaError meant for one origin's entry in `remote_errors`, never a crash.
 */
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { Agent, buildConnector, request } from 'undici';
import type { Dispatcher } from 'undici';
import { ByodaError, isByodaError } from '../errors/index.js';
import { DnsNameNotFoundError, byodaSrvName } from '../dns/index.js';
import { credentialTlsOptions, memberFqdn, parseIdentity } from '../pki/index.js';
import type { Credential } from '../pki/index.js';
import { createVerifiedChains } from './verified-chains.js';
import type { VerifiedChains } from './verified-chains.js';
import { abortable, timeLimit } from './time-limit.js';

/** The two lookups the pool needs; `createResolver` from src/dns provides them. */
export interface PeerResolver {
  resolveA(name: string): Promise<readonly string[]>;
  resolveSrv(name: string): Promise<readonly { readonly port: number }[]>;
}

export interface PeerPoolOptions {
  /** This membership's member TLS credential (presented as client certificate). */
  readonly credential: Credential;
  readonly rootCaPem: string;
  readonly network: string;
  readonly serviceId: number;
  readonly resolver: PeerResolver;
  /** Port when a member has no SRV record (spec §4: the member port, 444). */
  readonly defaultPort?: number;
  /** Largest answer read, in bytes (default 4 MiB). */
  readonly maxResponseBytes?: number;
  /** Timeout of a request without its own (default 10 s). */
  readonly timeoutMs?: number;
  /** How long a resolved address is reused (default 60 s). */
  readonly addressTtlMs?: number;
  /** Most connections kept to one pod (default 4). */
  readonly connectionsPerPeer?: number;
  readonly now?: () => number;
  /** Memory of verified chains, shared with the rest of the membership's federation (default: own). */
  readonly chains?: VerifiedChains;
  /** Whether the member is on the network's revocation list: its pod is then not called at all. */
  readonly isRevoked?: (memberId: string) => boolean;
}

export interface PeerRequestOptions {
  /** Aborts the request (e.g. the fan-out's overall deadline). */
  readonly signal?: AbortSignal;
  /** This request's timeout in milliseconds (default: the pool's). */
  readonly timeoutMs?: number;
}

/** A GraphQL-over-HTTP request body. */
export interface GraphQLRequestBody {
  readonly query: string;
  readonly variables?: Readonly<Record<string, unknown>>;
}

/** A JSON answer with its status (GraphQL errors come as JSON with 200 or 4xx alike). */
export interface PeerResponse {
  readonly status: number;
  readonly body: unknown;
}

/** What the fan-out and the data cert cache need; tests may pass their own. */
export interface PeerClient {
  /** `POST /api/v1/data/service-<S>` on the member's pod. */
  postGraphQL(
    memberId: string,
    body: GraphQLRequestBody,
    options?: PeerRequestOptions,
  ): Promise<PeerResponse>;
  /** `GET <path>` on the member's pod; a 2xx answer's text. */
  getText(memberId: string, path: string, options?: PeerRequestOptions): Promise<string>;
}

export interface PeerPool extends PeerClient {
  /** Closes every pooled connection; the pool cannot be used afterwards. */
  close(): Promise<void>;
}

export const DEFAULT_MEMBER_PORT = 444;
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_ADDRESS_TTL_MS = 60_000;
const MAX_CACHED_ADDRESSES = 10_000;
const MAX_PEER_CHAIN = 8;

interface PeerTarget {
  /** `https://<address>:<port>`. */
  readonly origin: string;
  /** `<member fqdn>:<port>`: the Host header, and through it the TLS server name. */
  readonly host: string;
  readonly expires: number;
}

const unreachable = (message: string, cause?: unknown, status = 502): ByodaError =>
  new ByodaError('BYODA_ERR_UNREACHABLE', message, { status, ...(cause === undefined ? {} : { cause }) });

export function createPeerPool(options: PeerPoolOptions): PeerPool {
  const now = options.now ?? Date.now;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const agent = createPeerAgent(options, options.chains ?? createVerifiedChains({ now }));
  const targets = new Map<string, PeerTarget>();

  async function target(memberId: string, signal: AbortSignal): Promise<PeerTarget> {
    const known = targets.get(memberId);
    if (known && known.expires > now()) return known;
    const fresh = await abortable(resolveTarget(memberId, options, now()), signal);
    if (targets.size >= MAX_CACHED_ADDRESSES) targets.clear();
    targets.set(memberId, fresh);
    return fresh;
  }

  async function send(
    memberId: string,
    path: string,
    init: { method: 'GET' | 'POST'; body?: string; accept: string },
    requestOptions: PeerRequestOptions,
  ): Promise<{ status: number; text: string }> {
    const id = memberId.toLowerCase();
    if (options.isRevoked?.(id)) {
      throw new ByodaError('BYODA_ERR_REVOKED', `the membership of ${id} is revoked`, { status: 403 });
    }
    const timeoutMs = requestOptions.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const limit = timeLimit(timeoutMs, requestOptions.signal);
    const { signal } = limit;
    try {
      const peer = await target(id, signal);
      try {
        return await exchange(agent, peer, path, init, signal, maxBytes);
      } catch (err) {
        // The pod may have moved (e.g. restored onto a new host, docs/backup.md): look its address up
        // again, and try once more only if it did move, so that the first read after a move works.
        targets.delete(id);
        const moved = await target(id, signal).catch(() => undefined);
        if (moved === undefined || moved.origin === peer.origin) throw err;
        return await exchange(agent, moved, path, init, signal, maxBytes);
      }
    } catch (err) {
      throw describeFailure(err, limit.timedOut, timeoutMs, requestOptions.signal);
    } finally {
      limit.release();
    }
  }

  return {
    async postGraphQL(memberId, body, requestOptions = {}) {
      const init = {
        method: 'POST' as const,
        body: JSON.stringify(body),
        accept: 'application/graphql-response+json, application/json',
      };
      const { status, text } = await send(memberId, dataPath(options.serviceId), init, requestOptions);
      return { status, body: parseJson(text, status) };
    },
    async getText(memberId, path, requestOptions = {}) {
      const { status, text } = await send(memberId, path, { method: 'GET', accept: '*/*' }, requestOptions);
      if (status < 200 || status >= 300) throw unreachable(`the pod answered ${status}`);
      return text;
    },
    close: () => agent.close(),
  };
}

/** spec §4: the GraphQL endpoint of a membership. */
export function dataPath(serviceId: number): string {
  return `/api/v1/data/service-${serviceId}`;
}

/**
 * One Agent for this credential: every pod of the service is reached through its pools. Each new
 * connection presents the chain the credential holds then (a renewal, src/pki renewal.ts, changes it
 * in place): open connections keep the old, still valid, certificate until they close.
 */
function createPeerAgent(options: PeerPoolOptions, chains: VerifiedChains): Agent {
  let builtFor: string | undefined;
  let connector: buildConnector.connector | undefined;
  const base: buildConnector.connector = (connectOptions, callback) => {
    if (connector === undefined || builtFor !== options.credential.chainPem) {
      builtFor = options.credential.chainPem;
      connector = buildConnector({
        ca: options.rootCaPem,
        ...credentialTlsOptions(options.credential),
        minVersion: 'TLSv1.2',
        maxCachedSessions: 0,
      });
    }
    connector(connectOptions, callback);
  };
  return new Agent({
    connect: verifyingConnector(base, options, chains),
    connections: options.connectionsPerPeer ?? 4,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
  });
}

/**
 * Wraps undici's TLS connector: a connection is handed to undici only once the pod's chain verified
 * as the member TLS cert of the member named by the SNI, of this service and network (spec §3).
 */
function verifyingConnector(
  base: buildConnector.connector,
  options: PeerPoolOptions,
  chains: VerifiedChains,
): buildConnector.connector {
  return (connectOptions, callback) => {
    base(connectOptions, (err, socket) => {
      if (err !== null) {
        callback(err, null);
        return;
      }
      verifyPeer(socket as TLSSocket, connectOptions.servername, options, chains).then(
        () => callback(null, socket),
        (reason: unknown) => {
          socket.destroy();
          callback(reason instanceof Error ? reason : new Error(String(reason)), null);
        },
      );
    });
  };
}

/** What names the pods of one service: all that checking a pod's TLS chain needs to know. */
export type PeerIdentityOptions = Pick<PeerPoolOptions, 'rootCaPem' | 'network' | 'serviceId'>;

/**
 * Checks a TLS connection to a pod (spec §3): `servername` must name a member of this service, and the
 * server's chain must verify as that member's member TLS cert. Also used by the feed listener, whose
 * WebSocket connections to pods need the same check as the pool's. Throws BYODA_ERR_UNREACHABLE.
 */
export async function verifyPeer(
  socket: TLSSocket,
  servername: string | undefined,
  options: PeerIdentityOptions,
  chains: VerifiedChains,
): Promise<void> {
  const expected = servername === undefined ? null : parseIdentity(servername, options.network);
  if (expected?.type !== 'member' || expected.serviceId !== options.serviceId) {
    throw unreachable(
      `refusing to talk to '${servername ?? 'an unnamed host'}': not a member of this service`,
    );
  }
  const chain = peerChain(socket);
  if (chain.length === 0) throw unreachable('the pod presented no certificate');
  const identity = await chains.verify(chain, options.rootCaPem);
  if (identity.type !== 'member' || identity.memberId !== expected.memberId) {
    throw unreachable(`the pod's certificate is not the member certificate of ${servername}`);
  }
}

/** The server's chain as PEM, leaf first (the root, added by OpenSSL, is skipped by verifyChain). */
function peerChain(socket: TLSSocket): string[] {
  const chain: string[] = [];
  const seen = new Set<string>();
  let current: Partial<DetailedPeerCertificate> | undefined = socket.getPeerCertificate(true);
  while (current?.raw && chain.length < MAX_PEER_CHAIN && !seen.has(current.fingerprint256 ?? '')) {
    seen.add(current.fingerprint256 ?? '');
    chain.push(new X509Certificate(current.raw).toString());
    current = current.issuerCertificate;
  }
  return chain;
}

async function resolveTarget(memberId: string, options: PeerPoolOptions, at: number): Promise<PeerTarget> {
  const { fqdn, address, port } = await resolvePeer(memberId, options);
  return {
    origin: `https://${address}:${port}`,
    host: `${fqdn}:${port}`,
    expires: at + (options.addressTtlMs ?? DEFAULT_ADDRESS_TTL_MS),
  };
}

/** What finding a member's pod needs: its service and network, and the directory's DNS. */
export type PeerLookupOptions = Pick<PeerPoolOptions, 'network' | 'serviceId' | 'resolver' | 'defaultPort'>;

/** Where a member's pod listens, found as the pool finds it. */
export interface PeerAddress {
  /** `<member_id>.members-<S>.<net>`: the TLS server name. */
  readonly fqdn: string;
  readonly address: string;
  readonly port: number;
}

/**
 * `A <fqdn>` for the address, `SRV _byoda._tcp.<fqdn>` for the port (the member port when there is
 * none). Throws BYODA_ERR_BAD_REQUEST for a malformed member id, BYODA_ERR_UNREACHABLE when the member
 * has no address.
 */
export async function resolvePeer(memberId: string, options: PeerLookupOptions): Promise<PeerAddress> {
  let fqdn: string;
  try {
    fqdn = memberFqdn(options.network, options.serviceId, memberId);
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'not a member id', { cause });
  }
  const [addresses, port] = await Promise.all([
    lookupAddresses(options.resolver, fqdn),
    lookupPort(options.resolver, fqdn, options.defaultPort ?? DEFAULT_MEMBER_PORT),
  ]);
  const address = addresses[0];
  if (address === undefined) throw unreachable('the member has no address in DNS');
  return { fqdn, address, port };
}

async function lookupAddresses(resolver: PeerResolver, fqdn: string): Promise<readonly string[]> {
  try {
    return await resolver.resolveA(fqdn);
  } catch (err) {
    if (err instanceof DnsNameNotFoundError) throw unreachable('the member is not registered in DNS', err);
    throw err;
  }
}

/** `_byoda._tcp.<fqdn>`; no such record (NODATA or NXDOMAIN) means the default port. */
async function lookupPort(resolver: PeerResolver, fqdn: string, defaultPort: number): Promise<number> {
  try {
    const [first] = await resolver.resolveSrv(byodaSrvName(fqdn));
    return first?.port ?? defaultPort;
  } catch (err) {
    if (err instanceof DnsNameNotFoundError) return defaultPort;
    throw err;
  }
}

async function exchange(
  agent: Agent,
  peer: PeerTarget,
  path: string,
  init: { method: 'GET' | 'POST'; body?: string; accept: string },
  signal: AbortSignal,
  maxBytes: number,
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { host: peer.host, accept: init.accept };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await request(`${peer.origin}${path}`, {
    dispatcher: agent,
    method: init.method,
    headers,
    signal,
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await readBounded(response, maxBytes);
  return { status: response.statusCode, text };
}

/** The body as text, refusing (and cutting the connection) past `maxBytes`. */
async function readBounded(response: Dispatcher.ResponseData, maxBytes: number): Promise<string> {
  const tooLarge = (): ByodaError =>
    new ByodaError('BYODA_ERR_TOO_LARGE', `the answer is larger than ${maxBytes} bytes`, { status: 502 });
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > maxBytes) {
      response.body.destroy();
      throw tooLarge();
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** GraphQL answers are JSON whatever their status; anything else is a failure of that pod. */
function parseJson(text: string, status: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const ok = status >= 200 && status < 300;
    throw unreachable(ok ? 'the answer is not JSON' : `the pod answered ${status}`, cause);
  }
}

/** One short, safe message per failure: it ends up in `remote_errors` of the owner's answer. */
function describeFailure(
  err: unknown,
  timedOut: boolean,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
): ByodaError {
  if (timedOut) return unreachable(`timed out after ${timeoutMs} ms`, err, 504);
  if (callerSignal?.aborted) {
    const reason = callerSignal.reason instanceof Error ? callerSignal.reason.message : 'cancelled';
    return unreachable(reason, err, 504);
  }
  if (isByodaError(err)) return err;
  return unreachable(`cannot reach the pod: ${networkReason(err)}`, err);
}

/** `ECONNREFUSED`, a TLS verification code, or the error's first line: no stack, no internal path. */
function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown error';
  const { code } = err as NodeJS.ErrnoException;
  const cause = err.cause instanceof Error ? networkReason(err.cause) : undefined;
  if (typeof code === 'string' && !code.startsWith('UND_ERR')) return `${code} (${firstLine(err.message)})`;
  return cause ?? firstLine(err.message);
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').slice(0, 200);
}
