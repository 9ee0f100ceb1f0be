/**
 * The health endpoint (spec §12) of every server of a real network: the directory, the service and
 * both ports of a pod answer `GET /api/v1/status` over verified TLS to anyone, with no data in the
 * answer; other methods and paths under it are refused, and answers are not cacheable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { Agent } from 'undici';
import { SOFTWARE_VERSION, STATUS_PATH } from '../../../src/http/index.js';
import { createTlsAgent } from '../../../src/network/index.js';
import { directoryFqdn, serviceFqdn } from '../../../src/pki/index.js';
import { NETWORK, NetworkHarness } from '../../fixtures/network-harness.js';

interface Target {
  readonly name: string;
  readonly url: string;
  readonly servername: string;
  readonly kind: string;
}

describe('GET /api/v1/status on every server', () => {
  let net: NetworkHarness;
  let targets: Target[] = [];
  const agents: Agent[] = [];

  const agentFor = (target: Target): Agent => {
    const agent = createTlsAgent({ rootCaPem: net.directory.rootCaPem, servername: target.servername });
    agents.push(agent);
    return agent;
  };

  before(async () => {
    net = await NetworkHarness.start({ pods: 1 });
    const pod = net.pods[0];
    assert.ok(pod);
    targets = [
      { name: 'directory', url: net.directory.url, servername: directoryFqdn(NETWORK), kind: 'directory' },
      {
        name: 'service',
        url: net.service.url,
        servername: serviceFqdn(NETWORK, net.service.serviceId),
        kind: 'service',
      },
      { name: 'pod web port', url: pod.webUrl, servername: pod.fqdn, kind: 'pod-web' },
      // Before or without SNI the member port serves the account's (or first membership's) cert.
      { name: 'pod member port', url: pod.memberUrl, servername: pod.fqdn, kind: 'pod-member' },
    ];
  });

  after(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await net?.stop();
  });

  it('answers 200 with status, version and uptime, without authentication', async () => {
    for (const target of targets) {
      const response = await request(`${target.url}${STATUS_PATH}`, { dispatcher: agentFor(target) });
      const body = (await response.body.json()) as Record<string, unknown>;
      assert.equal(response.statusCode, 200, target.name);
      assert.equal(response.headers['cache-control'], 'no-store', target.name);
      assert.deepEqual(Object.keys(body).sort(), ['server', 'status', 'uptime_s', 'version'], target.name);
      assert.equal(body['status'], 'ok');
      assert.equal(body['version'], SOFTWARE_VERSION);
      assert.equal(body['server'], target.kind, target.name);
      assert.ok(Number.isInteger(body['uptime_s']) && (body['uptime_s'] as number) >= 0, target.name);
    }
  });

  it('refuses other methods and paths below it with JSON errors, not with data', async () => {
    const [directory, , web] = targets;
    assert.ok(directory && web);
    for (const target of [directory, web]) {
      const agent = agentFor(target);
      const post = await request(`${target.url}${STATUS_PATH}`, {
        dispatcher: agent,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(post.statusCode, 404, `${target.name}: POST`);
      assert.equal(
        ((await post.body.json()) as { error: { code: string } }).error.code,
        'BYODA_ERR_NOT_FOUND',
      );
      const below = await request(`${target.url}${STATUS_PATH}/../../pod/account`, { dispatcher: agent });
      assert.ok(
        below.statusCode >= 400 && below.statusCode < 500,
        `${target.name}: below ${below.statusCode}`,
      );
      await below.body.text();
      // A query string changes nothing: the answer is the same kind of health answer.
      const query = await request(`${target.url}${STATUS_PATH}?verbose=1&x=%00`, { dispatcher: agent });
      assert.equal(query.statusCode, 200, `${target.name}: query string`);
      assert.equal(((await query.body.json()) as { status: string }).status, 'ok');
    }
  });
});
