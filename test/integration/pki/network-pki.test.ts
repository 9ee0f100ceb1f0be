import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  accountDataCn,
  accountFqdn,
  createNetworkPki,
  createServicePki,
  memberDataCn,
  memberFqdn,
  networkPkiExists,
  openNetworkPki,
  openServicePki,
  readCredential,
  requestCredential,
  serviceCaCn,
  servicePkiExists,
  splitPemBundle,
  verifyChainBundle,
  writeCredential,
  writeRootCaCert,
} from '../../../src/pki/index.js';
import { NETWORK, SERVICE_ID, csrFor, newId, tempDir } from '../../fixtures/pki.js';
import type { CsrSigner, NetworkPki, ServicePki } from '../../../src/pki/index.js';

const run = promisify(execFile);
const PASSPHRASE = 'test passphrase';

/** Every chain file the project writes, by kind, relative to the test folder. */
const CHAIN_FILES: ReadonlyArray<[kind: string, file: string, purposes: readonly string[]]> = [
  ['accounts CA', 'directory/accounts-ca.pem', []],
  ['services CA', 'directory/services-ca.pem', []],
  ['network data', 'directory/network-data.pem', []],
  ['directory TLS', 'directory/directory.pem', ['sslserver']],
  ['service CA', 'service/service-ca.pem', []],
  ['members CA', 'service/members-ca.pem', []],
  ['apps CA', 'service/apps-ca.pem', []],
  ['service TLS', 'service/service.pem', ['sslserver', 'sslclient']],
  ['service data', 'service/service-data.pem', []],
  ['account TLS', 'pod/account.pem', ['sslserver', 'sslclient']],
  ['account data', 'pod/account-data.pem', []],
  ['member TLS', `pod/member-${SERVICE_ID}.pem`, ['sslserver', 'sslclient']],
  ['member data', `pod/member-data-${SERVICE_ID}.pem`, []],
];

/** `openssl verify` of a chain file's first certificate, with the file as untrusted intermediates. */
async function opensslVerify(root: string, chainFile: string, purpose?: string): Promise<string> {
  const leafFile = `${chainFile}.leaf`;
  const [leaf] = splitPemBundle(await readFile(chainFile, 'utf8'));
  assert.ok(leaf, `${chainFile} holds a certificate`);
  await writeFile(leafFile, leaf);
  const args = ['verify', '-x509_strict', '-CAfile', root, '-untrusted', chainFile];
  const { stdout } = await run('openssl', [...args, ...(purpose ? ['-purpose', purpose] : []), leafFile]);
  return stdout.trim();
}

describe('network PKI on disk', () => {
  let dir = '';
  let remove = async (): Promise<void> => {};
  let network: NetworkPki;
  let service: ServicePki;
  const accountId = newId();
  const memberId = newId();

  before(async () => {
    ({ dir, remove } = await tempDir('network-pki'));
    network = await createNetworkPki(join(dir, 'directory'), NETWORK, PASSPHRASE);
    // In the servers these callbacks are HTTP requests; here they call the CAs directly.
    const toDirectory: CsrSigner = async (csr) => (await network.signServiceCaCsr(csr, SERVICE_ID)).chainPem;
    service = await createServicePki(join(dir, 'service'), {
      serviceId: SERVICE_ID,
      rootCaPem: network.rootCaPem,
      passphrase: PASSPHRASE,
      signServiceCaCsr: toDirectory,
    });
    const podDir = join(dir, 'pod');
    const toAccountsCa: CsrSigner = async (csr) => (await network.signAccountCsr(csr, accountId)).chainPem;
    const toMembersCa: CsrSigner = async (csr) => (await service.signMemberCsr(csr, memberId)).chainPem;
    const pod: Array<[string, string, CsrSigner]> = [
      ['account', accountFqdn(NETWORK, accountId), toAccountsCa],
      ['account-data', accountDataCn(NETWORK, accountId), toAccountsCa],
      [`member-${SERVICE_ID}`, memberFqdn(NETWORK, SERVICE_ID, memberId), toMembersCa],
      [`member-data-${SERVICE_ID}`, memberDataCn(NETWORK, SERVICE_ID, memberId), toMembersCa],
    ];
    await writeRootCaCert(podDir, network.rootCaPem);
    for (const [name, cn, sign] of pod) {
      await writeCredential(podDir, name, await requestCredential(cn, network.rootCaPem, sign), PASSPHRASE);
    }
  });
  after(() => remove());

  describe('every chain written passes openssl verify against the root alone', () => {
    for (const [kind, file, purposes] of CHAIN_FILES) {
      it(kind, async () => {
        const root = join(dir, 'directory', 'root-ca.pem');
        const chain = join(dir, file);
        assert.match(await opensslVerify(root, chain), /: OK$/);
        for (const purpose of purposes) assert.match(await opensslVerify(root, chain, purpose), /: OK$/);
        assert.ok(await verifyChainBundle(await readFile(chain, 'utf8'), network.rootCaPem));
      });
    }

    it('and openssl refuses them against another network root (the check is not vacuous)', async () => {
      const other = await tempDir('other-network');
      try {
        await createNetworkPki(other.dir, 'other.test', PASSPHRASE);
        await assert.rejects(
          opensslVerify(join(other.dir, 'root-ca.pem'), join(dir, `pod/member-${SERVICE_ID}.pem`)),
        );
      } finally {
        await other.remove();
      }
    });
  });

  describe('files', () => {
    it('writes chains without the root, leaf first', async () => {
      const chain = splitPemBundle(await readFile(join(dir, `pod/member-${SERVICE_ID}.pem`), 'utf8'));
      assert.equal(chain.length, 4); // member, members CA, service CA, services CA
      assert.ok(!chain.includes(network.rootCaPem));
    });

    it('keeps every private key encrypted in a file of mode 0600', async () => {
      for (const folder of ['directory', 'service', 'pod']) {
        const keys = (await readdir(join(dir, folder))).filter((f) => f.endsWith('.key'));
        assert.ok(keys.length >= 4, folder);
        for (const key of keys) {
          const path = join(dir, folder, key);
          assert.equal((await stat(path)).mode & 0o777, 0o600, path);
          assert.match(await readFile(path, 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
        }
      }
    });

    it('puts the same root-ca.pem in every folder', async () => {
      for (const folder of ['directory', 'service', 'pod']) {
        assert.equal(await readFile(join(dir, folder, 'root-ca.pem'), 'utf8'), network.rootCaPem);
      }
    });
  });

  describe('reopening', () => {
    it('opens the network PKI and keeps issuing with it', async () => {
      assert.equal(await networkPkiExists(join(dir, 'directory')), true);
      const reopened = await openNetworkPki(join(dir, 'directory'), PASSPHRASE);
      assert.equal(reopened.network, NETWORK);
      assert.equal(reopened.rootCaPem, network.rootCaPem);
      const cn = accountFqdn(NETWORK, newId());
      const issued = await reopened.signAccountCsr((await csrFor(cn)).csrPem);
      assert.equal((await verifyChainBundle(issued.chainPem, network.rootCaPem)).type, 'account');
    });

    it('opens the service PKI and keeps issuing with it', async () => {
      const reopened = await openServicePki(join(dir, 'service'), PASSPHRASE);
      assert.equal(reopened.serviceId, SERVICE_ID);
      assert.equal(reopened.network, NETWORK);
      const cn = memberFqdn(NETWORK, SERVICE_ID, newId());
      const issued = await reopened.signMemberCsr((await csrFor(cn)).csrPem);
      assert.equal((await verifyChainBundle(issued.chainPem, network.rootCaPem)).type, 'member');
    });

    it('reads a pod credential back', async () => {
      const credential = await readCredential(join(dir, 'pod'), 'account', PASSPHRASE);
      assert.deepEqual(credential.identity, { type: 'account', network: NETWORK, accountId });
    });

    it('refuses a wrong passphrase', async () => {
      await assert.rejects(openNetworkPki(join(dir, 'directory'), 'wrong'), {
        code: 'BYODA_ERR_KEY_PASSPHRASE',
      });
      await assert.rejects(openServicePki(join(dir, 'service'), 'wrong'), {
        code: 'BYODA_ERR_KEY_PASSPHRASE',
      });
    });

    it('refuses to create a network or service PKI over an existing one', async () => {
      await assert.rejects(createNetworkPki(join(dir, 'directory'), NETWORK, PASSPHRASE), {
        code: 'BYODA_ERR_PKI',
        message: /already exists/,
      });
      assert.equal(await servicePkiExists(join(dir, 'service')), true);
      const options = {
        serviceId: SERVICE_ID,
        rootCaPem: network.rootCaPem,
        passphrase: PASSPHRASE,
        signServiceCaCsr: async (): Promise<string> => assert.fail('must not ask the directory'),
      };
      await assert.rejects(createServicePki(join(dir, 'service'), options), {
        code: 'BYODA_ERR_PKI',
        message: /already exists/,
      });
    });

    it('refuses to open a folder whose certificates belong to another network', async () => {
      const other = await tempDir('mixed-network');
      try {
        const foreign = await createNetworkPki(other.dir, 'other.test', PASSPHRASE);
        await writeCredential(other.dir, 'directory', network.directoryTls, PASSPHRASE);
        assert.equal(foreign.network, 'other.test');
        await assert.rejects(openNetworkPki(other.dir, PASSPHRASE), { code: 'BYODA_ERR_CERT_CHAIN' });
      } finally {
        await other.remove();
      }
    });
  });

  describe('server-facing signing', () => {
    it('signs account CSRs only for the account asked about', async () => {
      const cn = accountFqdn(NETWORK, newId());
      await assert.rejects(network.signAccountCsr((await csrFor(cn)).csrPem, accountId), {
        code: 'BYODA_ERR_CSR',
        message: new RegExp(cn),
      });
    });

    it('signs service CA CSRs only for the service asked about', async () => {
      const cn = serviceCaCn(NETWORK, SERVICE_ID - 1);
      await assert.rejects(network.signServiceCaCsr((await csrFor(cn)).csrPem, SERVICE_ID), {
        code: 'BYODA_ERR_CSR',
      });
    });

    it("refuses a member CSR of another service at this service's members CA", async () => {
      const cn = memberFqdn(NETWORK, SERVICE_ID - 1, newId());
      await assert.rejects(service.signMemberCsr((await csrFor(cn)).csrPem), {
        code: 'BYODA_ERR_CSR',
        message: /may not issue/,
      });
    });

    it('makes a requester refuse a chain that certifies someone else', async () => {
      const someoneElse = (await network.signAccountCsr((await csrFor(accountFqdn(NETWORK, newId()))).csrPem))
        .chainPem;
      await assert.rejects(
        requestCredential(accountFqdn(NETWORK, newId()), network.rootCaPem, async () => someoneElse),
        { code: 'BYODA_ERR_PKI', message: /did not return a certificate of our key/ },
      );
    });
  });
});
