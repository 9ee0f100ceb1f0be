/**
 * Misbehaving pods for the federation-faults suite (not a test file). Each is a member of the
 * network's real service: a fresh member id with a member TLS cert made by the service's own members
 * CA, registered at the real directory (so the asking pod finds it in the real DNS), and a real TLS
 * server on 127.0.0.1 as its member port, which then answers badly in one particular way. A member
 * whose server presents an expired or foreign certificate is still registered with a valid one: the
 * directory checks who registers, and the asking pod must check who answers.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import { DirectoryClient } from '../../src/network/index.js';
import { credentialTlsOptions, memberDataCn, memberFqdn, openServicePki } from '../../src/pki/index.js';
import type { Credential, ServicePki } from '../../src/pki/index.js';
import { NETWORK } from '../fixtures/network-harness.js';
import type { NetworkHarness } from '../fixtures/network-harness.js';
import { makeHierarchy } from '../fixtures/pki.js';
import { sendJson, sleep, startPeerServer } from '../unit/federation/pods.js';
import type { PeerHandler, PeerServer } from '../unit/federation/pods.js';

export interface FakeMember {
  readonly memberId: string;
  readonly fqdn: string;
  /** A valid member TLS cert of the service (registers the member at the directory). */
  readonly tls: Credential;
  /** Its member data cert, served at the data cert route as a real pod does. */
  readonly data: Credential;
}

/** Makes members of the harness's service with its own members CA (read from the service's folder). */
export class MemberFactory {
  readonly #net: NetworkHarness;
  readonly #pki: ServicePki;

  private constructor(net: NetworkHarness, pki: ServicePki) {
    this.#net = net;
    this.#pki = pki;
  }

  static async open(net: NetworkHarness): Promise<MemberFactory> {
    const passphrase = (await readFile(join(net.service.dataDir, 'passphrase'), 'utf8')).trim();
    return new MemberFactory(net, await openServicePki(join(net.service.dataDir, 'pki'), passphrase));
  }

  get serviceId(): number {
    return this.#net.service.serviceId;
  }

  async member(): Promise<FakeMember> {
    const memberId = randomUUID();
    const fqdn = memberFqdn(NETWORK, this.serviceId, memberId);
    const [tls, data] = await Promise.all([
      this.#pki.membersCa.issueCredential(fqdn),
      this.#pki.membersCa.issueCredential(memberDataCn(NETWORK, this.serviceId, memberId)),
    ]);
    return { memberId, fqdn, tls, data };
  }

  /** A member TLS cert for `member` by the real members CA that expired yesterday. */
  expiredCertOf(member: FakeMember): Promise<Credential> {
    const day = 86_400_000;
    const validity = { notBefore: new Date(Date.now() - 3 * day), notAfter: new Date(Date.now() - day) };
    return this.#pki.membersCa.issueCredential(member.fqdn, { validity });
  }

  /** A member TLS cert for `member` from another CA hierarchy with the same network name. */
  async foreignCertOf(member: FakeMember): Promise<Credential> {
    const foreign = await makeHierarchy(NETWORK, this.serviceId);
    return foreign.membersCa.issueCredential(member.fqdn);
  }

  /** Publishes `port` on 127.0.0.1 as the member's member port, as its pod would at start-up. */
  async register(member: FakeMember, port: number): Promise<void> {
    const directory = new DirectoryClient({
      url: this.#net.directory.url,
      network: NETWORK,
      rootCaPem: this.#net.directory.rootCaPem,
      credential: member.tls,
    });
    try {
      await directory.registerMember({
        memberId: member.memberId,
        serviceId: this.serviceId,
        address: '127.0.0.1',
        port,
      });
    } finally {
      await directory.close();
    }
  }
}

/** A TLS server as `member`'s member port, presenting `certificate` (the member's own by default). */
export function servePeer(
  net: NetworkHarness,
  member: FakeMember,
  handler: PeerHandler,
  certificate: Credential = member.tls,
): Promise<PeerServer> {
  return startPeerServer(certificate, net.directory.rootCaPem, (request, body, response) => {
    // The data cert route, for an asking pod that checks a record's signature (spec §9).
    if (request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/x-pem-file' });
      response.end(member.data.chainPem);
      return;
    }
    return handler(request, body, response);
  });
}

// ---- ways to answer a forwarded query ---------------------------------------------------------------

/** A well-formed answer with these records, as a pod that behaves sends it. */
export function answerWith(memberId: string, nodes: readonly Record<string, unknown>[]): PeerHandler {
  return (_request, _body, response) =>
    sendJson(response, {
      data: {
        result: {
          edges: nodes.map((node, i) => ({ cursor: `c${i}`, origin: memberId, node })),
          remote_errors: [],
        },
      },
    });
}

/** Answers well, but only after `delayMs`: after the asking pod's deadline. */
export function answerLate(delayMs: number, then: PeerHandler): PeerHandler {
  return async (request, body, response) => {
    await sleep(delayMs);
    if (!response.destroyed) await then(request, body, response);
  };
}

/** 200 with a body that is not JSON. */
export const answerGarbage: PeerHandler = (_request, _body, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end('<html>this is not the pod you are looking for</html>\u0000\u00ff{{{');
};

/** JSON, but not the shape of a GraphQL answer to the forwarded query. */
export const answerWrongShape: PeerHandler = (_request, _body, response) =>
  sendJson(response, { data: { result: { edges: 'all of them', remote_errors: 42 } } });

/** An answer that never ends: JSON-looking records for as long as the asking pod reads. */
export const answerEndlessly: PeerHandler = (_request, _body, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.write('{"data":{"result":{"edges":[');
  writeForever(response, '{"cursor":"c","origin":null,"node":{"title":"more"}},'.repeat(1000));
};

/** Declares a body of a gigabyte and starts sending it. */
export const answerHugeDeclared: PeerHandler = (_request, _body, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 ** 30) });
  response.write('{"data":{"result":{"edges":[');
  writeForever(response, ' '.repeat(64 * 1024));
};

/** Writes `chunk` again and again, as fast as the reader takes it, until the connection is gone. */
function writeForever(response: ServerResponse, chunk: string): void {
  const pump = (): void => {
    while (!response.destroyed && response.write(chunk));
    if (!response.destroyed) response.once('drain', pump);
  };
  pump();
}

// ---- a peer in a process of its own, to stop with SIGSTOP --------------------------------------------

const PEER_PROCESS = fileURLToPath(new URL('./peer-process.ts', import.meta.url));

export interface PeerProcess {
  readonly port: number;
  /** SIGSTOP: the kernel still accepts connections, but nobody answers them. */
  stop(): void;
  /** SIGCONT, then SIGKILL. */
  end(): Promise<void>;
}

/** A well-behaved member port (empty answers) in a child process, given the member's TLS cert. */
export async function startPeerProcess(member: FakeMember): Promise<PeerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', PEER_PROCESS], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BYODA_TEST_PEER: JSON.stringify(credentialTlsOptions(member.tls)) },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A stopped child outlives a test process that dies without its after hooks: never leave one.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const port = await new Promise<number>((resolve, reject) => {
    void exited.then(() => reject(new Error('the peer process exited before it listened')));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return {
    port,
    stop: () => child.kill('SIGSTOP'),
    async end() {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
