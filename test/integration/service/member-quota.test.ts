/**
 * The service's member quota and address checks, with real processes (`byoda directory start`,
 * `byoda service start --max-members-per-account 2`): an account gets at most its quota of member
 * ids (each a name in the directory's DNS), then 403 BYODA_ERR_MEMBER_QUOTA; renewals and other
 * accounts are not affected; an address the directory could never publish is 400 at `body/address`
 * before anything is signed or counted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Agent } from 'undici';
import { createResolver } from '../../../src/dns/index.js';
import type { DnsResolver } from '../../../src/dns/index.js';
import { DirectoryClient, createTlsAgent, requestJson } from '../../../src/network/index.js';
import {
  accountFqdn,
  createCsr,
  generateKeyPair,
  memberFqdn,
  requestCredential,
} from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { tempDir } from '../../fixtures/pki.js';
import { byodaJson, startServer } from './processes.js';
import type { RunningServer } from './processes.js';

const NETWORK = 'byoda.test';
const CONTRACT = fileURLToPath(new URL('../../../contracts/addressbook.json', import.meta.url));
const MEMBER_PATH = '/api/v1/service/member';

describe('member quota and addresses (real processes)', () => {
  let cleanup: () => Promise<void> = async () => {};
  let directory: RunningServer | undefined;
  let service: RunningServer | undefined;
  let rootCaPem = '';
  let serviceUrl = '';
  let fqdn = '';
  let serviceId = 0;
  let dns: DnsResolver;
  let directoryClient: DirectoryClient;
  const agents: Agent[] = [];

  function agentOf(account: Credential): Agent {
    const agent = createTlsAgent({ rootCaPem, servername: fqdn, credential: account });
    agents.push(agent);
    return agent;
  }

  function newAccount(): Promise<Credential> {
    return requestCredential(accountFqdn(NETWORK, randomUUID()), rootCaPem, async (csrPem) => {
      return (await directoryClient.registerAccount({ csrPem, port: 443 })).chainPem;
    });
  }

  /** Asks for the member TLS cert of `memberId`; resolves with the status and the error, if any. */
  async function askMember(
    account: Credential,
    memberId: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ status: number; code?: string; path?: string; message?: string }> {
    const csr = await createCsr(memberFqdn(NETWORK, serviceId, memberId), await generateKeyPair());
    try {
      await requestJson(agentOf(account), new URL(MEMBER_PATH, serviceUrl), {
        method: 'POST',
        body: { csr, port: 4444, ...extra },
      });
      return { status: 200 };
    } catch (err) {
      const e = err as { status: number; code: string; path?: string; message: string };
      return { status: e.status, code: e.code, message: e.message, ...(e.path ? { path: e.path } : {}) };
    }
  }

  before(async () => {
    const temp = await tempDir('member-quota');
    cleanup = temp.remove;
    const dirData = join(temp.dir, 'directory');
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
    const serviceData = join(temp.dir, 'service');
    await byodaJson([
      ...['service', 'init', '--local-secrets', '--data', serviceData, '--contract', CONTRACT],
      ...['--directory', directoryUrl, '--root-ca', rootCaPath],
    ]);
    service = await startServer([
      'service',
      'start',
      '--data',
      serviceData,
      '--max-members-per-account',
      '2',
    ]);
    serviceUrl = String(service.ready['url']);
    fqdn = String(service.ready['fqdn']);
    serviceId = Number(service.ready['service_id']);
  });

  after(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await directoryClient?.close();
    await service?.stop();
    await directory?.stop();
    await cleanup();
  });

  it('gives an account its quota of member ids, then refuses a new one with 403 naming the quota', async () => {
    const account = await newAccount();
    const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
    assert.equal((await askMember(account, first)).status, 200);
    assert.equal((await askMember(account, second)).status, 200);
    const refused = await askMember(account, third);
    assert.equal(refused.status, 403);
    assert.equal(refused.code, 'BYODA_ERR_MEMBER_QUOTA');
    assert.match(refused.message ?? '', /holds 2 member id\(s\) of this service.*member quota/);
    await assert.rejects(dns.resolveA(memberFqdn(NETWORK, serviceId, third)), 'nothing published for it');
    // A renewal is no new member id, and the quota is per account.
    assert.equal((await askMember(account, first)).status, 200);
    assert.equal((await askMember(await newAccount(), third)).status, 200);
  });

  it('refuses an address the directory could never publish with 400 at body/address, counting nothing', async () => {
    const account = await newAccount();
    for (const [address, why] of [
      ['224.0.0.1', /multicast/],
      ['255.255.255.255', /broadcast/],
      ['0.0.0.0', /unspecified/],
      ['fe80::1', /link-local/],
      ['ff02::1', /multicast/],
    ] as const) {
      const reply = await askMember(account, randomUUID(), { address });
      assert.equal(reply.status, 400, address);
      assert.equal(reply.code, 'BYODA_ERR_BAD_REQUEST');
      assert.equal(reply.path, 'body/address');
      assert.match(reply.message ?? '', why);
    }
    // None of the refusals took a member id of the quota.
    assert.equal((await askMember(account, randomUUID(), { address: '127.0.0.3' })).status, 200);
    const id = randomUUID();
    assert.equal((await askMember(account, id, { address: '10.0.0.7' })).status, 200);
    assert.deepEqual(await dns.resolveA(memberFqdn(NETWORK, serviceId, id)), ['10.0.0.7']);
  });
});
