/**
 * Certificate renewal under traffic (docs/operations.md, "Renewal"), over real processes: a directory,
 * the addressbook service and two pods, whose CAs sign leaves that live 30 s
 * (`BYODA_TEST_LEAF_LIFETIME_S`), renewed when half their lifetime is left and looked at every second.
 * While the test sends requests without pause — the owners' recursive queries from pod to pod (member
 * TLS both ways, origin signatures checked with the member data certs), and a fresh TLS handshake to
 * every server and port, verified against the root at that moment — every certificate of the network
 * is renewed at least three times. Not one request may fail.
 */
import assert from 'node:assert/strict';
import { X509Certificate, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RENEWAL_ENV } from '../../../src/pki/index.js';
import { memberFqdn } from '../../../src/pki/index.js';
import { NETWORK, NetworkHarness } from '../../fixtures/network-harness.js';
import { EXAMPLE_CONTRACT, connectionOf, joinEachPod } from '../federation/owner-session.js';
import type { OwnerSession } from '../federation/owner-session.js';
import { freshGetOk } from './fresh-get.js';

const LEAF_LIFETIME_S = 30;
const RENEWALS = 3;
/** Generous: each certificate renews about every 17 s; a loaded machine may take much longer. */
const GIVE_UP_MS = 6 * 60_000;
/** Between two rounds of requests: traffic all the time, but not a load test on a 2-core machine. */
const PAUSE_MS = 200;

/** The serials each certificate was seen with, by a name of the certificate. */
type Seen = Map<string, Set<string>>;

function see(seen: Seen, name: string, serial: string): void {
  const serials = seen.get(name) ?? new Set<string>();
  serials.add(serial);
  seen.set(name, serials);
}

function serialOfPem(pem: string): string {
  return new X509Certificate(pem).serialNumber;
}

/** The serial (lower case) of the leaf a server presents on a new connection to a 200 answer. */
async function freshSerial(
  url: string,
  servername: string,
  rootCaPem: string,
  path: string,
): Promise<string> {
  const { leaf } = await freshGetOk(url, servername, rootCaPem, path);
  return (leaf?.serialNumber ?? '').toLowerCase();
}

describe('certificate renewal under traffic (real processes)', () => {
  let net: NetworkHarness;
  let suzie: OwnerSession;
  let mike: OwnerSession;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    const env = {
      [RENEWAL_ENV.leafLifetime]: String(LEAF_LIFETIME_S),
      [RENEWAL_ENV.fraction]: '0.5',
      [RENEWAL_ENV.checkMs]: '1000',
      BYODA_FEDERATION_HOP_TIMEOUT_MS: '15000',
      BYODA_FEDERATION_DEADLINE_MS: '45000',
      // The test's own traffic is not what is under test here.
      BYODA_RATE_LIMIT_PER_MINUTE: '0',
    };
    // Inherited by every process the harness starts, the init commands included.
    for (const [name, value] of Object.entries(env)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    net = await NetworkHarness.start({ pods: 2, contract: EXAMPLE_CONTRACT });
    [suzie, mike] = await joinEachPod(net, ['suzie', 'mike'] as const);
    await suzie.link(mike.memberId, 'family');
    await mike.link(suzie.memberId, 'family');
    await mike.storePerson({ given_name: 'Mike', family_name: 'Jones', email: 'mike@example.org' });
  });

  after(async () => {
    await net?.stop();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it(`renews every certificate ${RENEWALS} times with no failed request`, async (t) => {
    const root = net.directory.rootCaPem;
    const { serviceId } = net.service;
    const [pod1, pod2] = net.pods;
    assert.ok(pod1 && pod2);
    const seen: Seen = new Map();
    const failures: string[] = [];
    let requests = 0;
    const record = async (what: string, work: () => Promise<void>): Promise<void> => {
      requests += 1;
      try {
        await work();
      } catch (err) {
        failures.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const dataChainSerial = async (url: string, servername: string, path: string): Promise<string> => {
      const res = await freshGetOk(url, servername, root, path).then((answer) => answer.body);
      return serialOfPem(res);
    };
    const onDisk = async (dataDir: string, file: string): Promise<string> =>
      serialOfPem(await readFile(join(dataDir, file), 'utf8'));
    const members = [
      { pod: pod1, memberId: suzie.memberId },
      { pod: pod2, memberId: mike.memberId },
    ];

    const round = async (): Promise<void> => {
      await Promise.all([
        // Pod to pod: Suzie's pod asks Mike's (member TLS both ways, signed origin query).
        record('recursive query', async () => {
          const data = await suzie.data(
            `{ person_connection(depth: 1, relations: ["family"], query_id: "${randomUUID()}") ` +
              '{ total_count edges { origin } remote_errors { origin message } } }',
          );
          const connection = connectionOf(data, 'person_connection');
          assert.deepEqual(connection.remote_errors, []);
          assert.ok(
            connection.edges.some((edge) => edge.origin === mike.memberId),
            'Mike answered',
          );
        }),
        record('proxied query', async () => {
          const data = await mike.data(
            `{ person_connection(remote_member_id: "${suzie.memberId}") { total_count remote_errors { message } } }`,
          );
          assert.deepEqual(connectionOf(data, 'person_connection').remote_errors, []);
        }),
        record('directory', async () => {
          see(
            seen,
            'directory TLS',
            await freshSerial(net.directory.url, `dir.${NETWORK}`, root, '/api/v1/status'),
          );
        }),
        record('service', async () => {
          see(
            seen,
            'service TLS',
            await freshSerial(net.service.url, net.service.fqdn, root, '/api/v1/status'),
          );
        }),
        record('network data cert', async () => {
          see(
            seen,
            'network data',
            await dataChainSerial(net.service.url, net.service.fqdn, '/api/v1/service/network-data-cert'),
          );
        }),
        record('service data cert', async () => {
          see(
            seen,
            'service data',
            await dataChainSerial(net.service.url, net.service.fqdn, '/api/v1/service/data-cert'),
          );
        }),
        ...members.flatMap(({ pod, memberId }) => {
          const member = memberFqdn(NETWORK, serviceId, memberId);
          return [
            record(`${pod.name} web`, async () => {
              see(
                seen,
                `${pod.name} account TLS`,
                await freshSerial(pod.webUrl, pod.fqdn, root, '/api/v1/status'),
              );
            }),
            record(`${pod.name} member port`, async () => {
              see(
                seen,
                `${pod.name} member TLS`,
                await freshSerial(pod.memberUrl, member, root, '/api/v1/status'),
              );
            }),
            record(`${pod.name} member data cert`, async () => {
              const path = `/api/v1/pod/data-cert/service-${serviceId}`;
              see(seen, `${pod.name} member data`, await dataChainSerial(pod.memberUrl, member, path));
            }),
            record(`${pod.name} account data (file)`, async () => {
              see(seen, `${pod.name} account data`, await onDisk(pod.dataDir, 'pki/account-data.pem'));
            }),
          ];
        }),
      ]);
    };

    const expected = [
      'directory TLS',
      'network data',
      'service TLS',
      'service data',
      ...members.flatMap(({ pod }) =>
        ['account TLS', 'member TLS', 'member data', 'account data'].map((c) => `${pod.name} ${c}`),
      ),
    ];
    const done = (): boolean => expected.every((name) => (seen.get(name)?.size ?? 0) >= RENEWALS + 1);
    const started = Date.now();
    while (!done() && Date.now() - started < GIVE_UP_MS) {
      await round();
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
    const counts = Object.fromEntries(expected.map((name) => [name, seen.get(name)?.size ?? 0]));
    assert.deepEqual(
      failures.slice(0, 10),
      [],
      `${failures.length} of ${requests} requests failed; renewals seen: ${JSON.stringify(counts)}`,
    );
    t.diagnostic(
      `${requests} requests in ${Math.round((Date.now() - started) / 1000)} s; serials seen: ${JSON.stringify(counts)}`,
    );
    assert.ok(done(), `not every certificate was seen renewed ${RENEWALS} times: ${JSON.stringify(counts)}`);
  });
});
