/**
 * What the directory publishes (docs/protocol.md, Directory API, "Addresses"): never an address
 * nobody can connect to, and loopback only in a local network. A directory that does not publish
 * loopback (`publishLoopback: false`, what a directory on a public address gets by default) refuses
 * it with 400 at `body/address`, whether the address was given or is the request's source.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryServer } from '../../../src/directory/index.js';
import type { DirectoryAddress } from '../../../src/directory/index.js';
import { createResolver } from '../../../src/dns/index.js';
import { accountFqdn, createCsr, createNetworkPki, generateKeyPair } from '../../../src/pki/index.js';
import { NETWORK, client, newAccount, raw, rawAgent } from './harness.js';

describe('addresses the directory publishes', () => {
  let dir = '';
  const local = new DirectoryServer();
  const strict = new DirectoryServer();
  let localAddress: DirectoryAddress;
  let strictAddress: DirectoryAddress;
  let rootCaPem = '';
  let strictRootCaPem = '';
  const closers: (() => Promise<void>)[] = [];

  async function postAccount(address: DirectoryAddress, body: Record<string, unknown>) {
    const agent = rawAgent(address === strictAddress ? strictRootCaPem : rootCaPem);
    closers.push(() => agent.close());
    return raw(agent, `${address.url}/api/v1/network/account`, 'POST', body);
  }

  async function accountCsr(): Promise<{ fqdn: string; csr: string }> {
    const fqdn = accountFqdn(NETWORK, crypto.randomUUID());
    return { fqdn, csr: await createCsr(fqdn, await generateKeyPair()) };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-address-policy-'));
    await createNetworkPki(join(dir, 'pki'), NETWORK, 'passphrase');
    localAddress = await local.start({ dataDir: dir, passphrase: 'passphrase' });
    rootCaPem = await readFile(localAddress.rootCaPath, 'utf8');
    const strictDir = await mkdtemp(join(tmpdir(), 'byoda-address-policy-strict-'));
    closers.push(() => rm(strictDir, { recursive: true, force: true }));
    await createNetworkPki(join(strictDir, 'pki'), NETWORK, 'passphrase');
    strictAddress = await strict.start({
      dataDir: strictDir,
      passphrase: 'passphrase',
      publishLoopback: false,
    });
    strictRootCaPem = await readFile(strictAddress.rootCaPath, 'utf8');
  });

  after(async () => {
    await Promise.all(closers.map((close) => close()));
    await Promise.all([local.stop(), strict.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses unspecified, multicast, broadcast, reserved and link-local addresses with 400 at body/address', async () => {
    const refused: [string, RegExp][] = [
      ['0.0.0.0', /unspecified/],
      ['::', /unspecified/],
      ['224.0.0.251', /multicast/],
      ['ff02::fb', /multicast/],
      ['255.255.255.255', /broadcast/],
      ['240.1.2.3', /reserved/],
      ['169.254.0.1', /link-local/],
      ['fe80::1', /link-local/],
    ];
    for (const [address, why] of refused) {
      const { fqdn, csr } = await accountCsr();
      const reply = await postAccount(localAddress, { csr, address, port: 443 });
      assert.equal(reply.status, 400, address);
      assert.equal(reply.body.error?.code, 'BYODA_ERR_BAD_REQUEST');
      assert.equal(reply.body.error?.path, 'body/address');
      assert.match(reply.body.error?.message ?? '', why, address);
      // Refused before signing: the name is not published and the account id is still free.
      const dns = createResolver({ host: localAddress.dnsHost, port: localAddress.dnsPort });
      await assert.rejects(dns.resolveA(fqdn));
    }
  });

  it('publishes loopback and private addresses in a local network', async () => {
    const anonymous = client(localAddress.url, rootCaPem);
    closers.push(() => anonymous.close());
    const dns = createResolver({ host: localAddress.dnsHost, port: localAddress.dnsPort });
    for (const address of ['127.0.0.9', '10.1.2.3']) {
      const { accountId } = await newAccount(anonymous, { address, port: 443 });
      assert.deepEqual(await dns.resolveA(accountFqdn(NETWORK, accountId)), [address]);
    }
  });

  it('refuses loopback, given or as the source address, when the directory is not local', async () => {
    for (const body of [{ address: '127.0.0.1' }, { address: '::1' }, {}]) {
      const { csr } = await accountCsr();
      const reply = await postAccount(strictAddress, { csr, port: 443, ...body });
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.equal(reply.body.error?.path, 'body/address');
      assert.match(reply.body.error?.message ?? '', /loopback/);
    }
    const { csr } = await accountCsr();
    const reply = await postAccount(strictAddress, { csr, port: 443 });
    assert.match(reply.body.error?.message ?? '', /the request's source address 127\.0\.0\.1/);
    // What a LAN deployment uses is published there too.
    const { csr: lan } = await accountCsr();
    assert.equal(
      (await postAccount(strictAddress, { csr: lan, port: 443, address: '192.168.1.20' })).status,
      200,
    );
  });
});
