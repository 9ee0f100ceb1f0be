/**
 * The directory on PostgreSQL with PowerDNS behind it (issue 16): a real `pdns_server` with
 * `launch=gpgsql` on the directory's database answers every name the built-in server answers, with the
 * same TTLs, and SOA serials that move on change; the directory restarts from the database, runs
 * without a DNS server of its own (`dns: 'none'`) and refuses a bad `--store` with a clear error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DirectoryServer } from '../../../src/directory/index.js';
import { byodaSrvName } from '../../../src/dns/index.js';
import type { DirectoryClient } from '../../../src/network/index.js';
import { accountFqdn, createNetworkPki } from '../../../src/pki/index.js';
import { pdnsMissing, startPdns } from '../../fixtures/pdns.js';
import type { TestPdns } from '../../fixtures/pdns.js';
import { findPostgres } from '../../fixtures/postgres.js';
import { NETWORK, client, newAccount } from './harness.js';

const run = promisify(execFile);
const postgres = await findPostgres();
const missing = typeof postgres === 'string' ? postgres : await pdnsMissing();

/** `dig` answer lines without the TTL-independent noise: `name ttl class type data`, sorted. */
async function dig(port: number, name: string, type: string): Promise<{ status: string; answer: string[] }> {
  const args = ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=2', '+norecurse', name, type];
  const { stdout } = await run('dig', args);
  const status = /status: (\w+)/.exec(stdout)?.[1] ?? 'none';
  const { stdout: answer } = await run('dig', [...args, '+noall', '+answer']);
  return { status, answer: answer.split('\n').filter(Boolean).map(normalise).sort() };
}

const normalise = (line: string): string => line.trim().split(/\s+/).join(' ');

const soaSerial = async (port: number): Promise<number> =>
  Number((await dig(port, NETWORK, 'SOA')).answer[0]?.split(' ')[6]);

describe('directory on PostgreSQL with PowerDNS', { skip: missing ?? false }, () => {
  let dir = '';
  let databaseUrl = '';
  let pdns: TestPdns;
  let directory = new DirectoryServer();
  let dnsPort = 0;
  let directoryClient: DirectoryClient;
  let accountId = '';

  before(async () => {
    if (typeof postgres === 'string') return;
    dir = await mkdtemp(join(tmpdir(), 'byoda-directory-pg-'));
    await createNetworkPki(join(dir, 'pki'), NETWORK, 'passphrase');
    databaseUrl = await postgres.createDatabase();
    const address = await directory.start({ dataDir: dir, passphrase: 'passphrase', store: databaseUrl });
    assert.equal(address.store, 'postgres');
    dnsPort = address.dnsPort;
    directoryClient = client(address.url, await readFile(address.rootCaPath, 'utf8'));
    accountId = (await newAccount(directoryClient, { port: 4100 })).accountId;
    pdns = await startPdns(databaseUrl, NETWORK);
  });

  after(async () => {
    await directoryClient?.close();
    await directory.stop();
    await pdns?.stop();
    if (typeof postgres !== 'string') await postgres.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers what the built-in server answers: A, SRV, SOA, NS and NXDOMAIN, with the same TTLs', async () => {
    const fqdn = accountFqdn(NETWORK, accountId);
    const questions: [string, string][] = [
      [fqdn, 'A'],
      [byodaSrvName(fqdn), 'SRV'],
      [NETWORK, 'SOA'],
      [NETWORK, 'NS'],
      [`dir.${NETWORK}`, 'A'],
      [`nobody.accounts.${NETWORK}`, 'A'],
      [fqdn, 'AAAA'],
    ];
    for (const [name, type] of questions) {
      const builtin = await dig(dnsPort, name, type);
      const powerdns = await dig(pdns.port, name, type);
      assert.deepEqual(powerdns, builtin, `${name} ${type}`);
    }
    assert.deepEqual((await dig(pdns.port, fqdn, 'A')).answer, [`${fqdn}. 300 IN A 127.0.0.1`]);
    assert.match((await dig(pdns.port, byodaSrvName(fqdn), 'SRV')).answer[0] ?? '', / 0 0 4100 /);
    assert.equal((await dig(pdns.port, `nobody.accounts.${NETWORK}`, 'A')).status, 'NXDOMAIN');
  });

  it('moves the SOA serial on a change, the same on both servers', async () => {
    const before = await soaSerial(pdns.port);
    await newAccount(directoryClient, { port: 4200 });
    const after = await soaSerial(pdns.port);
    assert.ok(after > before, `${after} > ${before}`);
    assert.equal(await soaSerial(dnsPort), after, 'the built-in server reports the same serial');
  });

  it('comes back from the database after a restart, and runs without a DNS server of its own', async () => {
    await directoryClient.close();
    await directory.stop();
    directory = new DirectoryServer();
    const address = await directory.start({
      dataDir: dir,
      passphrase: 'passphrase',
      store: databaseUrl,
      dns: 'none',
    });
    assert.equal(address.dnsPort, 0);
    directoryClient = client(address.url, await readFile(address.rootCaPath, 'utf8'));
    const fresh = await newAccount(directoryClient, { port: 4300 });
    const fqdn = accountFqdn(NETWORK, fresh.accountId);
    assert.deepEqual((await dig(pdns.port, fqdn, 'A')).answer, [`${fqdn}. 300 IN A 127.0.0.1`]);
    const old = accountFqdn(NETWORK, accountId);
    assert.equal((await dig(pdns.port, old, 'A')).answer.length, 1, 'the first account is still there');
  });

  it('refuses a store URL it cannot use, naming it without the password', async () => {
    const other = new DirectoryServer();
    await assert.rejects(other.start({ dataDir: dir, passphrase: 'passphrase', store: 'mysql://x/y' }), {
      code: 'BYODA_ERR_CONFIG',
      message: /--store must start with sqlite: or postgres:\/\//,
    });
    await assert.rejects(
      other.start({ dataDir: dir, passphrase: 'passphrase', store: 'postgres://u:secret@127.0.0.1:1/db' }),
      (err: Error) => {
        assert.equal((err as { code?: string }).code, 'BYODA_ERR_CONFIG');
        assert.ok(!err.message.includes('secret'), err.message);
        assert.match(err.message, /cannot open the directory database/);
        return true;
      },
    );
  });
});
