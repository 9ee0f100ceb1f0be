/**
 * The directory's HTTP API in one process (fast): every endpoint's refusals (bad input, wrong or no
 * certificate) with the status and a JSON error naming the field, the service flow (CA, address,
 * contract countersignature, members) and, after all of it, a server that still answers with its data
 * intact.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { pino } from 'pino';
import type { Agent } from 'undici';
import { signContract, verifyContract } from '../../../src/contract/index.js';
import { DirectoryServer } from '../../../src/directory/index.js';
import type { DirectoryAddress } from '../../../src/directory/index.js';
import { byodaSrvName } from '../../../src/dns/index.js';
import type { DirectoryClient } from '../../../src/network/index.js';
import {
  credentialTlsOptions,
  accountFqdn,
  createCsr,
  createNetworkPki,
  createServicePki,
  generateKeyPair,
  memberFqdn,
  requestCredential,
  serviceCaCn,
} from '../../../src/pki/index.js';
import type { Credential, ServicePki } from '../../../src/pki/index.js';
import { foreignKeyCsr, makeHierarchy } from '../../fixtures/pki.js';
import { findPostgres } from '../../fixtures/postgres.js';
import { client, newAccount, nodeResolver, NETWORK, raw, rawAgent } from './harness.js';
import type { RawReply } from './harness.js';

const SERVICE_ID = 77;
const OTHER_SERVICE_ID = 78;
const ACCOUNT = '/api/v1/network/account';
const SERVICE = '/api/v1/network/service';
const MEMBER = '/api/v1/network/member';

function assertError(reply: RawReply, status: number, code: string, path?: string): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body.error?.code, code, JSON.stringify(reply.body));
  if (path !== undefined) {
    assert.equal(reply.body.error?.path, path, JSON.stringify(reply.body));
    assert.ok(reply.body.error?.message.includes(path), 'the message names the field');
  }
}

/**
 * One HTTP/1.1 request over a fresh TLS connection, returning the session for resumption. Written by
 * hand because HTTP clients hide whether a session was resumed.
 */
async function tlsExchange(
  port: number,
  options: ConnectionOptions,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: string; resumed: boolean; session: Buffer | undefined }> {
  const socket = connect({ host: '127.0.0.1', port, ...options });
  let session: Buffer | undefined;
  // TLS 1.3 sends session tickets after the handshake.
  socket.on('session', (ticket: Buffer) => (session = ticket));
  let resumed = false;
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => {
      resumed = socket.isSessionReused();
      resolve();
    });
    socket.once('error', reject);
  });
  const payload = body === undefined ? '' : JSON.stringify(body);
  const headers = [`${method} ${path} HTTP/1.1`, 'Host: dir', 'Connection: close'];
  if (payload)
    headers.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(payload)}`);
  socket.write(`${headers.join('\r\n')}\r\n\r\n${payload}`);
  let text = '';
  for await (const chunk of socket) text += (chunk as Buffer).toString();
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
  return {
    status,
    body: text.split('\r\n\r\n').slice(1).join(''),
    resumed,
    session,
  };
}

async function serviceContract(service: ServicePki): Promise<Record<string, unknown>> {
  const text = await readFile(
    new URL('../../../../shared/contracts/addressbook.json', import.meta.url),
    'utf8',
  );
  const { signatures: _dropped, ...document } = JSON.parse(text) as Record<string, unknown>;
  return { ...(await signContract({ ...document, service_id: service.serviceId }, 'service', service.data)) };
}

const postgres = await findPostgres();

// Every endpoint against both stores (issue 16): the embedded SQLite files and a real PostgreSQL.
for (const backend of ['sqlite', 'postgres'] as const) {
  const skip = backend === 'postgres' && typeof postgres === 'string' ? postgres : false;
  describe(`directory API on ${backend}`, { skip }, () => apiSuite(backend));
}
after(async () => {
  if (typeof postgres !== 'string') await postgres.stop();
});

function apiSuite(backend: 'sqlite' | 'postgres'): void {
  let dir = '';
  const server = new DirectoryServer();
  const logLines: Record<string, unknown>[] = [];
  let address: DirectoryAddress;
  let rootCaPem = '';
  let anonymous: DirectoryClient;
  let anonymousAgent: Agent;
  let account: { accountId: string; credential: Credential };
  let service: ServicePki;
  let otherService: ServicePki;
  const closers: (() => Promise<void>)[] = [];
  const url = (path: string): string => `${address.url}${path}`;
  const agentFor = (credential?: Credential): Agent => {
    const agent = rawAgent(rootCaPem, credential);
    closers.push(() => agent.close());
    return agent;
  };
  const clientFor = (credential?: Credential): DirectoryClient => {
    const c = client(address.url, rootCaPem, credential);
    closers.push(() => c.close());
    return c;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-directory-api-'));
    await createNetworkPki(join(dir, 'pki'), NETWORK, 'passphrase');
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done): void {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    const store =
      backend === 'postgres' && typeof postgres !== 'string' ? await postgres.createDatabase() : undefined;
    address = await server.start({
      dataDir: dir,
      passphrase: 'passphrase',
      ...(store !== undefined ? { store } : {}),
      logger: pino({ level: 'info' }, sink),
    });
    rootCaPem = await readFile(address.rootCaPath, 'utf8');
    anonymous = clientFor();
    anonymousAgent = agentFor();
    account = await newAccount(anonymous, { port: 4000 });
    const makeService = (serviceId: number): Promise<ServicePki> =>
      createServicePki(join(dir, `service-${serviceId}`), {
        serviceId,
        rootCaPem,
        passphrase: 'p',
        signServiceCaCsr: async (csrPem) =>
          (await anonymous.registerService({ csrPem, name: `svc ${serviceId}` })).chainPem,
      });
    service = await makeService(SERVICE_ID);
    otherService = await makeService(OTHER_SERVICE_ID);
  });

  after(async () => {
    await Promise.all(closers.map((close) => close()));
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second start while running', async () => {
    await assert.rejects(server.start({ dataDir: dir, passphrase: 'passphrase' }), {
      code: 'BYODA_ERR_CONFIG',
    });
  });

  it('publishes an account at the request’s source address by default', async () => {
    const fqdn = accountFqdn(NETWORK, account.accountId);
    assert.deepEqual(await nodeResolver(address.dnsPort).resolve4(fqdn), ['127.0.0.1']);
  });

  describe('POST /api/v1/network/account refuses', () => {
    const cases: [string, unknown, number, string, string?][] = [
      ['a malformed CSR', { csr: 'not a csr' }, 400, 'BYODA_ERR_CSR', 'body/csr'],
      ['a missing csr', { address: '127.0.0.1' }, 400, 'BYODA_ERR_BAD_REQUEST', 'body/csr'],
      ['an extra field', { csr: 'x', admin: true }, 400, 'BYODA_ERR_BAD_REQUEST', 'body/admin'],
      ['a port as a string', { csr: 'x', port: '443' }, 400, 'BYODA_ERR_BAD_REQUEST', 'body/port'],
      ['port 0', { csr: 'x', port: 0 }, 400, 'BYODA_ERR_BAD_REQUEST', 'body/port'],
      ['a body that is not an object', [1, 2], 400, 'BYODA_ERR_BAD_REQUEST', 'body'],
    ];
    for (const [what, body, status, code, path] of cases) {
      it(what, async () =>
        assertError(await raw(anonymousAgent, url(ACCOUNT), 'POST', body), status, code, path),
      );
    }

    it('RSA and P-384 keys', async () => {
      for (const kind of ['rsa', 'p384'] as const) {
        const csr = await foreignKeyCsr(accountFqdn(NETWORK, randomUUID()), kind);
        const reply = await raw(anonymousAgent, url(ACCOUNT), 'POST', { csr });
        assertError(reply, 400, 'BYODA_ERR_CSR', 'body/csr');
        assert.match(reply.body.error?.message ?? '', /P-256/);
      }
    });

    it('a CN of another type or another network', async () => {
      for (const cn of [
        serviceCaCn(NETWORK, 5),
        accountFqdn('other.test', randomUUID()),
        memberFqdn(NETWORK, 1, randomUUID()),
      ]) {
        const csr = await createCsr(cn, await generateKeyPair());
        assertError(
          await raw(anonymousAgent, url(ACCOUNT), 'POST', { csr }),
          400,
          'BYODA_ERR_CSR',
          'body/csr',
        );
      }
    });

    it('an address that is not an IP address, before signing anything', async () => {
      const csr = await createCsr(accountFqdn(NETWORK, randomUUID()), await generateKeyPair());
      for (const bad of ['dir.byoda.test', '0.0.0.0', '300.1.1.1']) {
        assertError(
          await raw(anonymousAgent, url(ACCOUNT), 'POST', { csr, address: bad }),
          400,
          'BYODA_ERR_BAD_REQUEST',
          'body/address',
        );
      }
    });

    it('a body that is not JSON, of another type, or too large', async () => {
      assertError(await raw(anonymousAgent, url(ACCOUNT), 'POST', '{"csr": '), 400, 'BYODA_ERR_BAD_REQUEST');
      assertError(
        await raw(anonymousAgent, url(ACCOUNT), 'POST', 'csr=x', 'text/plain'),
        415,
        'BYODA_ERR_BAD_REQUEST',
      );
      const huge = { csr: 'x'.repeat(70 * 1024) };
      assertError(await raw(anonymousAgent, url(ACCOUNT), 'POST', huge), 413, 'BYODA_ERR_TOO_LARGE');
    });

    it('a client certificate of another root (401)', async () => {
      const foreign = await makeHierarchy(NETWORK);
      const impostor = await foreign.accountsCa.issueCredential(accountFqdn(NETWORK, account.accountId));
      const csr = await createCsr(accountFqdn(NETWORK, account.accountId), await generateKeyPair());
      const reply = await raw(agentFor(impostor), url(ACCOUNT), 'POST', { csr });
      assertError(reply, 401, 'BYODA_ERR_UNAUTHORIZED');
      assert.match(reply.body.error?.message ?? '', /client certificate refused/);
    });
  });

  it('accepts a resumed TLS session of a certificate verified at its first handshake', async () => {
    const tlsOptions = {
      ...credentialTlsOptions(account.credential),
      ca: rootCaPem,
      servername: `dir.${NETWORK}`,
    };
    const first = await tlsExchange(address.port, tlsOptions, 'GET', '/api/v1/network/services');
    assert.equal(first.status, 200);
    const second = await tlsExchange(
      address.port,
      { ...tlsOptions, session: first.session },
      'PUT',
      ACCOUNT,
      {
        port: 4000,
      },
    );
    assert.ok(second.resumed, 'the second connection resumed the first one’s session');
    assert.equal(second.status, 200, second.body);
  });

  describe('PUT /api/v1/network/account', () => {
    it('needs an account certificate: 401 without, 403 with a service’s', async () => {
      assertError(await raw(anonymousAgent, url(ACCOUNT), 'PUT', { port: 1 }), 401, 'BYODA_ERR_UNAUTHORIZED');
      assertError(
        await raw(agentFor(service.tls), url(ACCOUNT), 'PUT', { port: 1 }),
        403,
        'BYODA_ERR_FORBIDDEN',
      );
    });

    it('refuses extra fields and bad ports', async () => {
      const agent = agentFor(account.credential);
      assertError(
        await raw(agent, url(ACCOUNT), 'PUT', { port: 1, csr: 'x' }),
        400,
        'BYODA_ERR_BAD_REQUEST',
        'body/csr',
      );
      assertError(
        await raw(agent, url(ACCOUNT), 'PUT', { port: 70000 }),
        400,
        'BYODA_ERR_BAD_REQUEST',
        'body/port',
      );
    });

    it('keeps the port when only the address changes', async () => {
      const registration = await clientFor(account.credential).updateAccount({ address: '127.0.0.9' });
      assert.equal(registration.port, 4000);
      const fqdn = accountFqdn(NETWORK, account.accountId);
      assert.deepEqual(await nodeResolver(address.dnsPort).resolve4(fqdn), ['127.0.0.9']);
    });
  });

  describe('POST /api/v1/network/service', () => {
    it('refuses a taken service id: 409 without a certificate, 403 with another service’s', async () => {
      const csr = await createCsr(serviceCaCn(NETWORK, SERVICE_ID), await generateKeyPair());
      assertError(await raw(anonymousAgent, url(SERVICE), 'POST', { csr }), 409, 'BYODA_ERR_CONFLICT');
      assertError(
        await raw(agentFor(otherService.tls), url(SERVICE), 'POST', { csr }),
        403,
        'BYODA_ERR_FORBIDDEN',
      );
      assertError(
        await raw(agentFor(account.credential), url(SERVICE), 'POST', { csr }),
        403,
        'BYODA_ERR_FORBIDDEN',
      );
    });

    it('renews the CA of a service for its own TLS certificate', async () => {
      const csrPem = await createCsr(serviceCaCn(NETWORK, SERVICE_ID), await generateKeyPair());
      const { chainPem } = await clientFor(service.tls).registerService({ csrPem });
      assert.match(chainPem, /BEGIN CERTIFICATE/);
    });

    it('refuses account CSRs, bad names and extra fields', async () => {
      const csr = await createCsr(accountFqdn(NETWORK, randomUUID()), await generateKeyPair());
      assertError(await raw(anonymousAgent, url(SERVICE), 'POST', { csr }), 400, 'BYODA_ERR_CSR', 'body/csr');
      assertError(
        await raw(anonymousAgent, url(SERVICE), 'POST', { csr, name: '' }),
        400,
        'BYODA_ERR_BAD_REQUEST',
        'body/name',
      );
      assertError(
        await raw(anonymousAgent, url(SERVICE), 'POST', { csr, id: 1 }),
        400,
        'BYODA_ERR_BAD_REQUEST',
        'body/id',
      );
    });
  });

  describe('PUT /api/v1/network/service/service-<id>', () => {
    const body = { name: 'address book', version: 1, port: 6000 };

    it('refuses a malformed or out-of-range service id, and an unknown one (404)', async () => {
      for (const segment of ['service-abc', 'service-01', '77', 'service-4294967296']) {
        assertError(
          await raw(anonymousAgent, url(`${SERVICE}/${segment}`), 'PUT', body),
          400,
          'BYODA_ERR_BAD_REQUEST',
          'params/service',
        );
      }
      assertError(
        await raw(agentFor(service.tls), url(`${SERVICE}/service-9999`), 'PUT', body),
        404,
        'BYODA_ERR_NOT_FOUND',
      );
    });

    it('needs that service’s TLS certificate', async () => {
      assertError(
        await raw(anonymousAgent, url(`${SERVICE}/service-${SERVICE_ID}`), 'PUT', body),
        401,
        'BYODA_ERR_UNAUTHORIZED',
      );
      assertError(
        await raw(agentFor(otherService.tls), url(`${SERVICE}/service-${SERVICE_ID}`), 'PUT', body),
        403,
        'BYODA_ERR_FORBIDDEN',
      );
      assertError(
        await raw(agentFor(service.data), url(`${SERVICE}/service-${SERVICE_ID}`), 'PUT', body),
        403,
        'BYODA_ERR_FORBIDDEN',
      );
    });

    it('refuses a missing version and a negative one', async () => {
      const agent = agentFor(service.tls);
      const path = url(`${SERVICE}/service-${SERVICE_ID}`);
      assertError(
        await raw(agent, path, 'PUT', { name: 'x', port: 1 }),
        400,
        'BYODA_ERR_BAD_REQUEST',
        'body/version',
      );
      assertError(
        await raw(agent, path, 'PUT', { ...body, version: -1 }),
        400,
        'BYODA_ERR_BAD_REQUEST',
        'body/version',
      );
    });

    it('publishes the service', async () => {
      const registration = await clientFor(service.tls).updateService(SERVICE_ID, body);
      assert.deepEqual(await nodeResolver(address.dnsPort).resolveSrv(byodaSrvName(registration.fqdn)), [
        { name: registration.fqdn, port: 6000, priority: 0, weight: 0 },
      ]);
    });
  });

  describe('POST /api/v1/network/service/service-<id>/contract', () => {
    const path = (id = SERVICE_ID): string => url(`${SERVICE}/service-${id}/contract`);

    it('countersigns a contract the service signed, which then verifies with both signatures', async () => {
      const contract = await serviceContract(service);
      const signed = await clientFor(service.tls).signContract(SERVICE_ID, {
        contract,
        dataCertChainPem: service.data.chainPem,
      });
      const networkChainPem = await anonymous.getNetworkDataCert();
      await verifyContract(signed, { serviceChainPem: service.data.chainPem, networkChainPem, rootCaPem });
      const listed = (await anonymous.listServices()).find((s) => s.serviceId === SERVICE_ID);
      assert.equal(listed?.version, 1);
    });

    it('refuses an unsigned contract, one for another service, and a chain of another signer', async () => {
      const agent = agentFor(service.tls);
      const contract = await serviceContract(service);
      const { signatures: _dropped, ...unsigned } = contract;
      const data_cert_chain = service.data.chainPem;
      assertError(
        await raw(agent, path(), 'POST', { contract: unsigned, data_cert_chain }),
        400,
        'BYODA_ERR_CONTRACT_SIGNATURE',
      );
      const foreign = await serviceContract(otherService);
      assertError(
        await raw(agent, path(), 'POST', { contract: foreign, data_cert_chain }),
        400,
        'BYODA_ERR_BAD_REQUEST',
        'body/contract/service_id',
      );
      const wrongChain = { contract, data_cert_chain: otherService.data.chainPem };
      assertError(await raw(agent, path(), 'POST', wrongChain), 400, 'BYODA_ERR_CONTRACT_SIGNATURE');
    });

    it('refuses bad bodies and other callers', async () => {
      const agent = agentFor(service.tls);
      assertError(
        await raw(agent, path(), 'POST', { contract: 'x', data_cert_chain: 'y' }),
        400,
        'BYODA_ERR_BAD_REQUEST',
        'body/contract',
      );
      assertError(
        await raw(agent, path(), 'POST', { contract: {} }),
        400,
        'BYODA_ERR_BAD_REQUEST',
        'body/data_cert_chain',
      );
      const body = { contract: {}, data_cert_chain: 'y' };
      assertError(await raw(agentFor(otherService.tls), path(), 'POST', body), 403, 'BYODA_ERR_FORBIDDEN');
      assertError(await raw(agent, path(9999), 'POST', body), 404, 'BYODA_ERR_NOT_FOUND');
    });
  });

  describe('PUT /api/v1/network/member', () => {
    const memberId = randomUUID();
    let member: Credential;

    before(async () => {
      member = await requestCredential(
        memberFqdn(NETWORK, SERVICE_ID, memberId),
        rootCaPem,
        async (csr) => (await service.signMemberCsr(csr, memberId)).chainPem,
      );
    });

    it('publishes a membership for the member itself', async () => {
      const registration = await clientFor(member).registerMember({
        memberId,
        serviceId: SERVICE_ID,
        port: 7000,
      });
      assert.deepEqual(await nodeResolver(address.dnsPort).resolveSrv(byodaSrvName(registration.fqdn)), [
        { name: registration.fqdn, port: 7000, priority: 0, weight: 0 },
      ]);
    });

    it('publishes a membership for its service', async () => {
      const registration = await clientFor(service.tls).registerMember({
        memberId,
        serviceId: SERVICE_ID,
        address: '127.0.0.7',
        port: 7001,
      });
      assert.deepEqual(await nodeResolver(address.dnsPort).resolve4(registration.fqdn), ['127.0.0.7']);
    });

    it('refuses an unrelated account, another service, another member, and no certificate', async () => {
      const body = { member_id: memberId, service_id: SERVICE_ID, port: 1 };
      assertError(
        await raw(agentFor(account.credential), url(MEMBER), 'PUT', body),
        403,
        'BYODA_ERR_FORBIDDEN',
      );
      assertError(
        await raw(agentFor(otherService.tls), url(MEMBER), 'PUT', body),
        403,
        'BYODA_ERR_FORBIDDEN',
      );
      const other = { ...body, member_id: randomUUID() };
      assertError(await raw(agentFor(member), url(MEMBER), 'PUT', other), 403, 'BYODA_ERR_FORBIDDEN');
      assertError(await raw(anonymousAgent, url(MEMBER), 'PUT', body), 401, 'BYODA_ERR_UNAUTHORIZED');
    });

    it('refuses bad ids and an unknown service', async () => {
      const agent = agentFor(member);
      const body = { member_id: memberId, service_id: SERVICE_ID, port: 1 };
      assertError(
        await raw(agent, url(MEMBER), 'PUT', { ...body, member_id: 'x' }),
        400,
        'BYODA_ERR_BAD_REQUEST',
        'body/member_id',
      );
      assertError(
        await raw(agent, url(MEMBER), 'PUT', { ...body, service_id: -1 }),
        400,
        'BYODA_ERR_BAD_REQUEST',
        'body/service_id',
      );
      assertError(
        await raw(agent, url(MEMBER), 'PUT', { ...body, port: undefined }),
        400,
        'BYODA_ERR_BAD_REQUEST',
        'body/port',
      );
      assertError(
        await raw(agent, url(MEMBER), 'PUT', { ...body, service_id: 9999 }),
        404,
        'BYODA_ERR_NOT_FOUND',
      );
    });
  });

  it('answers 404 in JSON for unknown routes', async () => {
    assertError(await raw(anonymousAgent, url('/api/v1/network/nothing'), 'GET'), 404, 'BYODA_ERR_NOT_FOUND');
  });

  it('surfaces server errors through the client as ByodaErrors with code and status', async () => {
    const csrPem = await createCsr(serviceCaCn(NETWORK, SERVICE_ID), await generateKeyPair());
    await assert.rejects(anonymous.registerService({ csrPem }), { code: 'BYODA_ERR_CONFLICT', status: 409 });
  });

  it('still answers after all of it, with its data intact', async () => {
    const fqdn = accountFqdn(NETWORK, account.accountId);
    assert.deepEqual(await nodeResolver(address.dnsPort).resolve4(fqdn), ['127.0.0.9']);
    const services = await anonymous.listServices();
    assert.deepEqual(
      services.map((s) => [s.serviceId, s.name, s.version]),
      [
        [SERVICE_ID, 'address book', 1],
        [OTHER_SERVICE_ID, `svc ${OTHER_SERVICE_ID}`, undefined],
      ],
    );
  });

  it('logs one line per request with the requester and outcome, and no secrets', () => {
    const requests = logLines.filter((line) => line['msg'] === 'request');
    assert.ok(requests.length > 40);
    const forbidden = requests.find((line) => line['status'] === 403 && line['path'] === MEMBER);
    assert.equal(forbidden?.['requester'], `account:${account.accountId}`);
    assert.equal(forbidden?.['code'], 'BYODA_ERR_FORBIDDEN');
    assert.ok(!logLines.some((line) => JSON.stringify(line).includes('PRIVATE KEY')));
    assert.ok(!logLines.some((line) => JSON.stringify(line).includes('CERTIFICATE REQUEST')));
  });
}
