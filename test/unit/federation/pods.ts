/**
 * Test factories for federation: a throwaway network PKI with members (TLS and data credentials), real
 * HTTPS servers with mutual TLS on 127.0.0.1 standing in for other pods' member ports, and a resolver
 * that maps member names to those servers (the pool takes a resolver interface; this one answers from
 * a table instead of DNS).
 */
import { createServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DnsNameNotFoundError, byodaSrvName } from '../../../src/dns/index.js';
import type { PeerResolver } from '../../../src/federation/index.js';
import { credentialTlsOptions, memberDataCn, memberFqdn } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { NETWORK, SERVICE_ID, makeHierarchy, newId } from '../../fixtures/pki.js';
import type { Hierarchy } from '../../fixtures/pki.js';

export { NETWORK, SERVICE_ID };

export interface TestMember {
  readonly memberId: string;
  readonly fqdn: string;
  readonly tls: Credential;
  readonly data: Credential;
}

export interface TestNetwork {
  readonly hierarchy: Hierarchy;
  readonly rootCaPem: string;
  member(): Promise<TestMember>;
}

/** A network and service (the addressbook's service id) whose members tests create on demand. */
export async function testNetwork(network = NETWORK, serviceId = SERVICE_ID): Promise<TestNetwork> {
  const hierarchy = await makeHierarchy(network, serviceId);
  return {
    hierarchy,
    rootCaPem: hierarchy.root.credential.certPem,
    async member() {
      const memberId = newId();
      const fqdn = memberFqdn(network, serviceId, memberId);
      const [tls, data] = await Promise.all([
        hierarchy.membersCa.issueCredential(fqdn),
        hierarchy.membersCa.issueCredential(memberDataCn(network, serviceId, memberId)),
      ]);
      return { memberId, fqdn, tls, data };
    },
  };
}

export type PeerHandler = (
  request: IncomingMessage,
  body: string,
  response: ServerResponse,
) => void | Promise<void>;

/** A pod's member port: counts TLS handshakes, requests and the most requests in progress at once. */
export interface PeerServer {
  readonly port: number;
  readonly handshakes: number;
  readonly requests: number;
  readonly maxConcurrent: number;
  /** Server names (SNI) clients asked for. */
  readonly servernames: readonly string[];
  close(): Promise<void>;
}

export async function startPeerServer(
  tls: Credential,
  rootCaPem: string,
  handler: PeerHandler,
): Promise<PeerServer> {
  let handshakes = 0;
  let requests = 0;
  let active = 0;
  let maxConcurrent = 0;
  const servernames: string[] = [];
  const server: Server = createServer(
    { ...credentialTlsOptions(tls), ca: rootCaPem, requestCert: true, rejectUnauthorized: false },
    (request, response) => {
      requests++;
      active++;
      maxConcurrent = Math.max(maxConcurrent, active);
      response.on('close', () => active--);
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        void handler(request, Buffer.concat(chunks).toString('utf8'), response);
      });
    },
  );
  server.on('secureConnection', (socket: { servername?: string | false }) => {
    handshakes++;
    if (typeof socket.servername === 'string') servernames.push(socket.servername);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get handshakes() {
      return handshakes;
    },
    get requests() {
      return requests;
    },
    get maxConcurrent() {
      return maxConcurrent;
    },
    servernames,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (opened, then closed). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Names -> 127.0.0.1 and a port through SRV, as the directory's DNS would answer in local mode. */
export function tableResolver(): PeerResolver & {
  add(fqdn: string, port: number | undefined): void;
  readonly lookups: number;
} {
  const ports = new Map<string, number | undefined>();
  let lookups = 0;
  return {
    add: (fqdn, port) => ports.set(fqdn, port),
    get lookups() {
      return lookups;
    },
    async resolveA(name) {
      lookups++;
      if (!ports.has(name)) throw new DnsNameNotFoundError(name);
      return ['127.0.0.1'];
    },
    async resolveSrv(name) {
      for (const [fqdn, port] of ports) {
        if (byodaSrvName(fqdn) === name) return port === undefined ? [] : [{ port }];
      }
      throw new DnsNameNotFoundError(name);
    },
  };
}

/** Sends `body` as JSON. */
export function sendJson(response: ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** A pause that does not keep the process alive (a slow pod's handler may outlive its test). */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });
