/**
 * `npm run bench:directory`: the directory on PostgreSQL at scale (issue 16). Bulk-loads 1,000,000
 * members with their A and SRV records into PowerDNS's tables, then measures member registration rate
 * over the real HTTPS API (mTLS, the service's certificate), PowerDNS answer latency (UDP queries for
 * random member names, with src/dns wire code) and the directory API's latency. A benchmark, not a
 * test: it prints and writes bench/results/directory-postgres.json. `BYODA_BENCH_MEMBERS` overrides
 * the count; PostgreSQL from BYODA_TEST_POSTGRES_URL or a throwaway cluster (test/fixtures/postgres.ts).
 */
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import pg from 'pg';
import { DirectoryServer } from '../src/directory/index.js';
import { DirectoryClient } from '../src/network/index.js';
import { createNetworkPki, createServicePki } from '../src/pki/index.js';
import { startPdns } from '../test/fixtures/pdns.js';
import { findPostgres } from '../test/fixtures/postgres.js';

const NETWORK = 'byoda.test';
const SERVICE_ID = 4242;
const MEMBERS = Number(process.env['BYODA_BENCH_MEMBERS'] ?? 1_000_000);
const REGISTRATIONS = 3000;
const CONCURRENCY = 8;
const DNS_QUERIES = 20_000;

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (values: number[]): { p50: number; p99: number; n: number } => {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), n: sorted.length };
};

async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

async function main(): Promise<void> {
  const postgres = await findPostgres();
  if (typeof postgres === 'string') throw new Error(postgres);
  const dir = await mkdtemp(join(tmpdir(), 'byoda-bench-dir-'));
  const url = await postgres.createDatabase();
  const directory = new DirectoryServer();
  try {
    await createNetworkPki(join(dir, 'pki'), NETWORK, 'p');
    const address = await directory.start({
      dataDir: dir,
      passphrase: 'p',
      store: url,
      dns: 'none',
      rateLimit: false,
    });
    const rootCaPem = await readFile(address.rootCaPath, 'utf8');
    const anonymous = new DirectoryClient({ url: address.url, network: NETWORK, rootCaPem });
    const service = await createServicePki(join(dir, 'service'), {
      serviceId: SERVICE_ID,
      rootCaPem,
      passphrase: 'p',
      signServiceCaCsr: async (csrPem) =>
        (await anonymous.registerService({ csrPem, name: 'bench' })).chainPem,
    });
    const asService = new DirectoryClient({
      url: address.url,
      network: NETWORK,
      rootCaPem,
      credential: service.tls,
    });

    // Bulk load, server side: members, then their A and SRV rows, as the directory itself writes them.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const loadStart = performance.now();
    await db.query(
      `INSERT INTO byoda_members (member_id, service_id, address, port)
       SELECT gen_random_uuid()::text, $1, '10.' || (i >> 16 & 255) || '.' || (i >> 8 & 255) || '.' || (i & 255), 443
       FROM generate_series(1, $2) AS i`,
      [SERVICE_ID, MEMBERS],
    );
    const suffix = `.members-${SERVICE_ID}.${NETWORK}`;
    await db.query(
      `INSERT INTO records (domain_id, name, type, content, ttl)
       SELECT (SELECT id FROM domains WHERE name = $1), member_id || $2, 'A', address, 300 FROM byoda_members`,
      [NETWORK, suffix],
    );
    await db.query(
      `INSERT INTO records (domain_id, name, type, content, ttl, prio)
       SELECT (SELECT id FROM domains WHERE name = $1), '_byoda._tcp.' || member_id || $2, 'SRV',
              '0 443 ' || member_id || $2, 300, 0 FROM byoda_members`,
      [NETWORK, suffix],
    );
    await db.query('ANALYZE');
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const sample = (
      await db.query<{ member_id: string }>(
        'SELECT member_id FROM byoda_members TABLESAMPLE SYSTEM (1) LIMIT 5000',
      )
    ).rows.map((row) => `${row.member_id}${suffix}`);
    const recordCount = Number(
      (await db.query<{ n: number }>('SELECT count(*) AS n FROM records')).rows[0]?.n,
    );
    await db.end();
    console.log(`loaded ${MEMBERS} members (${recordCount} records) in ${loadSeconds.toFixed(1)} s`);

    // Registration rate: new members through PUT /api/v1/network/member, CONCURRENCY at a time.
    const registrationMs: number[] = [];
    const ids = Array.from({ length: REGISTRATIONS }, () => randomUUID());
    const regStart = performance.now();
    await pool(ids, CONCURRENCY, async (memberId) => {
      const t = performance.now();
      await asService.registerMember({ memberId, serviceId: SERVICE_ID, address: '10.1.2.3', port: 443 });
      registrationMs.push(performance.now() - t);
    });
    const registrationsPerSecond = REGISTRATIONS / ((performance.now() - regStart) / 1000);
    console.log(`registrations: ${registrationsPerSecond.toFixed(0)}/s`, ms(registrationMs));

    // Directory API read latency: the service listing, one request at a time.
    const listMs: number[] = [];
    for (let i = 0; i < 500; i += 1) {
      const t = performance.now();
      await anonymous.listServices();
      listMs.push(performance.now() - t);
    }

    // PowerDNS: UDP A queries for random member names, 16 in flight.
    const pdns = await startPdns(url, NETWORK);
    const dnsMs: number[] = [];
    let answered = 0;
    try {
      const socket = createSocket('udp4');
      const waiting = new Map<number, (answers: number) => void>();
      socket.on('message', (message) => {
        const packet = dnsPacket.decode(message);
        waiting.get(packet.id ?? -1)?.(packet.answers?.length ?? 0);
      });
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      const queries = Array.from({ length: DNS_QUERIES }, (_, i) => i);
      await pool(queries, 16, async (i) => {
        const id = i % 65536;
        const name = sample[i % sample.length] ?? '';
        const t = performance.now();
        const answers = await new Promise<number>((resolve) => {
          const timer = setTimeout(() => resolve(-1), 5000);
          waiting.set(id, (n) => {
            clearTimeout(timer);
            resolve(n);
          });
          socket.send(
            dnsPacket.encode({ type: 'query', id, questions: [{ type: 'A', name }] }),
            pdns.port,
            '127.0.0.1',
          );
        });
        waiting.delete(id);
        if (answers > 0) answered += 1;
        dnsMs.push(performance.now() - t);
      });
      socket.close();
    } finally {
      await pdns.stop();
    }
    const results = {
      date: new Date().toISOString(),
      machine: '2 cores, Debian 12, PostgreSQL 15, PowerDNS 4.7 (gpgsql), all on loopback',
      members: MEMBERS,
      records: recordCount,
      bulk_load_seconds: Math.round(loadSeconds * 10) / 10,
      registration: {
        per_second: Math.round(registrationsPerSecond),
        concurrency: CONCURRENCY,
        latency_ms: ms(registrationMs),
      },
      directory_api_list_services_ms: ms(listMs),
      powerdns: { queries: DNS_QUERIES, answered, in_flight: 16, latency_ms: ms(dnsMs) },
    };
    console.log(JSON.stringify(results, null, 2));
    await mkdir(new URL('results/', import.meta.url), { recursive: true });
    await writeFile(
      new URL('results/directory-postgres.json', import.meta.url),
      `${JSON.stringify(results, null, 2)}\n`,
    );
    await anonymous.close();
    await asService.close();
  } finally {
    await directory.stop();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
