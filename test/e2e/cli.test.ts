/**
 * The owner commands as a user runs them: `byoda up` as a child process in a temporary folder (its
 * default `.byoda`, so that commands without a pod option find it), then real `byoda login`, `link`,
 * `query` and `search` processes against it. Failures must be a non-zero exit with one line on stderr.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { closedPort } from '../fixtures/closed-port.js';
import { BYODA } from '../fixtures/network-harness.js';
import { LOADED_MACHINE_ENV } from '../fixtures/test-env.js';

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;
const SERVICE_ID = 4294929430;

interface PodEntry {
  name: string;
  account_id: string;
  password_file: string;
  memberships: { member_id: string }[];
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `byoda ...args` in `cwd`, with `input` on stdin; never rejects (the test checks the code). */
function byoda(cwd: string, args: readonly string[], input = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BYODA, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Exit 0, nothing on stderr, stdout one JSON line. */
function jsonOf(result: Result): Record<string, unknown> {
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `one JSON line: ${result.stdout}`);
  return JSON.parse(lines[0] ?? '') as Record<string, unknown>;
}

/** A non-zero exit, nothing on stdout, one line on stderr matching `pattern`. */
function assertOneLineFailure(result: Result, pattern: RegExp): void {
  assert.notEqual(result.code, 0, result.stdout);
  assert.equal(result.stdout, '');
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr: ${result.stderr}`);
  assert.match(lines[0] ?? '', pattern);
}

async function waitForFile(path: string, up: ChildProcess, log: () => string): Promise<string> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text !== undefined) return text;
    if (up.exitCode !== null) throw new Error(`byoda up ended before it was ready:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no network.json within ${READY_TIMEOUT_MS} ms:\n${log()}`);
}

describe('byoda login, link and query against a running byoda up', () => {
  let dir = '';
  let up: ChildProcess | undefined;
  let pod1: PodEntry;
  let pod2: PodEntry;
  let member1 = '';
  let member2 = '';
  const run = (args: readonly string[], input?: string): Promise<Result> => byoda(dir, args, input);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-cli-'));
    let output = '';
    up = spawn(process.execPath, [BYODA, 'up', '--json'], {
      cwd: dir,
      env: LOADED_MACHINE_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    up.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    up.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const text = await waitForFile(join(dir, '.byoda', 'network.json'), up, () => output);
    const network = JSON.parse(text) as { pods: PodEntry[] };
    [pod1, pod2] = network.pods as [PodEntry, PodEntry];
    member1 = pod1.memberships[0]?.member_id ?? '';
    member2 = pod2.memberships[0]?.member_id ?? '';
    await writeFile(join(dir, 'wrong-password'), 'not the password\n');
  });

  after(async () => {
    if (up && up.exitCode === null) {
      const exited = new Promise((resolve) => up?.once('exit', resolve));
      up.kill('SIGINT');
      const timer = setTimeout(() => up?.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('pod status', () => {
    it('shows the first pod of .byoda/network.json without --data, another with --pod', async () => {
      const first = jsonOf(await run(['pod', 'status', '--json']));
      assert.equal(first['account_id'], pod1.account_id);
      assert.equal(first['running'], true);
      const second = jsonOf(await run(['pod', 'status', '--pod', 'pod2', '--json']));
      assert.equal(second['account_id'], pod2.account_id);
    });

    it('refuses --data together with --pod', async () => {
      assertOneLineFailure(
        await run(['pod', 'status', '--data', '.byoda/pods/pod1', '--pod', 'pod2']),
        /^error: option '--data <dir>' cannot be used with option '--pod <name>'/,
      );
    });
  });

  describe('login', () => {
    it('logs in to the first pod by default and keeps the token in its folder, mode 0600', async () => {
      const result = await run(['login']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /logged in to pod1 /);
      const tokenFile = join(dir, '.byoda', 'pods', 'pod1', 'owner-token');
      assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
      assert.match(await readFile(tokenFile, 'utf8'), /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    });

    it('prints one JSON line with --json, for a pod named in a given network file', async () => {
      const out = jsonOf(await run(['login', '--network', '.byoda/network.json', '--pod', 'pod2', '--json']));
      assert.equal(out['event'], 'logged_in');
      assert.equal(out['pod'], 'pod2');
      assert.equal(out['token_file'], join(dir, '.byoda', 'pods', 'pod2', 'owner-token'));
      assert.ok(Date.parse(String(out['expires_at'])) > Date.now());
    });

    it('refuses a wrong password with one line and a non-zero exit', async () => {
      const result = await run(['login', '--password-file', 'wrong-password']);
      assertOneLineFailure(result, /^byoda: wrong username or password$/);
    });
  });

  describe('link and query', () => {
    it('adds a family link each way, once', async () => {
      const added = jsonOf(await run(['link', 'add', member2, 'Family', '--json']));
      assert.deepEqual(
        { ...added, created_timestamp: typeof added['created_timestamp'] },
        {
          event: 'linked',
          service_id: SERVICE_ID,
          member_id: member2,
          relation: 'family',
          created_timestamp: 'string',
          added: true,
        },
      );
      const again = jsonOf(await run(['link', 'add', member2, 'family', '--json']));
      assert.equal(again['added'], false, 'the same link is not appended twice');
      const back = jsonOf(await run(['link', 'add', member1, 'family', '--pod', 'pod2', '--json']));
      assert.equal(back['added'], true);
    });

    it('lists the links', async () => {
      const listed = jsonOf(await run(['link', 'list', '--json']));
      assert.equal(listed['event'], 'links');
      const links = listed['links'] as { member_id: string; relation: string }[];
      assert.deepEqual(
        links.map((l) => [l.member_id, l.relation]),
        [[member2, 'family']],
      );
      const text = await run(['link', 'list']);
      assert.equal(text.code, 0);
      assert.match(text.stdout, new RegExp(`${member2}\\s+family`));
    });

    it('sends a query as it is, with variables, and prints its data', async () => {
      const mutation = 'mutation ($p: person_input!) { mutate_person(input: $p) { given_name } }';
      const person = {
        given_name: 'Mike',
        family_name: 'Jones',
        email: 'mike@example.com',
        home_address: { street: '12 Elm Street', city: 'Springfield' },
      };
      const variables = JSON.stringify({ p: person });
      const out = jsonOf(await run(['query', mutation, '--pod', 'pod2', '--variables', variables, '--json']));
      assert.deepEqual(out, { mutate_person: { given_name: 'Mike' } });
    });

    it("finds pod2's member by the email of its card (byoda search, through pod1)", async () => {
      const expected = {
        event: 'found',
        service_id: SERVICE_ID,
        class: 'person',
        field: 'email',
        results: [{ member_id: member2 }],
      };
      // The service collects pod2's email asynchronously: ask again until it has.
      const args = ['search', 'person', 'email', 'MIKE@example.com', '--json'];
      const giveUp = Date.now() + READY_TIMEOUT_MS;
      let out = jsonOf(await run(args));
      while (JSON.stringify(out) !== JSON.stringify(expected) && Date.now() < giveUp) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        out = jsonOf(await run(args));
      }
      assert.deepEqual(out, expected);
      const text = await run(['search', 'person', 'email', 'mike@example.com']);
      assert.equal(text.code, 0, text.stderr);
      assert.equal(text.stdout, `${member2}\n`);
      const none = await run(['search', 'person', 'email', 'nobody@example.com']);
      assert.equal(none.code, 0, none.stderr);
      assert.equal(none.stdout, `no member of service ${SERVICE_ID} has person.email = nobody@example.com\n`);
    });

    it('reads the query from stdin with -', async () => {
      const result = await run(['query', '-', '--pod', 'pod2'], '{ person { given_name } }');
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), { person: { given_name: 'Mike' } });
    });

    it('builds person_connection with --class: the linked pod answers, with its origin', async () => {
      const args = ['query', '--class', 'person', '--depth', '1', '--relations', 'family', '--json'];
      const out = jsonOf(await run(args));
      const connection = out['person_connection'] as {
        edges: { origin: string; node: Record<string, unknown> }[];
        remote_errors: unknown[];
      };
      assert.deepEqual(connection.remote_errors, []);
      const fromMike = connection.edges.find((edge) => edge.origin === member2);
      assert.ok(fromMike, `an edge from pod2: ${JSON.stringify(out)}`);
      assert.deepEqual(fromMike.node['home_address'], {
        street: '12 Elm Street',
        city: 'Springfield',
        postal_code: null,
        country: null,
      });
      assert.ok('avatar_url' in fromMike.node, 'every field of person is selected');
    });

    it('removes a link, then lists none', async () => {
      const removed = jsonOf(await run(['link', 'remove', member2, '--relation', 'family', '--json']));
      assert.deepEqual(removed, {
        event: 'unlinked',
        service_id: SERVICE_ID,
        member_id: member2,
        relation: 'family',
        removed: 1,
      });
      const listed = jsonOf(await run(['link', 'list', '--json']));
      assert.deepEqual(listed['links'], []);
      assertOneLineFailure(await run(['link', 'remove', member2]), /^byoda: no link to /);
    });
  });

  describe('bad input: a non-zero exit and one line', { concurrency: true }, () => {
    it('--depth abc', async () => {
      assertOneLineFailure(
        await run(['query', '--class', 'person', '--depth', 'abc']),
        /^error: option '--depth <n>' argument 'abc' is invalid/,
      );
    });

    it('a service the pod is not a member of', async () => {
      assertOneLineFailure(
        await run(['query', '{ person { given_name } }', '--service', '12']),
        /^byoda: this pod is not a member of service 12$/,
      );
    });

    it('a query that does not parse', async () => {
      assertOneLineFailure(await run(['query', '{ person { given_name }']), /^byoda: Syntax Error: /);
    });

    it('an unknown class', async () => {
      assertOneLineFailure(
        await run(['query', '--class', 'nobody']),
        /^byoda: the service has no class nobody \(classes: .*person.*\)$/,
      );
    });

    it('a search on a field the service may not search', async () => {
      assertOneLineFailure(
        await run(['search', 'person', 'given_name', 'Mike']),
        // In words, without the request's path (`querystring/given_name`) the server names.
        /^byoda: person\.given_name is not searchable/,
      );
    });

    it('a network.json left by a byoda up that crashed: says so instead of ECONNREFUSED', async () => {
      const stale = await mkdtemp(join(tmpdir(), 'byoda-cli-stale-'));
      try {
        const network = JSON.parse(await readFile(join(dir, '.byoda', 'network.json'), 'utf8')) as {
          pods: { web_url: string }[];
        };
        const port = await closedPort();
        for (const pod of network.pods) pod.web_url = `https://127.0.0.1:${port}`;
        await mkdir(join(stale, '.byoda'));
        await writeFile(join(stale, '.byoda', 'network.json'), JSON.stringify(network));
        assertOneLineFailure(
          await byoda(stale, ['link', 'list', '--token-file', join(stale, 'token')]),
          new RegExp(
            `^byoda: pod1 does not answer at https://127\\.0\\.0\\.1:${port}: is 'byoda up' still running\\?`,
          ),
        );
      } finally {
        await rm(stale, { recursive: true, force: true });
      }
    });

    it('no network file where commands look by default', async () => {
      const empty = await mkdtemp(join(tmpdir(), 'byoda-cli-empty-'));
      try {
        assertOneLineFailure(await byoda(empty, ['link', 'list']), /^byoda: no \.byoda\/network\.json: /);
      } finally {
        await rm(empty, { recursive: true, force: true });
      }
    });
  });
});
