import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createResolver, DnsServer, SqliteZoneStore, Zone, byodaSrvName } from '../../../src/dns/index.js';
import { NO_DIG, dig, digAvailable } from './dns-clients.js';

const SERVICE = 'service.service-12.byoda.test';

describe('SRV over the wire', () => {
  const zone = new Zone({ domain: 'byoda.test', nameServerAddress: { a: '127.0.0.1' } });
  const server = new DnsServer({ zone });
  let port = 0;
  let hasDig = false;

  before(async () => {
    zone.setAddress(SERVICE, { a: '127.0.0.1' });
    zone.setService(byodaSrvName(SERVICE), { port: 40123 });
    ({ port } = await server.start({ host: '127.0.0.1', port: 0 }));
    hasDig = await digAvailable();
  });

  after(async () => {
    await server.stop();
    zone.close();
  });

  it('is read by Node’s resolver through the resolver helper', async () => {
    const resolver = createResolver({ host: '127.0.0.1', port });
    assert.deepEqual(await resolver.resolveSrv(byodaSrvName(SERVICE)), [
      { target: SERVICE, port: 40123, priority: 0, weight: 0 },
    ]);
    assert.deepEqual(await resolver.resolveSrv(SERVICE), []);
    await assert.rejects(resolver.resolveSrv(byodaSrvName('nobody.byoda.test')), { code: 'BYODA_ERR_DNS' });
  });

  it('is answered to dig over UDP and TCP, with the target’s address as additional', async (t) => {
    if (!hasDig) return t.skip(NO_DIG);
    for (const transport of ['+notcp', '+tcp']) {
      const out = await dig(
        port,
        transport,
        '+noall',
        '+answer',
        '+additional',
        byodaSrvName(SERVICE),
        'SRV',
      );
      assert.match(
        out,
        /_byoda\._tcp\.service\.service-12\.byoda\.test\.\s+300\s+IN\s+SRV\s+0 0 40123 service\.service-12\.byoda\.test\./,
      );
      assert.match(out, /service\.service-12\.byoda\.test\.\s+300\s+IN\s+A\s+127\.0\.0\.1/);
    }
  });
});

describe('SQLite zone store migration', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-dns-migrate-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('upgrades a version-1 file (A/AAAA only) and keeps its records', () => {
    const file = join(dir, 'dns.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE records (name TEXT NOT NULL, type TEXT NOT NULL CHECK (type IN ('A', 'AAAA')),
      value TEXT NOT NULL, ttl INTEGER NOT NULL CHECK (ttl >= 0), PRIMARY KEY (name, type, value));
      CREATE TABLE zone_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT INTO records VALUES ('${SERVICE}', 'A', '10.0.0.1', 60);
      INSERT INTO zone_meta VALUES ('serial', 7);`);
    old.pragma('user_version = 1');
    old.close();
    const store = new SqliteZoneStore(file);
    const zone = new Zone({ domain: 'byoda.test', store });
    assert.equal(zone.serial, 7);
    assert.equal(zone.lookup(SERVICE, 'A').status, 'answer');
    zone.setService(byodaSrvName(SERVICE), { port: 443 });
    zone.close();
    const reopened = new Zone({ domain: 'byoda.test', store: new SqliteZoneStore(file) });
    assert.equal(reopened.lookup(byodaSrvName(SERVICE), 'SRV').status, 'answer');
    reopened.close();
  });
});
