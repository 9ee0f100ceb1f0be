/**
 * The directory as users run it: `byoda network init` and `byoda directory start` as real processes,
 * pods registering through the DirectoryClient, and the answers checked with Node's resolver, `dig`
 * and `openssl verify`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byodaSrvName } from '../../../src/dns/index.js';
import { DirectoryClient, certificateFingerprint } from '../../../src/network/index.js';
import type { DirectoryService } from '../../../src/network/index.js';
import {
  accountFqdn,
  createCsr,
  createServicePki,
  generateKeyPair,
  serviceFqdn,
  splitPemBundle,
} from '../../../src/pki/index.js';
import type { ServicePki } from '../../../src/pki/index.js';
import {
  client,
  digShort,
  newAccount,
  nodeResolver,
  NETWORK,
  run,
  startDirectoryProcess,
} from './harness.js';
import type { DirectoryProcess } from './harness.js';

const SERVICE_ID = 4242;

describe('directory process', () => {
  let dir = '';
  let directory: DirectoryProcess;
  let rootCaPem = '';
  let anonymous: DirectoryClient;
  const clients: DirectoryClient[] = [];
  const track = (c: DirectoryClient): DirectoryClient => (clients.push(c), c);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-directory-'));
    directory = await startDirectoryProcess(join(dir, 'net'));
    rootCaPem = await readFile(directory.ready.root_ca, 'utf8');
    anonymous = track(client(directory.ready.url, rootCaPem));
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    if (directory) {
      const code = await directory.stop();
      assert.equal(code, 0, 'the directory exits 0 on SIGTERM');
      assert.deepEqual(JSON.parse(directory.laterLines.at(-1) ?? '{}'), {
        event: 'stopped',
        signal: 'SIGTERM',
      });
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a ready line naming the network, its ports and root CA', () => {
    const { ready } = directory;
    assert.equal(ready.network, NETWORK);
    assert.match(ready.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(ready.dns.host, '127.0.0.1');
    assert.ok(ready.port > 0 && ready.dns.port > 0);
  });

  it('serves its root CA to a client without one, pinned by fingerprint', async () => {
    const fingerprint = certificateFingerprint(rootCaPem);
    assert.equal(
      await DirectoryClient.fetchRootCa(directory.ready.url, { expectedFingerprint: fingerprint }),
      rootCaPem,
    );
    await assert.rejects(
      DirectoryClient.fetchRootCa(directory.ready.url, { expectedFingerprint: 'ab'.repeat(32) }),
      { code: 'BYODA_ERR_CERT_CHAIN' },
    );
  });

  it('publishes its own name in its zone', async () => {
    assert.deepEqual(await nodeResolver(directory.ready.dns.port).resolve4(`dir.${NETWORK}`), ['127.0.0.1']);
  });

  describe('an account', () => {
    let accountId = '';
    let fqdn = '';
    let chainPem = '';
    let accountClient: DirectoryClient;

    before(async () => {
      const account = await newAccount(anonymous, { address: '127.0.0.2', port: 4443 });
      accountId = account.accountId;
      fqdn = accountFqdn(NETWORK, accountId);
      chainPem = account.credential.chainPem;
      accountClient = track(client(directory.ready.url, rootCaPem, account.credential));
    });

    it('gets a chain that openssl verifies against the root', async () => {
      const [leaf, ...intermediates] = splitPemBundle(chainPem);
      assert.ok(leaf && intermediates.length === 1);
      await writeFile(join(dir, 'leaf.pem'), leaf);
      await writeFile(join(dir, 'chain.pem'), intermediates.join(''));
      const { stdout } = await run('openssl', [
        'verify',
        '-CAfile',
        directory.ready.root_ca,
        '-untrusted',
        join(dir, 'chain.pem'),
        join(dir, 'leaf.pem'),
      ]);
      assert.match(stdout, /: OK/);
    });

    it('resolves through Node’s resolver and dig: A and SRV', async () => {
      const resolver = nodeResolver(directory.ready.dns.port);
      assert.deepEqual(await resolver.resolve4(fqdn), ['127.0.0.2']);
      assert.deepEqual(await resolver.resolveSrv(byodaSrvName(fqdn)), [
        { name: fqdn, port: 4443, priority: 0, weight: 0 },
      ]);
      assert.equal(await digShort(directory.ready.dns.port, fqdn, 'A'), '127.0.0.2');
      assert.equal(await digShort(directory.ready.dns.port, byodaSrvName(fqdn), 'SRV'), `0 0 4443 ${fqdn}.`);
    });

    it('moves when it re-registers with its own certificate', async () => {
      const registration = await accountClient.updateAccount({ address: '127.0.0.3', port: 4444 });
      assert.deepEqual(registration, { fqdn, address: '127.0.0.3', port: 4444 });
      assert.deepEqual(await nodeResolver(directory.ready.dns.port).resolve4(fqdn), ['127.0.0.3']);
      assert.equal(await digShort(directory.ready.dns.port, fqdn, 'A'), '127.0.0.3');
      assert.equal(await digShort(directory.ready.dns.port, byodaSrvName(fqdn), 'SRV'), `0 0 4444 ${fqdn}.`);
    });

    it('cannot be re-registered without its certificate, nor with another account’s', async () => {
      const csrPem = await createCsr(fqdn, await generateKeyPair());
      await assert.rejects(anonymous.registerAccount({ csrPem, address: '10.6.6.6' }), {
        code: 'BYODA_ERR_FORBIDDEN',
        status: 403,
      });
      const other = await newAccount(anonymous);
      const otherClient = track(client(directory.ready.url, rootCaPem, other.credential));
      await assert.rejects(otherClient.registerAccount({ csrPem, address: '10.6.6.6' }), { status: 403 });
      assert.deepEqual(await nodeResolver(directory.ready.dns.port).resolve4(fqdn), ['127.0.0.3']);
    });

    it('gets a data cert with its own certificate only', async () => {
      const dataCsr = await createCsr(`${accountId}.accounts-data.${NETWORK}`, await generateKeyPair());
      await assert.rejects(anonymous.registerAccount({ csrPem: dataCsr }), { status: 403 });
      const { chainPem: dataChain } = await accountClient.registerAccount({ csrPem: dataCsr });
      assert.equal(splitPemBundle(dataChain).length, 2);
    });
  });

  describe('a service', () => {
    let service: ServicePki;

    before(async () => {
      service = await createServicePki(join(dir, 'service'), {
        serviceId: SERVICE_ID,
        rootCaPem,
        passphrase: 'service passphrase',
        signServiceCaCsr: async (csrPem) =>
          (await anonymous.registerService({ csrPem, name: 'test service' })).chainPem,
      });
    });

    it('is listed once its CA is signed', async () => {
      const expected: DirectoryService = {
        serviceId: SERVICE_ID,
        name: 'test service',
        version: undefined,
        fqdn: serviceFqdn(NETWORK, SERVICE_ID),
      };
      assert.deepEqual(await anonymous.listServices(), [expected]);
    });

    it('publishes its address, port and version with its TLS certificate', async () => {
      const serviceClient = track(client(directory.ready.url, rootCaPem, service.tls));
      await serviceClient.updateService(SERVICE_ID, { name: 'test service', version: 1, port: 5443 });
      const fqdn = serviceFqdn(NETWORK, SERVICE_ID);
      assert.equal(await digShort(directory.ready.dns.port, fqdn, 'A'), '127.0.0.1');
      assert.equal(await digShort(directory.ready.dns.port, byodaSrvName(fqdn), 'SRV'), `0 0 5443 ${fqdn}.`);
      assert.equal((await anonymous.listServices())[0]?.version, 1);
    });
  });
});
