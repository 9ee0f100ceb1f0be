/**
 * The service's search (spec §4, §6) between real processes: a directory with its DNS server, the
 * project's addressbook service (`person.email` grants the service `search`, exact and
 * case-insensitive, but not `read`) and two pods, all `byoda` processes of the network harness.
 *
 * Pod 1's owner writes an address card; the pod nudges the service, which collects the searchable
 * values from the pod over mutual TLS and answers searches with member ids only. The test waits for
 * conditions (the collection is asynchronous), never for a fixed time.
 *
 * The whole suite runs twice (issue 16): with the service's index in its `search.db`, and in a real
 * PostgreSQL database (`byoda service start --store postgres://...`).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Agent } from 'undici';
import { memberFqdn, openServicePki } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { CREDENTIALS } from '../../../src/pod/index.js';
import { assertJsonError, pollUntilEqual } from '../../fixtures/assertions.js';
import { NETWORK, NetworkHarness } from '../../fixtures/network-harness.js';
import { findPostgres } from '../../fixtures/postgres.js';
import type { PodInfo } from '../../fixtures/network-harness.js';
import { EXAMPLE_CONTRACT, OwnerSession } from '../federation/owner-session.js';
import { podCredential, send, tlsAgent } from '../pod/pod-clients.js';
import type { HttpAnswer } from '../pod/pod-clients.js';

const SEARCH = '/api/v1/service/search';
const REFRESH = '/api/v1/service/search/refresh';

/** How long the log of a search may take to appear. */
const WAIT_MS = 60_000;

const SUZIE = { given_name: 'Suzie', family_name: 'Jones', email: 'Suzie@Example.org' };

const postgres = await findPostgres();

for (const backend of ['sqlite', 'postgres'] as const) {
  const skip = backend === 'postgres' && typeof postgres === 'string' ? postgres : false;
  describe(`the service search (spec §4) on ${backend}`, { skip }, () => searchSuite(backend));
}
after(async () => {
  if (typeof postgres !== 'string') await postgres.stop();
});

function searchSuite(backend: 'sqlite' | 'postgres'): void {
  let net: NetworkHarness;
  let serviceStore: string | undefined;
  let pod1: PodInfo;
  let pod2: PodInfo;
  let suzie: OwnerSession;
  let mike: OwnerSession;
  let serviceId: number;
  const credentials: Record<string, Credential> = {};
  const agents: Agent[] = [];

  /** An agent to the service, presenting `credential` (none: no client certificate). */
  const serviceAgent = (credential?: Credential): Agent => {
    const agent = tlsAgent(net.directory.rootCaPem, net.service.fqdn, credential);
    agents.push(agent);
    return agent;
  };

  const search = (query: string, credential?: Credential): Promise<HttpAnswer> =>
    send(serviceAgent(credential), `${net.service.url}${SEARCH}/${query}`);

  /** The member ids a member's search finds. */
  const found = async (query: string): Promise<string[]> => {
    const answer = await search(query, credentials['mikeMember']);
    assert.equal(answer.status, 200, answer.text);
    const { results } = answer.json as { results: { member_id: string }[] };
    for (const result of results) assert.deepEqual(Object.keys(result), ['member_id'], 'member ids only');
    return results.map((result) => result.member_id);
  };

  /** Polls `found(query)` until it equals `expected` (the service collects asynchronously). */
  const waitUntilFound = (query: string, expected: string[]): Promise<void> =>
    pollUntilEqual(() => found(query), expected, `search ${query}`);

  /** GET on pod 1's search-data endpoint of `service`, presenting `credential`. */
  const searchData = (credential: Credential | undefined, service = serviceId): Promise<HttpAnswer> => {
    const agent = tlsAgent(
      net.directory.rootCaPem,
      memberFqdn(NETWORK, serviceId, suzie.memberId),
      credential,
    );
    agents.push(agent);
    return send(agent, `${pod1.memberUrl}/api/v1/pod/search-data/service-${service}`);
  };

  before(async () => {
    serviceStore =
      backend === 'postgres' && typeof postgres !== 'string' ? await postgres.createDatabase() : undefined;
    net = await NetworkHarness.start({
      pods: 2,
      contract: EXAMPLE_CONTRACT,
      ...(serviceStore !== undefined ? { serviceStore } : {}),
    });
    assert.equal(net.service.store, backend);
    [pod1, pod2] = net.pods as [PodInfo, PodInfo];
    serviceId = net.service.serviceId;
    [suzie, mike] = await Promise.all([
      OwnerSession.join({ ...pod1, name: 'suzie' }, net.directory.rootCaPem, serviceId),
      OwnerSession.join({ ...pod2, name: 'mike' }, net.directory.rootCaPem, serviceId),
    ]);
    const servicePassphrase = (await readFile(join(net.service.dataDir, 'passphrase'), 'utf8')).trim();
    const [suzieMember, mikeMember, mikeData, mikeAccount, servicePki] = await Promise.all([
      podCredential(pod1, CREDENTIALS.memberTls(serviceId)),
      podCredential(pod2, CREDENTIALS.memberTls(serviceId)),
      podCredential(pod2, CREDENTIALS.memberData(serviceId)),
      podCredential(pod2, CREDENTIALS.accountTls),
      openServicePki(join(net.service.dataDir, 'pki'), servicePassphrase),
    ]);
    Object.assign(credentials, { suzieMember, mikeMember, mikeData, mikeAccount, service: servicePki.tls });
    await suzie.storePerson(SUZIE);
  });

  after(async () => {
    await Promise.all([...agents, suzie, mike].map((closable) => closable?.close()));
    await net?.stop();
  });

  it('finds the member by the email its pod exposes with search, case-insensitively', async () => {
    await waitUntilFound('person?email=suzie%40example.org', [suzie.memberId]);
    assert.deepEqual(await found('person?email=SUZIE%40EXAMPLE.ORG'), [suzie.memberId]);
    assert.deepEqual(await found('person?email=Suzie%40Example.org'), [suzie.memberId]);
  });

  it('finds nothing for another email, nor for a prefix when the grant says exact', async () => {
    await waitUntilFound('person?email=suzie%40example.org', [suzie.memberId]);
    assert.deepEqual(await found('person?email=mike%40example.org'), []);
    assert.deepEqual(await found('person?email=suzie'), []);
  });

  it('follows the owner’s changes: the old email stops finding the member, the new one finds it', async () => {
    await waitUntilFound('person?email=suzie%40example.org', [suzie.memberId]);
    await suzie.storePerson({ ...SUZIE, email: 'suzie.jones@example.org' });
    await waitUntilFound('person?email=suzie%40example.org', []);
    await waitUntilFound('person?email=Suzie.Jones%40example.org', [suzie.memberId]);
  });

  it('lets only members of the service search: 401 without a certificate, 403 for other kinds', async () => {
    const query = 'person?email=suzie%40example.org';
    assertJsonError(await search(query), 401, 'BYODA_ERR_UNAUTHORIZED');
    assertJsonError(await search(query, credentials['mikeAccount']), 403, 'BYODA_ERR_FORBIDDEN');
    assertJsonError(await search(query, credentials['mikeData']), 403, 'BYODA_ERR_FORBIDDEN');
    assertJsonError(await search(query, credentials['service']), 403, 'BYODA_ERR_FORBIDDEN');
    // Refused before anything else: an unknown class is no 404 for a stranger.
    assertJsonError(await search('nothing?email=x'), 401, 'BYODA_ERR_UNAUTHORIZED');
    assert.equal((await search(query, credentials['suzieMember'])).status, 200);
  });

  it('refuses bad searches with 400 naming the parameter, and an unknown class with 404', async () => {
    const member = credentials['mikeMember'];
    const bad = async (query: string, path: string): Promise<void> =>
      assertJsonError(await search(query, member), 400, 'BYODA_ERR_BAD_REQUEST', path);
    await bad('person', 'querystring');
    await bad('person?email=a%40b.c&given_name=Suzie', 'querystring');
    await bad('person?phone=123', 'querystring/phone');
    await bad('person?given_name=Suzie', 'querystring/given_name');
    await bad('person?email=', 'querystring/email');
    await bad(`person?email=${'a'.repeat(257)}`, 'querystring/email');
    await bad('person?email=a&email=b', 'querystring/email');
    await bad('person?email=suzie%00%40example.org', 'querystring/email');
    assertJsonError(await search('nothing?email=x', member), 404, 'BYODA_ERR_NOT_FOUND');
    assertJsonError(await search('no-such!?email=x', member), 400, 'BYODA_ERR_BAD_REQUEST', 'params/class');
    // 256 characters is allowed (and finds nothing).
    assert.deepEqual(await found(`person?email=${'a'.repeat(256)}`), []);
  });

  it('serves a pod’s search data to its service only, and only the searchable fields', async () => {
    await waitUntilFound('person?email=Suzie.Jones%40example.org', [suzie.memberId]);
    const answer = await searchData(credentials['service']);
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, {
      member_id: suzie.memberId,
      contract_version: 1,
      classes: { person: [{ email: 'suzie.jones@example.org' }] },
    });
    assertJsonError(await searchData(credentials['mikeMember']), 403, 'BYODA_ERR_FORBIDDEN');
    assertJsonError(await searchData(credentials['suzieMember']), 403, 'BYODA_ERR_FORBIDDEN');
    assertJsonError(await searchData(undefined), 403, 'BYODA_ERR_FORBIDDEN');
    assertJsonError(await searchData(credentials['service'], 1), 404, 'BYODA_ERR_NOT_FOUND');
  });

  it('logs each search with the caller and the field, never the value searched', async () => {
    await waitUntilFound('person?email=Suzie.Jones%40example.org', [suzie.memberId]);
    const logFile = join(net.service.dataDir, 'logs', 'service.log');
    const giveUp = Date.now() + WAIT_MS;
    let searches: Record<string, unknown>[] = [];
    let text = '';
    while (Date.now() < giveUp) {
      text = await readFile(logFile, 'utf8');
      searches = text
        .split('\n')
        .filter((line) => line.includes('"msg":"request"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line['path'] === `${SEARCH}/person` && line['status'] === 200);
      if (searches.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const last = searches.at(-1);
    assert.ok(last, 'a search was logged');
    assert.equal(last['searched'], 'person.email');
    assert.equal(last['requester'], memberFqdn(NETWORK, serviceId, mike.memberId));
    assert.doesNotMatch(text, /example\.org/i, 'no email address in the service log');
    assert.match(text, /"msg":"search data collected"/);
  });

  it('takes a refresh nudge only from a member of the service', async () => {
    const nudge = (credential?: Credential): Promise<HttpAnswer> =>
      send(serviceAgent(credential), `${net.service.url}${REFRESH}`, { method: 'POST' });
    assertJsonError(await nudge(), 401, 'BYODA_ERR_UNAUTHORIZED');
    assertJsonError(await nudge(credentials['mikeAccount']), 403, 'BYODA_ERR_FORBIDDEN');
    assertJsonError(await nudge(credentials['mikeData']), 403, 'BYODA_ERR_FORBIDDEN');
    const accepted = await nudge(credentials['mikeMember']);
    assert.equal(accepted.status, 202, accepted.text);
  });

  // Last: the card is gone afterwards.
  it('stops finding the member once its owner deletes the card that held the email', async () => {
    const query = 'person?email=suzie.jones%40example.org';
    await suzie.storePerson({ ...SUZIE, email: 'suzie.jones@example.org' });
    await waitUntilFound(query, [suzie.memberId]);
    assert.deepEqual(await suzie.data('mutation { delete_person }'), { delete_person: true });
    await waitUntilFound(query, []);
  });

  // Last: the index is broken afterwards.
  it(
    'answers a search 503 when its PostgreSQL fails, and keeps serving',
    { skip: backend !== 'postgres' },
    async () => {
      const query = 'person?email=suzie.jones%40example.org';
      assert.deepEqual(await found(query), []);
      const admin = new pg.Client({ connectionString: serviceStore });
      await admin.connect();
      await admin.query('DROP TABLE byoda_search_values');
      await admin.end();
      const failed = await search(query, credentials['mikeMember']);
      assertJsonError(failed, 503, 'BYODA_ERR_STORAGE');
      assert.doesNotMatch(failed.text, /byoda_search_values|relation/, 'no SQL in the answer');
      // Still refused first for a stranger, and the service still answers what needs no index.
      assertJsonError(await search(query), 401, 'BYODA_ERR_UNAUTHORIZED');
      assertJsonError(await search('nothing?email=x', credentials['mikeMember']), 404, 'BYODA_ERR_NOT_FOUND');
    },
  );
}
