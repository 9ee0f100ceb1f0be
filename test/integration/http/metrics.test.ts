/**
 * The operator's metrics (docs/deploy.md, "Metrics"): a directory, a service and a pod started as real
 * `byoda ... start` processes with `--metrics-listen` and `--metrics-token-file` each serve Prometheus
 * text that `promtool check metrics` accepts, with request counts and latencies per route template,
 * database sizes, certificate expiry times and the pod's fan-outs. Denied: without the token or with a
 * wrong one (401), and on the servers' public ports (404).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { Agent } from 'undici';
import { createTlsAgent, OwnerApi } from '../../../src/network/index.js';
import { directoryFqdn, serviceFqdn } from '../../../src/pki/index.js';
import { sharedContractPath } from '../../fixtures/contracts.js';
import { ByodaProcess, NETWORK, runByodaJson } from '../../fixtures/network-harness.js';
import { promtoolCheck, samplesOf } from '../../fixtures/prometheus-text.js';
import type { Sample } from '../../fixtures/prometheus-text.js';

interface Scraped {
  readonly name: string;
  readonly publicUrl: string;
  readonly servername: string;
  readonly metricsUrl: string;
}

const METRICS = ['--metrics-listen', '127.0.0.1:0'];

describe('operator metrics of directory, service and pod processes', () => {
  let root: string;
  let token: string;
  let rootCaPem: string;
  const processes: ByodaProcess[] = [];
  const agents: Agent[] = [];
  let targets: Scraped[] = [];
  let memberPort = { url: '', servername: '' };
  let serviceId = 0;

  const agentFor = (servername: string): Agent => {
    const agent = createTlsAgent({ rootCaPem, servername });
    agents.push(agent);
    return agent;
  };
  const start = async (args: string[]): Promise<Record<string, unknown>> => {
    const { process: proc, ready } = await ByodaProcess.start(args);
    processes.push(proc);
    return ready;
  };
  const scrape = async (url: string, authorization?: string) => {
    const response = await request(url, authorization ? { headers: { authorization } } : {});
    return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'byoda-metrics-'));
    token = randomBytes(24).toString('base64url');
    const tokenFile = join(root, 'metrics-token');
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    const withToken = [...METRICS, '--metrics-token-file', tokenFile];
    const dirData = join(root, 'directory');
    await runByodaJson(['network', 'init', '--local-secrets', '--network', NETWORK, '--data', dirData]);
    const directory = await start(['directory', 'start', '--data', dirData, ...withToken]);
    const rootCaPath = String(directory['root_ca']);
    rootCaPem = await readFile(rootCaPath, 'utf8');
    const dns = directory['dns'] as { host: string; port: number };
    const dnsArg = ['--dns', `${dns.host}:${dns.port}`];
    const serviceData = join(root, 'service');
    const podData = join(root, 'pod');
    const init = ['--directory', String(directory['url']), '--root-ca', rootCaPath];
    await Promise.all([
      runByodaJson([
        'service',
        'init',
        '--local-secrets',
        '--data',
        serviceData,
        '--contract',
        sharedContractPath('addressbook'),
        ...init,
      ]),
      runByodaJson(['pod', 'init', '--local-secrets', '--data', podData, ...init]),
    ]);
    const [service, pod] = await Promise.all([
      start(['service', 'start', '--data', serviceData, ...dnsArg, ...withToken]),
      start(['pod', 'start', '--data', podData, ...dnsArg, ...withToken]),
    ]);
    serviceId = Number(service['service_id']);
    const joined = await runByodaJson(['pod', 'join', String(serviceId), '--data', podData]);
    memberPort = { url: String(pod['member_url']), servername: String(joined['fqdn']) };
    targets = [
      {
        name: 'directory',
        publicUrl: String(directory['url']),
        servername: directoryFqdn(NETWORK),
        metricsUrl: String(directory['metrics_url']),
      },
      {
        name: 'service',
        publicUrl: String(service['url']),
        servername: serviceFqdn(NETWORK, serviceId),
        metricsUrl: String(service['metrics_url']),
      },
      {
        name: 'pod',
        publicUrl: String(pod['web_url']),
        servername: String(pod['fqdn']),
        metricsUrl: String(pod['metrics_url']),
      },
    ];
    // A recursive query of the owner: the pod's fan-out (to no linked pod yet) shows in its metrics.
    const owner = new OwnerApi({ webUrl: String(pod['web_url']), fqdn: String(pod['fqdn']), rootCaPem });
    try {
      const password = (await readFile(join(podData, 'password'), 'utf8')).split('\n')[0] ?? '';
      await owner.login('owner', password);
      const answer = await owner.graphql(
        serviceId,
        `{ person_connection(depth: 1, query_id: "${randomUUID()}") { total_count } }`,
      );
      assert.deepEqual(answer.errors, []);
    } finally {
      await owner.close();
    }
  });

  after(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await Promise.all(processes.map((proc) => proc.stop()));
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('announces a metrics URL on loopback for each server', () => {
    for (const target of targets)
      assert.match(target.metricsUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/, target.name);
  });

  it('refuses a scrape without the token or with a wrong one (401)', async () => {
    for (const target of targets) {
      const none = await scrape(target.metricsUrl);
      assert.equal(none.status, 401, target.name);
      assert.equal(none.headers['www-authenticate'], 'Bearer realm="byoda-metrics"');
      assert.equal(
        (JSON.parse(none.text) as { error: { code: string } }).error.code,
        'BYODA_ERR_UNAUTHORIZED',
      );
      assert.doesNotMatch(none.text, /byoda_http/);
      const wrong = await scrape(target.metricsUrl, `Bearer ${token}x`);
      assert.equal(wrong.status, 401, target.name);
      const basic = await scrape(target.metricsUrl, `Basic ${Buffer.from(`x:${token}`).toString('base64')}`);
      assert.equal(basic.status, 401, target.name);
    }
  });

  it('does not serve the metrics on the public ports', async () => {
    const publicPorts = [...targets.map((t) => ({ url: t.publicUrl, servername: t.servername })), memberPort];
    for (const target of publicPorts) {
      const response = await request(`${target.url}/metrics`, {
        dispatcher: agentFor(target.servername),
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await response.body.text();
      // The pod's web port answers every other path with its web app (a page, never the metrics).
      if (target.url !== targets[2]?.publicUrl) assert.equal(response.statusCode, 404, target.url);
      assert.doesNotMatch(text, /byoda_|# TYPE/, target.url);
    }
  });

  it('labels requests by route template, never by raw path (random paths add no series)', async () => {
    const randomPaths = (n: number) =>
      Array.from({ length: n }, () => `/${randomBytes(6).toString('hex')}/${randomUUID()}`);
    for (const target of targets) {
      const agent = agentFor(target.servername);
      const send = async (paths: string[]) => {
        for (const path of paths)
          await (await request(`${target.publicUrl}${path}`, { dispatcher: agent })).body.dump();
      };
      const series = async () =>
        samplesOf((await scrape(target.metricsUrl, `Bearer ${token}`)).text).filter(
          (s) => s.name === 'byoda_http_requests_total',
        );
      await send(randomPaths(2));
      await (await request(`${target.publicUrl}/api/v1/status`, { dispatcher: agent })).body.dump();
      const before = await series();
      const paths = randomPaths(30);
      await send(paths);
      const text = (await scrape(target.metricsUrl, `Bearer ${token}`)).text;
      const afterwards = await series();
      assert.equal(afterwards.length, before.length, `${target.name}: 30 new paths, no new series`);
      for (const path of paths) assert.ok(!text.includes(path.slice(1, 13)), `${target.name}: ${path}`);
      const grown = afterwards.filter((s) => {
        const old = before.find((b) => JSON.stringify(b.labels) === JSON.stringify(s.labels));
        return s.value - (old?.value ?? 0) >= paths.length;
      });
      assert.equal(grown.length, 1, `${target.name}: the random paths share one series`);
      if (target.name !== 'pod') assert.equal(grown[0]?.labels['route'], '(unmatched)', target.name);
      assert.ok(
        afterwards.some((s) => s.labels['route'] === '/api/v1/status' && s.labels['status'] === '200'),
        `${target.name}: the status route by its template`,
      );
    }
  });

  it('scrapes as Prometheus text that promtool accepts, with sizes, expiry times and fan-outs', async () => {
    const now = Date.now() / 1000;
    for (const target of targets) {
      const scraped = await scrape(target.metricsUrl, `Bearer ${token}`);
      assert.equal(scraped.status, 200, target.name);
      assert.match(String(scraped.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      const check = await promtoolCheck(scraped.text);
      assert.equal(check.code, 0, `${target.name}: promtool says ${check.output}`);
      const samples = samplesOf(scraped.text);
      const of = (name: string): Sample[] => samples.filter((s) => s.name === name);
      assert.ok(of('byoda_http_request_duration_seconds_bucket').length > 0, target.name);
      const sizes = of('byoda_database_size_bytes');
      assert.ok(sizes.length >= 2 && sizes.every((s) => s.value > 0), `${target.name}: database sizes`);
      const expiry = of('byoda_certificate_expiry_timestamp_seconds');
      assert.ok(expiry.length >= 2, `${target.name}: certificates`);
      for (const sample of expiry)
        assert.ok(sample.value > now, `${target.name}: ${sample.labels['certificate']}`);
    }
    const pod = targets[2];
    assert.ok(pod);
    const samples = samplesOf((await scrape(pod.metricsUrl, `Bearer ${token}`)).text);
    const fanOuts = samples.find(
      (s) => s.name === 'byoda_federation_fanouts_total' && s.labels['mode'] === 'recursive',
    );
    assert.equal(fanOuts?.value, 1, 'the owner’s recursive query');
    const certNames = samples
      .filter((s) => s.name === 'byoda_certificate_expiry_timestamp_seconds')
      .map((s) => s.labels['certificate']);
    assert.deepEqual(
      certNames.sort(),
      ['account-tls', `member-${serviceId}`, `member-data-${serviceId}`].sort(),
    );
  });
});
