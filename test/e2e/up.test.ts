/**
 * `byoda up` as a user runs it (spec §11): a real child process over a temporary data folder. The
 * first run is followed through network.json, TLS, DNS and the owner API; SIGINT must stop it with
 * exit code 0 and remove network.json; the second run must bring back the same accounts, members and
 * data. The first run publishes the example contract's previous version, the second its current one,
 * to which the pods move (the migration path of a data folder made by an older checkout).
 */
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { access, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { runByoda } from '../fixtures/network-harness.js';
import { UpProcess, verifiedCommonName } from '../fixtures/up-process.js';
import type { NetworkJson } from '../fixtures/up-process.js';
import { promtoolCheck, samplesOf } from '../fixtures/prometheus-text.js';
import { DEFAULT_REVOCATION_REFRESH_MS, DIRECTORY_PATHS } from '../../src/network/index.js';

const SERVICE_ID = 4294929430;
/** The example contract `byoda up` publishes by default, and its version. */
const EXAMPLE_URL = new URL('../../contracts/addressbook.json', import.meta.url);
const EXAMPLE = JSON.parse(await readFile(EXAMPLE_URL, 'utf8')) as Record<string, unknown>;
const EXAMPLE_VERSION = EXAMPLE['version'] as number;

/**
 * The example contract as its previous version was (version 2 added the `app` rule of
 * `incoming_assets`): the first run publishes it, the second the current one, which is how a data
 * folder made by an older checkout meets a newer contract. Rebuild this when the next version comes.
 */
function previousExample(): Record<string, unknown> {
  const doc = structuredClone(EXAMPLE);
  const classes = (doc['jsonschema'] as { properties: Record<string, Record<string, unknown>> }).properties;
  const incoming = classes['incoming_assets']?.['#accesscontrol'] as Record<string, unknown> | undefined;
  assert.ok(incoming && 'app' in incoming, 'the example grants app on incoming_assets');
  delete incoming['app'];
  return { ...doc, version: EXAMPLE_VERSION - 1 };
}
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const LOCAL_URL = /^https:\/\/127\.0\.0\.1:\d{1,5}$/;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function assertKeys(value: unknown, keys: readonly string[], where: string): asserts value is object {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${where} is an object`);
  assert.deepEqual(Object.keys(value).sort(), [...keys].sort(), `${where} has exactly the keys of spec §11`);
}

async function assertAbsoluteFile(path: unknown, where: string): Promise<void> {
  assert.ok(typeof path === 'string' && isAbsolute(path), `${where} is an absolute path`);
  assert.ok((await stat(path)).isFile(), `${where} exists`);
}

/** Every field of spec §11, with its type and form. */
async function checkNetworkJson(net: NetworkJson, version = EXAMPLE_VERSION): Promise<void> {
  assertKeys(net, ['network', 'dns', 'root_ca', 'directory', 'services', 'pods', 'proxy'], 'network.json');
  assert.equal(net.network, 'byoda.test');
  const n = net.network.replace(/\./g, '\\.');
  assertKeys(net.dns, ['host', 'port'], 'dns');
  assert.equal(net.dns.host, '127.0.0.1');
  assert.ok(Number.isInteger(net.dns.port) && net.dns.port > 0 && net.dns.port < 65536);
  await assertAbsoluteFile(net.root_ca, 'root_ca');
  assertKeys(net.directory, ['url', 'fqdn'], 'directory');
  assert.match(net.directory.url, LOCAL_URL);
  assert.equal(net.directory.fqdn, `dir.${net.network}`);
  assertKeys(net.proxy, ['url', 'fqdn'], 'proxy');
  assert.match(net.proxy.url, LOCAL_URL);
  assert.equal(net.proxy.fqdn, `proxy.${net.network}`);
  assert.equal(net.services.length, 1);
  for (const service of net.services) {
    assertKeys(service, ['service_id', 'name', 'version', 'url', 'fqdn'], 'services[]');
    assert.equal(service.service_id, SERVICE_ID);
    assert.equal(service.name, 'addressbook');
    assert.equal(service.version, version);
    assert.match(service.url, LOCAL_URL);
    assert.equal(service.fqdn, `service.service-${SERVICE_ID}.${net.network}`);
  }
  assert.deepEqual(
    net.pods.map((pod) => pod.name),
    ['pod1', 'pod2'],
  );
  for (const pod of net.pods) {
    const keys = ['name', 'account_id', 'fqdn', 'web_url', 'member_url', 'username', 'password_file'];
    assertKeys(pod, [...keys, 'memberships'], `pods[${pod.name}]`);
    assert.match(pod.account_id, new RegExp(`^${UUID}$`));
    assert.equal(pod.fqdn, `${pod.account_id}.accounts.${net.network}`);
    assert.match(pod.fqdn, new RegExp(`^${UUID}\\.accounts\\.${n}$`));
    assert.match(pod.web_url, LOCAL_URL);
    assert.match(pod.member_url, LOCAL_URL);
    assert.notEqual(pod.web_url, pod.member_url);
    assert.ok(typeof pod.username === 'string' && pod.username.length > 0);
    await assertAbsoluteFile(pod.password_file, `${pod.name}.password_file`);
    assert.equal((await stat(pod.password_file)).mode & 0o777, 0o600, 'the password file is 0600');
    assert.equal(pod.memberships.length, 1);
    for (const m of pod.memberships) {
      assertKeys(m, ['service_id', 'member_id', 'fqdn'], `${pod.name}.memberships[]`);
      assert.equal(m.service_id, SERVICE_ID);
      assert.match(m.member_id, new RegExp(`^${UUID}$`));
      assert.equal(m.fqdn, `${m.member_id}.members-${SERVICE_ID}.${net.network}`);
      assert.match(m.fqdn, new RegExp(`^${UUID}\\.members-${SERVICE_ID}\\.${n}$`));
    }
  }
}

/** Every URL with the FQDN its certificate must name (a member port once per membership). */
function namedUrls(net: NetworkJson): { url: string; fqdn: string }[] {
  return [
    net.directory,
    net.proxy,
    ...net.services,
    ...net.pods.flatMap((pod) => [
      { url: pod.web_url, fqdn: pod.fqdn },
      ...pod.memberships.map((m) => ({ url: pod.member_url, fqdn: m.fqdn })),
    ]),
  ];
}

function agentFor(ca: string, servername: string): Agent {
  return new Agent({ connect: { ca, servername } });
}

async function postJson(agent: Agent, url: string, body: unknown, token?: string) {
  const response = await request(url, {
    dispatcher: agent,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

/** Logs in to a pod as its owner with the username and password file of network.json. */
async function ownerSession(net: NetworkJson, podIndex: number) {
  const pod = net.pods[podIndex]!;
  const ca = await readFile(net.root_ca, 'utf8');
  const agent = agentFor(ca, pod.fqdn);
  const password = (await readFile(pod.password_file, 'utf8')).split('\n')[0];
  const login = await postJson(agent, `${pod.web_url}/api/v1/pod/authtoken`, {
    username: pod.username,
    password,
  });
  assert.equal(login.status, 200, JSON.stringify(login.json));
  const token = String(login.json['auth_token']);
  return {
    agent,
    token,
    graphql: async (query: string, variables: Record<string, unknown> = {}) => {
      const answer = await postJson(
        agent,
        `${pod.web_url}/api/v1/data/service-${SERVICE_ID}`,
        { query, variables },
        token,
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      assert.equal(answer.json['errors'], undefined, JSON.stringify(answer.json));
      return answer.json['data'] as Record<string, unknown>;
    },
  };
}

const SUZIE = {
  given_name: 'Suzie',
  family_name: 'Jansen',
  email: 'suzie@example.test',
  home_address: { street: 'Lindelaan 4', city: 'Utrecht', postal_code: '3511 AB', country: 'NL' },
};

describe('byoda up', () => {
  let root = '';
  let dataDir = '';
  let networkFile = '';
  let up: UpProcess | undefined;
  let first: NetworkJson | undefined;
  let startedAt = 0;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'byoda-up-'));
    dataDir = join(root, 'data');
    networkFile = join(dataDir, 'network.json');
    const previous = join(root, 'addressbook-previous.json');
    await writeFile(previous, JSON.stringify(previousExample()));
    startedAt = Date.now();
    up = new UpProcess([
      ...['--data', dataDir, '--pods', '2', '--json', '--metrics-listen', '127.0.0.1:0'],
      ...['--contract', previous],
    ]);
    first = await up.waitForNetworkFile(networkFile);
  });

  after(async () => {
    await up?.stop('SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  it('writes network.json with every field of spec §11 once everything answers', async () => {
    await checkNetworkJson(first!, EXAMPLE_VERSION - 1);
    const output = await up!.waitForOutput(/"event":"ready"/);
    const ready = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line['event'] === 'ready');
    assert.equal(ready?.['network_file'], networkFile);
  });

  it('serves every URL with a certificate that chains to root_ca and names its FQDN', async () => {
    const ca = await readFile(first!.root_ca, 'utf8');
    for (const { url, fqdn } of namedUrls(first!)) {
      assert.equal(await verifiedCommonName(url, fqdn, ca), fqdn);
    }
  });

  it('answers GET /api/v1/status on every server and both ports of every pod', async () => {
    const ca = await readFile(first!.root_ca, 'utf8');
    const kinds: string[] = [];
    for (const { url, fqdn } of namedUrls(first!)) {
      const agent = agentFor(ca, fqdn);
      try {
        const response = await request(`${url}/api/v1/status`, { dispatcher: agent });
        const body = (await response.body.json()) as Record<string, unknown>;
        assert.equal(response.statusCode, 200, url);
        assert.equal(body['status'], 'ok', url);
        kinds.push(String(body['server']));
      } finally {
        await agent.close();
      }
    }
    assert.deepEqual(
      [...new Set(kinds)].sort(),
      ['directory', 'pod-member', 'pod-web', 'proxy', 'service'],
      'every kind of server of byoda up answered',
    );
  });

  it('serves one metrics endpoint for all its servers, each series labelled with its FQDN', async () => {
    const output = await up!.waitForOutput(/"event":"metrics"/);
    const line = output.split('\n').find((l) => l.includes('"event":"metrics"')) ?? '{}';
    const url = String((JSON.parse(line) as Record<string, unknown>)['url']);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await request(url);
    const text = await response.body.text();
    assert.equal(response.statusCode, 200);
    const check = await promtoolCheck(text);
    assert.equal(check.code, 0, check.output);
    const fqdns = new Set(samplesOf(text).map((s) => s.labels['fqdn']));
    for (const { fqdn } of [first!.directory, ...first!.services, ...first!.pods]) {
      assert.ok(fqdns.has(fqdn), `metrics of ${fqdn}`);
    }
  });

  it('keeps one revocation list for all its pods: the directory is asked once per refresh, not once per pod', async () => {
    const output = await up!.waitForOutput(/"event":"metrics"/);
    const line = output.split('\n').find((l) => l.includes('"event":"metrics"')) ?? '{}';
    const text = await (
      await request(String((JSON.parse(line) as Record<string, unknown>)['url']))
    ).body.text();
    const fetches = samplesOf(text)
      .filter(
        (s) =>
          s.name === 'byoda_http_requests_total' &&
          s.labels['server'] === 'directory' &&
          s.labels['method'] === 'GET' &&
          s.labels['route'] === DIRECTORY_PATHS.revocations,
      )
      .reduce((sum, s) => sum + s.value, 0);
    // One list for the pods and the service's own, each fetched at start and every 60 s since; a
    // watcher per pod would add one more per pod each time.
    const refreshes = 1 + Math.floor((Date.now() - startedAt) / DEFAULT_REVOCATION_REFRESH_MS);
    assert.ok(fetches >= 1, 'the list was fetched');
    assert.ok(
      fetches <= 2 * refreshes,
      `${fetches} fetches of the revocation list in ${refreshes} refreshes`,
    );
  });

  it("resolves each pod's account and member names through the DNS server of network.json", async () => {
    const resolver = new Resolver();
    resolver.setServers([`${first!.dns.host}:${first!.dns.port}`]);
    assert.deepEqual(await resolver.resolve4(first!.proxy.fqdn), ['127.0.0.1']);
    const [proxySrv] = await resolver.resolveSrv(`_byoda._tcp.${first!.proxy.fqdn}`);
    assert.equal(proxySrv?.port, Number(new URL(first!.proxy.url).port));
    for (const pod of first!.pods) {
      assert.deepEqual(await resolver.resolve4(pod.fqdn), ['127.0.0.1']);
      for (const m of pod.memberships) assert.deepEqual(await resolver.resolve4(m.fqdn), ['127.0.0.1']);
    }
  });

  it('refuses byoda pod start on the folder of a pod it runs, before touching its DNS records', async () => {
    const pod = first!.pods[0]!;
    const resolver = new Resolver();
    resolver.setServers([`${first!.dns.host}:${first!.dns.port}`]);
    const before = await resolver.resolveSrv(`_byoda._tcp.${pod.fqdn}`);
    const podDir = join(dataDir, 'pods', pod.name);
    const dns = `${first!.dns.host}:${first!.dns.port}`;
    const second = await runByoda(['pod', 'start', '--data', podDir, '--dns', dns, '--json']);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /is in use by byoda up \(pid \d+\)/);
    assert.deepEqual(await resolver.resolveSrv(`_byoda._tcp.${pod.fqdn}`), before);
  });

  it('lets the owner of pod1 log in and shows the membership in the account', async () => {
    const session = await ownerSession(first!, 0);
    try {
      const response = await request(`${first!.pods[0]!.web_url}/api/v1/pod/account`, {
        dispatcher: session.agent,
        headers: { authorization: `Bearer ${session.token}` },
      });
      assert.equal(response.statusCode, 200);
      const account = (await response.body.json()) as {
        account_id: string;
        memberships: { service_id: number; member_id: string }[];
      };
      assert.equal(account.account_id, first!.pods[0]!.account_id);
      const [membership] = first!.pods[0]!.memberships;
      assert.ok(
        account.memberships.some((m) => m.service_id === SERVICE_ID && m.member_id === membership!.member_id),
      );
      const stored = await session.graphql(
        'mutation ($input: person_input!) { mutate_person(input: $input) { given_name home_address { city } } }',
        { input: SUZIE },
      );
      assert.deepEqual(stored['mutate_person'], { given_name: 'Suzie', home_address: { city: 'Utrecht' } });
    } finally {
      await session.agent.close();
    }
  });

  it('stops everything on SIGINT with exit code 0 and removes network.json', async () => {
    assert.equal(await up!.stop('SIGINT'), 0, up!.stderr);
    assert.equal(await exists(networkFile), false);
    assert.match(up!.stdout, /"event":"stopped","signal":"SIGINT"/);
  });

  it('reuses the accounts, memberships and data when started again with the same folder, moving them to the newer example contract', async () => {
    startedAt = Date.now();
    up = new UpProcess(['--data', dataDir, '--pods', '2']);
    const second = await up.waitForNetworkFile(networkFile);
    await checkNetworkJson(second);
    await up.waitForOutput(new RegExp(`contract version ${EXAMPLE_VERSION} of addressbook published`));
    await up.waitForOutput(new RegExp(`pod1 moved to contract version ${EXAMPLE_VERSION} of addressbook`));
    await up.waitForOutput(new RegExp(`pod2 moved to contract version ${EXAMPLE_VERSION} of addressbook`));
    const ids = (net: NetworkJson) =>
      net.pods.map((pod) => ({ account: pod.account_id, members: pod.memberships.map((m) => m.member_id) }));
    assert.deepEqual(ids(second), ids(first!));
    await up.waitForOutput(/BYODA network byoda\.test is up/);
    const session = await ownerSession(second, 0);
    try {
      const data = await session.graphql(
        '{ person { given_name family_name home_address { city country } } }',
      );
      assert.deepEqual(data['person'], {
        given_name: 'Suzie',
        family_name: 'Jansen',
        home_address: { city: 'Utrecht', country: 'NL' },
      });
    } finally {
      await session.agent.close();
    }
    assert.equal(await up.stop('SIGTERM'), 0, up.stderr);
    assert.equal(await exists(networkFile), false);
  });
});

// Each case is its own short-lived process: they run side by side.
describe('byoda up with bad input', { concurrency: true }, () => {
  let root = '';
  before(async () => (root = await mkdtemp(join(tmpdir(), 'byoda-up-bad-'))));
  after(() => rm(root, { recursive: true, force: true }));

  for (const [what, args] of [
    ['no pods', ['--pods', '0']],
    ['a pod count that is not a number', ['--pods', 'abc']],
    ['more pods than the documented bound of 2000', ['--pods', '2001']],
    ['a contract file that does not exist', ['--contract', '/nonexistent']],
  ] as const) {
    it(`exits non-zero with a one-line error for ${what}`, async () => {
      const data = join(root, what.replace(/ /g, '-'));
      const result = await runByoda(['up', '--data', data, ...args]);
      assert.notEqual(result.code, 0);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.equal(await exists(data), false, 'nothing is created');
    });
  }
});
