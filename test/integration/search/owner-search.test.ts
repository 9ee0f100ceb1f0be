/**
 * The owner's search through their pod (docs/protocol.md "Search"), between real processes: a
 * directory with its DNS server, the addressbook service (`person.email` searchable, exact and
 * case-insensitive) and two pods. Suzie (pod 1) writes her card; the service collects her email; Mike,
 * the owner of pod 2, who has no member TLS cert of his own, finds her member id through his pod's
 * web port with his owner token (`GET /api/v1/pod/search/service-<S>/<class>?<field>=<value>`).
 *
 * The test waits for conditions (the service collects asynchronously), never for a fixed time.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Agent } from 'undici';
import { isByodaError } from '../../../src/errors/index.js';
import { OwnerApi } from '../../../src/network/index.js';
import { podPaths } from '../../../src/pod/index.js';
import { assertJsonError, pollUntilEqual } from '../../fixtures/assertions.js';
import { NetworkHarness } from '../../fixtures/network-harness.js';
import type { PodInfo } from '../../fixtures/network-harness.js';
import { EXAMPLE_CONTRACT, OwnerSession } from '../federation/owner-session.js';
import { send, tlsAgent } from '../pod/pod-clients.js';
import type { HttpAnswer } from '../pod/pod-clients.js';

/** How long the log of a search may take to appear. */
const WAIT_MS = 60_000;

const SUZIE = { given_name: 'Suzie', family_name: 'Jones', email: 'Suzie@Example.org' };

describe('the owner searches the service through their pod', () => {
  let net: NetworkHarness;
  let pod2: PodInfo;
  let suzie: OwnerSession;
  let mike: OwnerSession;
  let mikeApi: OwnerApi;
  let serviceId: number;
  let agent: Agent;
  let token: string;

  /** `GET` on pod 2's web port: `/api/v1/pod/search/<rest>`, with the owner token unless `auth` says. */
  const ownerSearch = (rest: string, auth: string | null = `Bearer ${token}`): Promise<HttpAnswer> =>
    send(agent, `${pod2.webUrl}/api/v1/pod/search/${rest}`, {
      headers: auth === null ? {} : { authorization: auth },
    });

  /** Polls the owner's search until it finds `expected` (the service collects asynchronously). */
  const waitUntilFound = (email: string, expected: string[]): Promise<void> =>
    pollUntilEqual(
      () => mikeApi.search(serviceId, 'person', 'email', email),
      expected,
      `search for ${email}`,
    );

  before(async () => {
    net = await NetworkHarness.start({ pods: 2, contract: EXAMPLE_CONTRACT });
    const [pod1, second] = net.pods as [PodInfo, PodInfo];
    pod2 = second;
    serviceId = net.service.serviceId;
    const rootCaPem = net.directory.rootCaPem;
    [suzie, mike] = await Promise.all([
      OwnerSession.join({ ...pod1, name: 'suzie' }, rootCaPem, serviceId),
      OwnerSession.join({ ...pod2, name: 'mike' }, rootCaPem, serviceId),
    ]);
    mikeApi = new OwnerApi({ webUrl: pod2.webUrl, fqdn: pod2.fqdn, rootCaPem });
    token = (await mikeApi.login(pod2.username, pod2.password)).token;
    agent = tlsAgent(rootCaPem, pod2.fqdn);
    await suzie.storePerson(SUZIE);
  });

  after(async () => {
    await Promise.all([agent, mikeApi, suzie, mike].map((closable) => closable?.close()));
    await net?.stop();
  });

  it("finds Suzie's member id by her email, case-insensitively, with member ids only", async () => {
    await waitUntilFound('suzie@example.org', [suzie.memberId]);
    assert.deepEqual(await mikeApi.search(serviceId, 'person', 'email', 'SUZIE@EXAMPLE.ORG'), [
      suzie.memberId,
    ]);
    const answer = await ownerSearch(`service-${serviceId}/person?email=suzie%40example.org`);
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { results: [{ member_id: suzie.memberId }] });
  });

  it('answers empty results for an email nobody has', async () => {
    assert.deepEqual(await mikeApi.search(serviceId, 'person', 'email', 'nobody@example.org'), []);
    const answer = await ownerSearch(`service-${serviceId}/person?email=nobody%40example.org`);
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { results: [] });
  });

  it('answers the owner only: 401 without a token or with a bad one', async () => {
    const path = `service-${serviceId}/person?email=suzie%40example.org`;
    assertJsonError(await ownerSearch(path, null), 401, 'BYODA_ERR_UNAUTHORIZED');
    assertJsonError(await ownerSearch(path, 'Bearer not.a.token'), 401, 'BYODA_ERR_UNAUTHORIZED');
    assertJsonError(await ownerSearch(path, `Basic ${token}`), 401, 'BYODA_ERR_UNAUTHORIZED');
    // Refused before anything else: an unknown membership is no 404 for a stranger.
    assertJsonError(await ownerSearch('service-1/person?email=x', null), 401, 'BYODA_ERR_UNAUTHORIZED');
    assert.equal((await ownerSearch(path)).status, 200);
  });

  it("passes the service's refusals on: an unknown class 404, a field it may not search 400", async () => {
    assertJsonError(await ownerSearch(`service-${serviceId}/nothing?email=x`), 404, 'BYODA_ERR_NOT_FOUND');
    const bad = async (query: string, path: string): Promise<void> =>
      assertJsonError(await ownerSearch(`service-${serviceId}/${query}`), 400, 'BYODA_ERR_BAD_REQUEST', path);
    await bad('person?given_name=Suzie', 'querystring/given_name');
    await bad('person?phone=123', 'querystring/phone');
    // The client reports the service's refusal with its code, as the pod passed it on.
    await assert.rejects(
      mikeApi.search(serviceId, 'nothing', 'email', 'x'),
      (err) => isByodaError(err) && err.status === 404 && err.code === 'BYODA_ERR_NOT_FOUND',
    );
  });

  it('refuses a malformed query with 400 naming the field, without asking the service', async () => {
    // `nothing` is a class the service does not have: had the pod asked, the answer would be 404.
    const bad = async (query: string, path: string): Promise<void> =>
      assertJsonError(await ownerSearch(`service-${serviceId}/${query}`), 400, 'BYODA_ERR_BAD_REQUEST', path);
    await bad('nothing', 'querystring');
    await bad('nothing?email=a%40b.c&given_name=Suzie', 'querystring');
    await bad('nothing?email=', 'querystring/email');
    await bad('nothing?email', 'querystring/email');
    await bad('nothing?email=a&email=b', 'querystring/email');
    await bad(`nothing?email=${'a'.repeat(257)}`, 'querystring/email');
    await bad('nothing?e-mail=x', 'querystring/e-mail');
    await bad('no-such!?email=x', 'params/class');
    // 256 characters is allowed (and reaches the service, which finds nothing).
    assert.deepEqual(await mikeApi.search(serviceId, 'person', 'email', 'a'.repeat(256)), []);
  });

  it('answers 404 for a service the pod is not a member of, 400 for a malformed service id', async () => {
    assertJsonError(await ownerSearch('service-1/person?email=x'), 404, 'BYODA_ERR_NOT_FOUND');
    const malformed = await ownerSearch('service-abc/person?email=x');
    assertJsonError(malformed, 400, 'BYODA_ERR_BAD_REQUEST');
    assert.equal((malformed.json as { error: { path?: string } }).error.path, 'params/serviceId');
  });

  it('logs each search with the class and field, never the value', async () => {
    await waitUntilFound('suzie@example.org', [suzie.memberId]);
    const logFile = podPaths(pod2.dataDir).logFile;
    const giveUp = Date.now() + WAIT_MS;
    let text = '';
    let searches: Record<string, unknown>[] = [];
    while (Date.now() < giveUp) {
      text = await readFile(logFile, 'utf8').catch(() => '');
      searches = text
        .split('\n')
        .filter((line) => line.includes('"msg":"owner search"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      if (searches.some((line) => line['results'] === 1)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const found = searches.find((line) => line['results'] === 1);
    assert.ok(found, 'a search that found Suzie was logged');
    assert.equal(found['searched'], 'person.email');
    assert.equal(found['service_id'], serviceId);
    assert.equal(found['requester'], 'owner');
    assert.doesNotMatch(text, /example\.org/i, 'no email address in the pod log');
  });

  // Last: the service is stopped.
  it('answers 502 BYODA_ERR_UNREACHABLE when the service cannot be reached', async () => {
    await net.service.process.stop();
    assertJsonError(
      await ownerSearch(`service-${serviceId}/person?email=suzie%40example.org`),
      502,
      'BYODA_ERR_UNREACHABLE',
    );
  });
});
