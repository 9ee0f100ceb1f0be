/**
 * The service server as a user runs it: `byoda network init`, `byoda directory start`, `byoda service
 * init` with the addressbook contract (unsigned) and `byoda service start`, all real processes; the
 * test plays a pod over HTTPS and mutual TLS and checks the directory's DNS.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { promisify } from 'node:util';
import { request } from 'undici';
import type { Agent } from 'undici';
import { verifyContract } from '../../../src/contract/index.js';
import type { ContractDocument } from '../../../src/contract/index.js';
import { createResolver } from '../../../src/dns/index.js';
import type { DnsResolver } from '../../../src/dns/index.js';
import { ByodaError } from '../../../src/errors/index.js';
import { DirectoryClient, createTlsAgent, requestJson } from '../../../src/network/index.js';
import {
  accountFqdn,
  createCsr,
  generateKeyPair,
  memberDataCn,
  memberFqdn,
  requestCredential,
  splitPemBundle,
} from '../../../src/pki/index.js';
import { credentialTlsOptions } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { sharedContractPath } from '../../fixtures/contracts.js';
import { digShort } from '../../fixtures/dig.js';
import { assertJsonError } from '../../fixtures/assertions.js';
import { foreignKeyCsr, makeHierarchy, tempDir } from '../../fixtures/pki.js';
import { byoda, byodaJson, startServer } from './processes.js';
import type { RunningServer } from './processes.js';

const NETWORK = 'byoda.test';
const SERVICE_ID = 4294929430; // addressbook.json
const MEMBER_PATH = '/api/v1/service/member';
const CONTRACT_PATH = '/api/v1/service/contract';

interface Reply {
  status: number;
  text: string;
  json: unknown;
}

/** A request whose status and body the test inspects, whatever they are. */
async function call(
  agent: Agent,
  base: string,
  path: string,
  options: { method?: 'GET' | 'POST'; body?: string; contentType?: string } = {},
): Promise<Reply> {
  const response = await request(new URL(path, base), {
    dispatcher: agent,
    method: options.method ?? 'GET',
    headers: options.body === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await response.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, text, json };
}

/**
 * One HTTP/1.1 request on a fresh TLS connection, optionally resuming `session`; also says whether the
 * session was resumed and hands back the new session ticket.
 */
async function tlsRequest(
  port: number,
  options: ConnectionOptions,
  body: string,
): Promise<{ status: number; text: string; resumed: boolean; session: Buffer | undefined }> {
  const socket = connect({ host: '127.0.0.1', port, ...options });
  let session: Buffer | undefined;
  socket.on('session', (ticket: Buffer) => (session = ticket)); // TLS 1.3 tickets come after the handshake
  await once(socket, 'secureConnect');
  const resumed = socket.isSessionReused();
  const head = [`POST ${'/api/v1/service/member'} HTTP/1.1`, 'Host: service', 'Connection: close'];
  head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
  let text = '';
  for await (const chunk of socket) text += (chunk as Buffer).toString();
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]), text, resumed, session };
}

describe('service server (real processes)', () => {
  let cleanup: () => Promise<void> = async () => {};
  let work = '';
  let directory: RunningServer | undefined;
  let service: RunningServer | undefined;
  let rootCaPem = '';
  let serviceUrl = '';
  let fqdn = '';
  let dns: DnsResolver;
  let directoryClient: DirectoryClient;
  const agents: Agent[] = [];

  /** A pooled client of the service that verifies its cert names the service FQDN. */
  function serviceAgent(credential?: Credential): Agent {
    const agent = createTlsAgent({ rootCaPem, servername: fqdn, ...(credential ? { credential } : {}) });
    agents.push(agent);
    return agent;
  }

  /** A new account: its key, a CSR, and the TLS cert the directory signs (what a pod does first). */
  function registerAccount(): Promise<Credential> {
    return requestCredential(accountFqdn(NETWORK, randomUUID()), rootCaPem, async (csrPem) => {
      return (await directoryClient.registerAccount({ csrPem, port: 443 })).chainPem;
    });
  }

  /** POST a CSR to the service as `account`; resolves with the issued chain. */
  async function askMembership(account: Credential, body: Record<string, unknown>): Promise<string> {
    const reply = await requestJson(serviceAgent(account), new URL(MEMBER_PATH, serviceUrl), {
      method: 'POST',
      body,
    });
    const { chain, root_ca: rootCa } = reply as { chain: string; root_ca: string };
    assert.equal(rootCa, rootCaPem);
    return chain;
  }

  function memberCredential(account: Credential, cn: string, extra: Record<string, unknown> = {}) {
    return requestCredential(cn, rootCaPem, (csr) => askMembership(account, { csr, ...extra }));
  }

  async function servedContract(query = ''): Promise<ContractDocument> {
    const reply = await call(serviceAgent(), serviceUrl, `${CONTRACT_PATH}${query}`);
    assert.equal(reply.status, 200, reply.text);
    return reply.json as ContractDocument;
  }

  async function signers() {
    const agent = serviceAgent();
    const dataCert = await call(agent, serviceUrl, '/api/v1/service/data-cert');
    const networkDataCert = await call(agent, serviceUrl, '/api/v1/service/network-data-cert');
    assert.equal(dataCert.status, 200);
    assert.equal(networkDataCert.status, 200);
    return { serviceChainPem: dataCert.text, networkChainPem: networkDataCert.text, rootCaPem };
  }

  before(async () => {
    const temp = await tempDir('service-it');
    cleanup = temp.remove;
    work = temp.dir;
    const dirData = join(work, 'directory');
    const init = await byodaJson([
      'network',
      'init',
      '--local-secrets',
      '--network',
      NETWORK,
      '--data',
      dirData,
    ]);
    const rootCaPath = String(init['root_ca']);
    rootCaPem = await readFile(rootCaPath, 'utf8');
    directory = await startServer(['directory', 'start', '--data', dirData]);
    const directoryUrl = String(directory.ready['url']);
    const dnsReady = directory.ready['dns'] as { host: string; port: number };
    dns = createResolver({ host: dnsReady.host, port: dnsReady.port });
    directoryClient = new DirectoryClient({ url: directoryUrl, network: NETWORK, rootCaPem });
    // A copy, so that a test can put a newer version in the file the service was initialised with.
    const contractFile = join(work, 'addressbook.json');
    await writeFile(contractFile, await readFile(sharedContractPath('addressbook'), 'utf8'));
    const serviceData = join(work, 'service');
    const initialised = await byodaJson([
      ...['service', 'init', '--local-secrets', '--data', serviceData, '--contract', contractFile],
      ...['--directory', directoryUrl, '--root-ca', rootCaPath],
    ]);
    assert.equal(initialised['service_id'], SERVICE_ID);
    service = await startServer(['service', 'start', '--data', serviceData]);
    serviceUrl = String(service.ready['url']);
    fqdn = String(service.ready['fqdn']);
  });

  after(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await directoryClient?.close();
    const serviceExit = await service?.stop();
    await directory?.stop();
    await cleanup();
    assert.equal(serviceExit, 0, 'the service exits 0 on SIGTERM');
  });

  it('announces itself as ready with its id, FQDN and version', () => {
    assert.ok(service);
    assert.deepEqual(
      { ...service.ready, url: undefined, port: undefined },
      {
        event: 'ready',
        url: undefined,
        port: undefined,
        service_id: SERVICE_ID,
        fqdn: `service.service-${SERVICE_ID}.${NETWORK}`,
        version: 1,
        name: 'addressbook',
        network: NETWORK,
        store: 'sqlite',
      },
    );
    assert.match(serviceUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves the contract with valid service and network signatures', async () => {
    const contract = await servedContract();
    await verifyContract(contract, await signers());
    const original = JSON.parse(
      await readFile(sharedContractPath('addressbook'), 'utf8'),
    ) as ContractDocument;
    assert.deepEqual({ ...contract, signatures: {} }, original);
    // The network data cert the service proxies is the directory's own.
    const fromDirectory = await directoryClient.getNetworkDataCert();
    assert.equal((await signers()).networkChainPem, fromDirectory);
    assert.deepEqual(await servedContract('?version=1'), contract);
  });

  it('serves a contract that fails verification once one field is changed', async () => {
    const contract = await servedContract();
    const tampered = { ...contract, max_query_depth: Number(contract['max_query_depth'] ?? 1) + 1 };
    await assert.rejects(verifyContract(tampered, await signers()), (err: unknown) => {
      assert.ok(err instanceof ByodaError);
      assert.equal(err.code, 'BYODA_ERR_CONTRACT_SIGNATURE');
      return true;
    });
  });

  it('registered its own name and port at the directory', async () => {
    assert.deepEqual(await dns.resolveA(fqdn), ['127.0.0.1']);
    const [srv] = await dns.resolveSrv(`_byoda._tcp.${fqdn}`);
    assert.equal(srv?.port, service?.ready['port']);
    // dig sees what Node's resolver sees.
    const dnsPort = (directory?.ready['dns'] as { port: number }).port;
    assert.equal(await digShort(dnsPort, fqdn, 'A'), '127.0.0.1');
    assert.equal(await digShort(dnsPort, `_byoda._tcp.${fqdn}`, 'SRV'), `0 0 ${srv?.port} ${fqdn}.`);
    const listed = await directoryClient.listServices();
    assert.deepEqual(
      listed.find((entry) => entry.serviceId === SERVICE_ID),
      { serviceId: SERVICE_ID, name: 'addressbook', version: 1, fqdn },
    );
  });

  describe('membership certificates', () => {
    let account: Credential;
    let memberId = '';
    let memberTls: Credential;

    before(async () => {
      account = await registerAccount();
      memberId = randomUUID();
      memberTls = await memberCredential(account, memberFqdn(NETWORK, SERVICE_ID, memberId), { port: 4444 });
    });

    it('signs a member TLS cert whose chain openssl accepts', async () => {
      const [leaf] = splitPemBundle(memberTls.chainPem);
      assert.ok(leaf);
      await writeFile(join(work, 'root.pem'), rootCaPem);
      await writeFile(join(work, 'chain.pem'), memberTls.chainPem);
      await writeFile(join(work, 'leaf.pem'), leaf);
      const { stdout } = await promisify(execFile)('openssl', [
        ...['verify', '-CAfile', join(work, 'root.pem')],
        ...['-untrusted', join(work, 'chain.pem'), join(work, 'leaf.pem')],
      ]);
      assert.match(stdout, /leaf\.pem: OK/);
      assert.equal(memberTls.identity.type, 'member');
      assert.equal(memberTls.identity.serviceId, SERVICE_ID);
    });

    it('publishes the member name and port in the directory DNS', async () => {
      const name = memberFqdn(NETWORK, SERVICE_ID, memberId);
      assert.deepEqual(await dns.resolveA(name), ['127.0.0.1']);
      const [srv] = await dns.resolveSrv(`_byoda._tcp.${name}`);
      assert.equal(srv?.port, 4444);
      assert.equal(srv?.target, name);
      const dnsPort = (directory?.ready['dns'] as { port: number }).port;
      assert.equal(await digShort(dnsPort, name, 'A'), '127.0.0.1');
      assert.equal(await digShort(dnsPort, `_byoda._tcp.${name}`, 'SRV'), `0 0 4444 ${name}.`);
    });

    it('publishes the address the pod gives', async () => {
      const id = randomUUID();
      await memberCredential(account, memberFqdn(NETWORK, SERVICE_ID, id), {
        port: 4445,
        address: '127.0.0.2',
      });
      assert.deepEqual(await dns.resolveA(memberFqdn(NETWORK, SERVICE_ID, id)), ['127.0.0.2']);
    });

    it('signs a member data cert and a renewed TLS cert for the same account', async () => {
      const data = await memberCredential(account, memberDataCn(NETWORK, SERVICE_ID, memberId));
      assert.equal(data.identity.type, 'member-data');
      await memberCredential(account, memberFqdn(NETWORK, SERVICE_ID, memberId), { port: 4444 });
    });

    it('authenticates the account on every new connection, not only the first', async () => {
      // New connections of one agent may resume the TLS session (see src/http/client-identity.ts).
      const agent = serviceAgent(account);
      for (let attempt = 0; attempt < 4; attempt++) {
        const csr = await createCsr(memberDataCn(NETWORK, SERVICE_ID, memberId), await generateKeyPair());
        const response = await request(new URL(MEMBER_PATH, serviceUrl), {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ csr }),
          reset: true, // close the connection after this request
        });
        assert.equal(response.statusCode, 200, await response.body.text());
        await response.body.dump();
      }
    });

    it('recognises the account on a resumed TLS session, which carries no chain', async () => {
      const port = Number(service?.ready['port']);
      const options = { ...credentialTlsOptions(account), ca: rootCaPem, servername: fqdn };
      const body = async () =>
        JSON.stringify({
          csr: await createCsr(memberDataCn(NETWORK, SERVICE_ID, memberId), await generateKeyPair()),
        });
      const first = await tlsRequest(port, options, await body());
      assert.equal(first.status, 200, first.text);
      const second = await tlsRequest(port, { ...options, session: first.session }, await body());
      assert.ok(second.resumed, 'the second connection resumed the first one’s session');
      assert.equal(second.status, 200, second.text);
    });

    it('refuses a request without a client certificate (401)', async () => {
      const csr = await createCsr(memberFqdn(NETWORK, SERVICE_ID, randomUUID()), await generateKeyPair());
      const reply = await call(serviceAgent(), serviceUrl, MEMBER_PATH, {
        method: 'POST',
        body: JSON.stringify({ csr, port: 1 }),
      });
      assertJsonError(reply, 401, 'BYODA_ERR_UNAUTHORIZED');
    });

    it('refuses account certs of another network, or of an impostor root of this one (401)', async () => {
      for (const network of ['other.test', NETWORK]) {
        const hierarchy = await makeHierarchy(network);
        const stranger = await hierarchy.accountsCa.issueCredential(accountFqdn(network, randomUUID()));
        const csr = await createCsr(memberFqdn(NETWORK, SERVICE_ID, randomUUID()), await generateKeyPair());
        const reply = await call(serviceAgent(stranger), serviceUrl, MEMBER_PATH, {
          method: 'POST',
          body: JSON.stringify({ csr, port: 1 }),
        });
        assertJsonError(reply, 401, 'BYODA_ERR_UNAUTHORIZED');
      }
    });

    it('refuses a valid certificate that is not an account cert (403)', async () => {
      const csr = await createCsr(memberFqdn(NETWORK, SERVICE_ID, randomUUID()), await generateKeyPair());
      const reply = await call(serviceAgent(memberTls), serviceUrl, MEMBER_PATH, {
        method: 'POST',
        body: JSON.stringify({ csr, port: 1 }),
      });
      assertJsonError(reply, 403, 'BYODA_ERR_FORBIDDEN');
    });

    it('refuses a member id that belongs to another account (403)', async () => {
      const other = await registerAccount();
      for (const cn of [
        memberFqdn(NETWORK, SERVICE_ID, memberId),
        memberDataCn(NETWORK, SERVICE_ID, memberId),
      ]) {
        const csr = await createCsr(cn, await generateKeyPair());
        const reply = await call(serviceAgent(other), serviceUrl, MEMBER_PATH, {
          method: 'POST',
          body: JSON.stringify({ csr, port: 1 }),
        });
        assertJsonError(reply, 403, 'BYODA_ERR_FORBIDDEN');
      }
    });

    it('refuses a CSR for another service id or for a name that is not a member (400)', async () => {
      const agent = serviceAgent(account);
      for (const cn of [memberFqdn(NETWORK, 7, randomUUID()), accountFqdn(NETWORK, randomUUID())]) {
        const csr = await createCsr(cn, await generateKeyPair());
        const reply = await call(agent, serviceUrl, MEMBER_PATH, {
          method: 'POST',
          body: JSON.stringify({ csr, port: 1 }),
        });
        assertJsonError(reply, 400, 'BYODA_ERR_CSR', 'body/csr');
      }
    });

    it('refuses bad bodies with 4xx naming the field, and keeps serving', async () => {
      const agent = serviceAgent(account);
      const cn = memberFqdn(NETWORK, SERVICE_ID, randomUUID());
      const csr = await createCsr(cn, await generateKeyPair());
      const post = (body: string, contentType?: string) =>
        call(agent, serviceUrl, MEMBER_PATH, {
          method: 'POST',
          body,
          ...(contentType ? { contentType } : {}),
        });
      const json = (value: unknown) => post(JSON.stringify(value));
      assertJsonError(await json({ csr: 'not a CSR', port: 1 }), 400, 'BYODA_ERR_CSR', 'body/csr');
      assertJsonError(
        await json({ csr: await foreignKeyCsr(cn, 'p384'), port: 1 }),
        400,
        'BYODA_ERR_CSR',
        'body/csr',
      );
      assertJsonError(await post('{"csr": '), 400, 'BYODA_ERR_BAD_REQUEST');
      assertJsonError(await post(''), 400, 'BYODA_ERR_BAD_REQUEST');
      assertJsonError(await post('csr=x', 'text/plain'), 400, 'BYODA_ERR_BAD_REQUEST', 'body');
      assertJsonError(await post('<csr/>', 'application/xml'), 415, 'BYODA_ERR_BAD_REQUEST');
      assertJsonError(await json({ port: 1 }), 400, 'BYODA_ERR_BAD_REQUEST', 'body/csr');
      assertJsonError(await json({ csr, port: 1, admin: true }), 400, 'BYODA_ERR_BAD_REQUEST', 'body/admin');
      assertJsonError(await json({ csr, port: '80' }), 400, 'BYODA_ERR_BAD_REQUEST', 'body/port');
      assertJsonError(await json({ csr, port: 70000 }), 400, 'BYODA_ERR_BAD_REQUEST', 'body/port');
      assertJsonError(await json({ csr }), 400, 'BYODA_ERR_BAD_REQUEST', 'body/port');
      assertJsonError(
        await json({ csr, port: 1, address: 'nowhere' }),
        400,
        'BYODA_ERR_BAD_REQUEST',
        'body/address',
      );
      assertJsonError(await json([csr]), 400, 'BYODA_ERR_BAD_REQUEST', 'body');
      assertJsonError(await json({ csr: 'x'.repeat(70 * 1024) }), 413, 'BYODA_ERR_TOO_LARGE');
      // None of the refusals claimed the member id: the account still gets it.
      await askMembership(account, { csr, port: 1 });
    });
  });

  it('refuses bad contract and search requests, and keeps serving', async () => {
    const agent = serviceAgent();
    for (const query of ['?version=abc', '?version=-1', '?version=01', '?version=1.0', '?version=']) {
      assertJsonError(
        await call(agent, serviceUrl, `${CONTRACT_PATH}${query}`),
        400,
        'BYODA_ERR_BAD_REQUEST',
        'querystring/version',
      );
    }
    assertJsonError(
      await call(agent, serviceUrl, `${CONTRACT_PATH}?v=1`),
      400,
      'BYODA_ERR_BAD_REQUEST',
      'querystring/v',
    );
    assertJsonError(await call(agent, serviceUrl, `${CONTRACT_PATH}?version=99`), 404, 'BYODA_ERR_NOT_FOUND');
    // Search is for members of the service only (test/integration/search covers it with members):
    // without a client certificate nothing is looked at, not even the class.
    for (const path of ['person?email=a%40b.c', 'nothing', 'no-such!']) {
      assertJsonError(
        await call(agent, serviceUrl, `/api/v1/service/search/${path}`),
        401,
        'BYODA_ERR_UNAUTHORIZED',
      );
    }
    assertJsonError(await call(agent, serviceUrl, '/api/v1/service/nothing'), 404, 'BYODA_ERR_NOT_FOUND');
    assertJsonError(
      await call(agent, serviceUrl, CONTRACT_PATH, { method: 'POST', body: '{}' }),
      404,
      'BYODA_ERR_NOT_FOUND',
    );
    assert.equal((await call(agent, serviceUrl, CONTRACT_PATH)).status, 200);
    assert.equal(service?.child.exitCode, null, 'the service still runs');
  });

  describe('contract versions', () => {
    /** The addressbook contract as `version`, changed by `change`, written to `file`. */
    async function writeVersion(
      file: string,
      version: number,
      change: (properties: Record<string, unknown>) => void,
    ): Promise<string> {
      const text = await readFile(sharedContractPath('addressbook'), 'utf8');
      const doc = JSON.parse(text) as { version: number; jsonschema: unknown };
      const schema = doc.jsonschema as { properties: { person: { properties: Record<string, unknown> } } };
      doc.version = version;
      change(schema.properties.person.properties);
      await writeFile(file, JSON.stringify(doc));
      return file;
    }

    const addNickname = (properties: Record<string, unknown>) =>
      (properties['nickname'] = { type: 'string' });
    const retypeFamilyName = (properties: Record<string, unknown>) =>
      (properties['family_name'] = { type: 'integer' });

    it('refuses to publish an incompatible version', async () => {
      const broken = await writeVersion(join(work, 'incompatible.json'), 2, retypeFamilyName);
      const result = await byoda(['service', 'publish', broken, '--data', join(work, 'service')]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^byoda: .*not a compatible successor.*family_name/);
      assert.equal(result.stderr.trim().split('\n').length, 1, 'a one-line error');
      assert.equal((await servedContract())['version'], 1);
    });

    it('publishes a compatible version, served at once and signed by both', async () => {
      const v2 = await writeVersion(join(work, 'compatible.json'), 2, addNickname);
      const result = await byoda(['service', 'publish', v2, '--data', join(work, 'service'), '--json']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), { event: 'published', version: 2, published: true });
      const latest = await servedContract();
      assert.equal(latest['version'], 2);
      await verifyContract(latest, await signers());
      assert.equal((await servedContract('?version=1'))['version'], 1);
    });
  });

  describe('restart', () => {
    const serviceData = () => join(work, 'service');
    const contractFile = () => join(work, 'addressbook.json');

    async function writeContractFile(version: number, fields: Record<string, unknown>): Promise<void> {
      const doc = JSON.parse(await readFile(sharedContractPath('addressbook'), 'utf8')) as Record<
        string,
        unknown
      >;
      const schema = doc['jsonschema'] as { properties: { person: { properties: Record<string, unknown> } } };
      Object.assign(schema.properties.person.properties, fields);
      doc['version'] = version;
      await writeFile(contractFile(), JSON.stringify(doc));
    }

    it('refuses to start when its contract file has an incompatible newer version', async () => {
      const account = await registerAccount();
      const memberId = randomUUID();
      await memberCredential(account, memberDataCn(NETWORK, SERVICE_ID, memberId));
      assert.equal(await service?.stop(), 0);
      await writeContractFile(3, { nickname: { type: 'integer' } });
      const result = await byoda(['service', 'start', '--data', serviceData(), '--json']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^byoda: version 3 .*not a compatible successor of version 2.*nickname/m);
      assert.equal(result.stdout, '', 'no ready event');

      // A search index store that cannot be used: one line each, naming --store or the server.
      const stores: [string, RegExp][] = [
        ['mysql://h/db', /^byoda: --store must start with sqlite: or postgres:\/\/$/m],
        ['postgres://h', /^byoda: --store a postgres:\/\/ URL must name its database/],
        [
          'postgres://byoda:secret@127.0.0.1:1/byoda',
          /^byoda: cannot open the search index database at postgres:\/\/byoda:\*\*\*@127\.0\.0\.1:1\/byoda: /,
        ],
      ];
      for (const [store, pattern] of stores) {
        const refused = await byoda([
          'service',
          'start',
          '--data',
          serviceData(),
          '--store',
          store,
          '--json',
        ]);
        assert.equal(refused.code, 1, store);
        assert.equal(refused.stderr.trim().split('\n').length, 1, `a one-line error: ${refused.stderr}`);
        assert.match(refused.stderr, pattern);
        assert.doesNotMatch(refused.stderr, /secret/);
        assert.equal(refused.stdout, '', 'no ready event');
      }

      // A compatible version 3 is published at start; the members are remembered.
      await writeContractFile(3, { nickname: { type: 'string' }, pronouns: { type: 'string' } });
      service = await startServer(['service', 'start', '--data', serviceData()]);
      serviceUrl = String(service.ready['url']);
      assert.equal(service.ready['version'], 3);
      const latest = await servedContract();
      assert.equal(latest['version'], 3);
      await verifyContract(latest, await signers());
      const stranger = await registerAccount();
      const csr = await createCsr(memberDataCn(NETWORK, SERVICE_ID, memberId), await generateKeyPair());
      const body = JSON.stringify({ csr });
      const refused = await call(serviceAgent(stranger), serviceUrl, MEMBER_PATH, { method: 'POST', body });
      assertJsonError(refused, 403, 'BYODA_ERR_FORBIDDEN');
      assert.equal(
        (await call(serviceAgent(account), serviceUrl, MEMBER_PATH, { method: 'POST', body })).status,
        200,
      );
    });

    it('logs one line per request with the requester and the outcome', async () => {
      const lines = (await readFile(join(serviceData(), 'logs', 'service.log'), 'utf8'))
        .split('\n')
        .filter((line) => line.includes('"msg":"request"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const members = lines.filter((line) => line['path'] === MEMBER_PATH);
      const granted = members.find((line) => line['status'] === 200);
      assert.match(String(granted?.['requester']), /^[0-9a-f-]{36}\.accounts\.byoda\.test$/);
      const refused = members.find((line) => line['status'] === 401);
      assert.equal(refused?.['code'], 'BYODA_ERR_UNAUTHORIZED');
      assert.ok(lines.every((line) => typeof line['ms'] === 'number' && typeof line['method'] === 'string'));
      const ids = lines.map((line) => `${line['pid']}:${line['req_id']}`);
      assert.equal(new Set(ids).size, ids.length, 'one line per request');
    });
  });
});
