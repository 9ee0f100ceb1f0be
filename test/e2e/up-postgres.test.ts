/**
 * `byoda up --store postgres://...` (issue 16): a whole network whose directory keeps its rows and zone
 * in a real PostgreSQL database. A real PowerDNS on that database answers every pod, member and service
 * name (dig), and a federated query from pod1 reaches pod2 by those names. The service keeps its search
 * index in the same database: one search finds pod2's member by the email its card holds.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { digShort } from '../fixtures/dig.js';
import { BYODA, runByoda } from '../fixtures/network-harness.js';
import { pdnsMissing, startPdns } from '../fixtures/pdns.js';
import type { TestPdns } from '../fixtures/pdns.js';
import { findPostgres } from '../fixtures/postgres.js';
import { LOADED_MACHINE_ENV } from '../fixtures/test-env.js';

const READY_TIMEOUT_MS = 120_000;

interface NetworkJson {
  network: string;
  dns: { port: number };
  services: { fqdn: string; url: string }[];
  pods: { name: string; fqdn: string; memberships: { member_id: string; fqdn: string }[] }[];
}

const postgres = await findPostgres();
const missing = typeof postgres === 'string' ? postgres : await pdnsMissing();

describe('byoda up --store postgres://', { skip: missing ?? false }, () => {
  let dir = '';
  let child: ChildProcess | undefined;
  let output = '';
  let pdns: TestPdns | undefined;
  let network: NetworkJson;
  let store = '';
  const byoda = (...args: string[]) => runByoda([...args, '--network', join(dir, 'network.json')]);

  before(async () => {
    if (typeof postgres === 'string') return;
    dir = await mkdtemp(join(tmpdir(), 'byoda-up-pg-'));
    store = await postgres.createDatabase();
    child = spawn(process.execPath, [BYODA, 'up', '--data', dir, '--store', store, '--json'], {
      env: LOADED_MACHINE_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const text = await readFile(join(dir, 'network.json'), 'utf8').catch(() => undefined);
      if (text !== undefined) {
        network = JSON.parse(text) as NetworkJson;
        break;
      }
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`byoda up not ready:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    pdns = await startPdns(store, network.network);
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    await pdns?.stop();
    if (typeof postgres !== 'string') await postgres.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('says the directory and the service’s search index run on postgres', () => {
    assert.match(output, /\(postgres\)/);
    assert.match(output, /search index: postgres/);
  });

  it("answers every pod's, member's and service's name from PowerDNS as the built-in server does", async () => {
    const names = [
      ...network.services.map((service) => service.fqdn),
      ...network.pods.flatMap((pod) => [pod.fqdn, ...pod.memberships.map((m) => m.fqdn)]),
    ];
    assert.ok(names.length >= 5, names.join(' '));
    for (const name of names) {
      assert.equal(await digShort(pdns!.port, name, 'A'), '127.0.0.1', name);
      const srv = await digShort(pdns!.port, `_byoda._tcp.${name}`, 'SRV');
      assert.match(srv, /^0 0 \d+ /, name);
      assert.equal(srv, await digShort(network.dns.port, `_byoda._tcp.${name}`, 'SRV'), name);
    }
  });

  it('federates over those names: pod1 reads the card of pod2, each linked to the other as family', async () => {
    const member2 = network.pods[1]?.memberships[0]?.member_id ?? '';
    const mutation = 'mutation ($p: person_input!) { mutate_person(input: $p) { given_name } }';
    const person = { given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.com' };
    const wrote = await byoda(
      'query',
      mutation,
      '--pod',
      'pod2',
      '--variables',
      JSON.stringify({ p: person }),
    );
    assert.equal(wrote.code, 0, wrote.stderr);
    const linked = await byoda('link', 'add', member2, 'family', '--pod', 'pod1');
    assert.equal(linked.code, 0, linked.stderr);
    const member1 = network.pods[0]?.memberships[0]?.member_id ?? '';
    const back = await byoda('link', 'add', member1, 'family', '--pod', 'pod2');
    assert.equal(back.code, 0, back.stderr);
    const args = ['query', '--class', 'person', '--depth', '1', '--relations', 'family', '--pod', 'pod1'];
    const read = await byoda(...args, '--json');
    assert.equal(read.code, 0, read.stderr);
    const connection = (JSON.parse(read.stdout) as Record<string, { edges: { origin: string }[] }>)[
      'person_connection'
    ];
    assert.ok(
      connection?.edges.some((edge) => edge.origin === member2),
      `an edge from pod2: ${read.stdout}`,
    );
  });

  // After the card above: pod2's nudge makes the service collect it into PostgreSQL.
  it('finds pod2’s member by its email through the search index in PostgreSQL', async () => {
    const member2 = network.pods[1]?.memberships[0]?.member_id ?? '';
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = '';
    for (;;) {
      const found = await byoda('search', 'person', 'email', 'ADA@example.com', '--pod', 'pod1', '--json');
      assert.equal(found.code, 0, found.stderr);
      last = found.stdout;
      const { results } = JSON.parse(found.stdout) as { results: { member_id: string }[] };
      if (results.some((result) => result.member_id === member2)) break;
      if (Date.now() > deadline) assert.fail(`pod2's member not found: ${last}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Found in the directory's database, not in a search.db of the service.
    const client = new pg.Client({ connectionString: store });
    await client.connect();
    try {
      const { rows } = await client.query<{ member_id: string }>(
        "SELECT member_id FROM byoda_search_values WHERE folded = 'ada@example.com'",
      );
      assert.deepEqual(
        rows.map((row) => row.member_id),
        [member2],
      );
    } finally {
      await client.end();
    }
  });
});
