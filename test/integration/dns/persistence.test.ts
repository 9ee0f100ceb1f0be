import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DnsServer, SqliteZoneStore, Zone, createResolver } from '../../../src/dns/index.js';
import type { DnsResolver } from '../../../src/dns/index.js';
import { TcpDnsClient, queryPacket } from './dns-clients.js';

const ACCOUNT = '0f8e2b6a-3c1d-4e5f-8a9b-0c1d2e3f4a5b.accounts.byoda.test';
const MEMBER = '7d2c9e4f-1a3b-4c5d-9e8f-7a6b5c4d3e2f.members-4294929430.byoda.test';

interface Running {
  readonly zone: Zone;
  readonly server: DnsServer;
  readonly port: number;
  readonly resolver: DnsResolver;
}

/** What the directory does at start: open the zone file, then serve it. */
async function startDirectoryDns(file: string, port = 0): Promise<Running> {
  const zone = new Zone({
    domain: 'byoda.test',
    store: new SqliteZoneStore(file),
    nameServerAddress: { a: '127.0.0.1' },
  });
  const server = new DnsServer({ zone });
  const address = await server.start({ host: '127.0.0.1', port });
  return {
    zone,
    server,
    port: address.port,
    resolver: createResolver({ host: '127.0.0.1', port: address.port }),
  };
}

async function stopDirectoryDns(running: Running | undefined): Promise<void> {
  await running?.server.stop();
  running?.zone.close();
}

async function answers(running: Running): Promise<unknown> {
  const client = await TcpDnsClient.connect(running.port);
  const soa = await client.query(queryPacket('byoda.test', 'SOA'));
  client.close();
  return {
    account: [await running.resolver.resolveA(ACCOUNT), await running.resolver.resolveAaaa(ACCOUNT)],
    member: await running.resolver.resolveA(MEMBER),
    serial: soa.answers?.[0]?.type === 'SOA' ? soa.answers[0].data.serial : undefined,
  };
}

describe('DNS zone on SQLite across a directory restart', () => {
  let dir = '';
  const started: Running[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-dns-restart-'));
  });

  after(async () => {
    for (const running of started) await stopDirectoryDns(running);
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the same answers from a new server on the same file and port', async () => {
    const file = join(dir, 'dns', 'zone.sqlite');
    const first = await startDirectoryDns(file);
    started.push(first);
    first.zone.setAddress(ACCOUNT, { a: '127.0.0.11', aaaa: '::1' });
    first.zone.setAddress(MEMBER, { a: '127.0.0.12' });
    first.zone.setAddress(MEMBER, { a: '127.0.0.13' }); // re-registration: the last address counts
    const before = await answers(first);
    assert.deepEqual(before, {
      account: [['127.0.0.11'], ['::1']],
      member: ['127.0.0.13'],
      serial: first.zone.serial,
    });
    await stopDirectoryDns(started.pop());

    const second = await startDirectoryDns(file, first.port);
    started.push(second);
    assert.equal(second.port, first.port);
    assert.deepEqual(await answers(second), before);
  });
});
