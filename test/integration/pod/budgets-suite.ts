/**
 * What one request may make a pod do (docs/protocol.md, "Limits and errors"), against the real pod
 * process: the answer amplification attack (one ~900 KB public record, 250 aliases) is refused before
 * or while the answer is built and the pod's memory stays bounded, legitimate large reads still work,
 * introspection has a cost, subscriptions are capped per client and per membership over graphql-ws,
 * and an oversized WebSocket message is logged as a warning, not as the pod's error.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { codes, graphql, podCredential, wsClient } from './pod-clients.js';
import type { GraphqlAnswer } from './pod-clients.js';
import type { PodWorld } from './world.js';

const BIG = 900 * 1024;
const APPEND = 'mutation($a: asset_input!) { append_public_assets(input: $a) { asset_id } }';
const SUBSCRIPTION = 'subscription { public_assets_updates { action node { asset_id } } }';

function asset(contents: string): Record<string, unknown> {
  return {
    created_timestamp: new Date().toISOString(),
    asset_id: randomUUID(),
    asset_type: 'text',
    contents,
  };
}

function aliases(n: number, field: string): string {
  return `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
}

/** Resident memory of a process now and at its peak since the peak was last reset, in MB (Linux). */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

/** Starts counting the peak resident memory afresh (writing 5 to clear_refs resets VmHWM). */
async function resetPeak(pid: number): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`/proc/${pid}/clear_refs`, '5');
}

type Outcome =
  { readonly ok: true } | { readonly ok: false; readonly code: unknown; readonly message: string };

/** The first step of a subscription: an event (ok) or the server's refusal. */
function firstStep(client: Client): Promise<Outcome> {
  const iterator = client.iterate({ query: SUBSCRIPTION });
  return iterator.next().then(
    () => ({ ok: true }) as const,
    (err: unknown) => {
      const first = (Array.isArray(err) ? err[0] : err) as
        { message?: string; extensions?: { code?: unknown } } | undefined;
      return { ok: false, code: first?.extensions?.code, message: first?.message ?? String(err) } as const;
    },
  );
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a failure after a generous wait: a missing event fails the test instead of hanging it. */
function orFail<T>(promise: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function budgetsSuite(world: PodWorld): void {
  const anonymous = (query: string, variables?: Record<string, unknown>): Promise<GraphqlAnswer> =>
    graphql(world.webA, world.podA.webUrl, world.serviceId, query, variables ? { variables } : {});
  const connection = 'public_assets_connection { edges { node { contents } } }';
  const onePerAlias = 'public_assets_connection(first: 1) { edges { node { contents } } }';

  describe('pod: answer budgets (amplification)', () => {
    it('stores a ~900 KB public record for everyone to read', async () => {
      const stored = await world.dataA(APPEND, { a: asset('x'.repeat(BIG)) });
      assert.deepEqual(stored.errors, []);
      const read = await anonymous(`{ ${onePerAlias} }`);
      assert.deepEqual(read.errors, []);
      const edges = (read.data?.['public_assets_connection'] as { edges: { node: { contents: string } }[] })
        .edges;
      assert.equal(edges[0]?.node.contents.length, BIG);
    });

    it('refuses 250 aliases from an anonymous client, by cost or by size, with bounded memory', async (t) => {
      const pid = world.podA.process.child.pid;
      assert.ok(pid !== undefined);
      const before = await memoryOf(pid);
      await resetPeak(pid);
      const costly = await anonymous(aliases(250, connection));
      assert.deepEqual(codes(costly), ['BYODA_ERR_QUERY_TOO_COSTLY']);
      assert.equal(costly.data ?? undefined, undefined);
      // One record per alias is cheap to estimate; the answer's bytes stop it while it is built.
      const large = await anonymous(aliases(250, onePerAlias));
      assert.deepEqual(codes(large), ['BYODA_ERR_ANSWER_TOO_LARGE']);
      assert.equal(large.data ?? undefined, undefined, 'no partial answer');
      assert.ok(large.text.length < 10_000, `the refusal is small (${large.text.length} bytes)`);
      const after = await memoryOf(pid);
      t.diagnostic(
        `anonymous attack: RSS ${before.rss} MB before, peak ${after.peak} MB, ${after.rss} MB after`,
      );
      // The reported attack took the process from 280 MB to 1.6 GB; the cap is 4 MiB of records.
      assert.ok(after.peak - before.rss < 200, `peak ${after.peak} MB from ${before.rss} MB`);
    });

    it('bounds even the owner’s answer by the owner’s larger cap', async (t) => {
      const pid = world.podA.process.child.pid!;
      const before = await memoryOf(pid);
      await resetPeak(pid);
      const large = await world.dataA(aliases(250, connection));
      assert.deepEqual(codes(large), ['BYODA_ERR_ANSWER_TOO_LARGE']);
      const after = await memoryOf(pid);
      t.diagnostic(
        `owner, 250 aliases: RSS ${before.rss} MB before, peak ${after.peak} MB, ${after.rss} MB after`,
      );
      assert.ok(after.peak - before.rss < 400, `peak ${after.peak} MB from ${before.rss} MB`);
    });

    it('still answers the owner’s large legitimate read, and every other client', async () => {
      const read = await world.dataA(
        '{ public_assets_connection(first: 100) { total_count edges { node { asset_id contents } } } }',
      );
      assert.deepEqual(read.errors, []);
      const page = read.data?.['public_assets_connection'] as {
        edges: { node: { contents: string } }[];
      };
      assert.ok(page.edges.some((edge) => edge.node.contents.length === BIG));
      assert.deepEqual((await anonymous('{ public_assets_counter }')).errors, []);
    });

    it('counts introspection: 200 aliases of __schema are refused to the owner, one is answered', async () => {
      const refused = await world.dataA(aliases(200, '__schema { types { name } }'));
      assert.deepEqual(codes(refused), ['BYODA_ERR_QUERY_TOO_COSTLY']);
      const one = await world.dataA('{ __schema { types { name } } }');
      assert.deepEqual(one.errors, []);
    });
  });

  describe('pod: WebSocket messages that are bad input', () => {
    const logFile = () => join(world.podA.dataDir, 'logs', 'pod.log');

    async function openSocket(): Promise<WebSocket> {
      const url = `${world.podA.memberUrl.replace(/^https:/, 'wss:')}/api/v1/data/service-${world.serviceId}`;
      // TLS options go through to https.request; ws's own type does not list `servername`.
      const tls = { ca: world.rootCaPem, servername: world.memberFqdnA };
      const socket = new WebSocket(url, 'graphql-transport-ws', tls as WebSocket.ClientOptions);
      await new Promise<void>((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      socket.on('error', () => undefined); // the server cuts the connection: expected
      return socket;
    }

    /** The log lines written after byte `start`, once one has message `msg` (waited for, bounded). */
    async function linesUntil(start: number, msg: string): Promise<Record<string, unknown>[]> {
      let lines: Record<string, unknown>[] = [];
      for (let attempt = 0; attempt < 50; attempt++) {
        const text = (await readFile(logFile())).subarray(start).toString();
        lines = text
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        if (lines.some((line) => line['msg'] === msg)) break;
        await settle(100);
      }
      return lines;
    }

    function assertWarningOnly(lines: Record<string, unknown>[], msg: string): Record<string, unknown> {
      const line = lines.find((candidate) => candidate['msg'] === msg);
      assert.ok(line, `a log line '${msg}' in ${JSON.stringify(lines)}`);
      assert.equal(line['level'], 40, 'a warning');
      assert.ok(!JSON.stringify(line).includes('stack'), 'no stack trace');
      assert.deepEqual(
        lines.filter((candidate) => Number(candidate['level']) >= 50),
        [],
        'nothing at error level',
      );
      return line;
    }

    it('closes the socket for a message over 1 MiB and logs a warning without a stack', async () => {
      const start = (await stat(logFile())).size;
      const socket = await openSocket();
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      socket.send('x'.repeat(1024 * 1024 + 1024));
      assert.equal(await closed, 1009, 'closed as "message too big"');
      const line = assertWarningOnly(
        await linesUntil(start, 'WebSocket message refused'),
        'WebSocket message refused',
      );
      assert.equal(line['ws_error'], 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
      assert.doesNotMatch(world.podA.process.stderr, /Internal error/);
    });

    it('closes the socket for a message a client must not send, as bad input', async () => {
      const start = (await stat(logFile())).size;
      const socket = await openSocket();
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      socket.send(JSON.stringify({ type: 'connection_init' }));
      socket.send(JSON.stringify({ type: 'next', id: '1', payload: { data: {} } }));
      assert.equal(await closed, 4400);
      assertWarningOnly(await linesUntil(start, 'graphql-ws message refused'), 'graphql-ws message refused');
    });
  });

  describe('pod: open subscriptions per client and per membership', () => {
    const clients: Client[] = [];
    const anonymousClient = () => {
      const client = wsClient(world.podA.memberUrl, world.serviceId, {
        rootCaPem: world.rootCaPem,
        servername: world.memberFqdnA,
      });
      clients.push(client);
      return client;
    };

    it('restarts pod A with small limits (3 per client, 5 per membership)', async () => {
      await world.net.restartPod(world.podA, {
        BYODA_SUBSCRIPTIONS_PER_CLIENT: '3',
        BYODA_SUBSCRIPTIONS_PER_MEMBERSHIP: '5',
      });
      await world.renewWebAgent();
    });

    it('refuses an anonymous client its 4th subscription on the member port, and keeps its 3', async () => {
      const client = anonymousClient();
      const steps = Array.from({ length: 4 }, () => firstStep(client));
      const refused = await orFail(Promise.race(steps), 'a refusal');
      assert.deepEqual(refused, {
        ok: false,
        code: 'BYODA_ERR_TOO_MANY_SUBSCRIPTIONS',
        message: 'this client has 3 subscriptions open, the most one client may hold: complete one first',
      });
      await settle(300); // the accepted ones finish subscribing on the server
      assert.deepEqual((await world.dataA(APPEND, { a: asset('small') })).errors, []);
      const outcomes = await orFail(Promise.all(steps), 'the event on the accepted subscriptions');
      assert.deepEqual(outcomes.map((outcome) => outcome.ok).sort(), [false, true, true, true]);
    });

    it('refuses subscriptions beyond the membership’s limit to another client', async () => {
      const credential = await podCredential(world.podB, `member-${world.serviceId}`);
      const member = wsClient(world.podA.memberUrl, world.serviceId, {
        rootCaPem: world.rootCaPem,
        servername: world.memberFqdnA,
        credential,
      });
      clients.push(member);
      const steps = Array.from({ length: 3 }, () => firstStep(member));
      const refused = await orFail(Promise.race(steps), 'a refusal');
      assert.equal(refused.ok, false);
      assert.ok(!refused.ok);
      assert.equal(refused.code, 'BYODA_ERR_TOO_MANY_SUBSCRIPTIONS');
      assert.match(refused.message, /this membership has 5 subscriptions open/);
    });

    it('frees the places of a client that leaves', async () => {
      for (const client of clients.splice(0)) await client.dispose();
      // The server learns of the closed sockets a moment later: ask until a place is free (bounded).
      let outcome: Outcome = { ok: false, code: undefined, message: 'never asked' };
      for (let attempt = 0; attempt < 30 && !outcome.ok; attempt++) {
        const client = anonymousClient();
        const step = firstStep(client);
        const refusal = await Promise.race([step, settle(300).then(() => undefined)]);
        if (refusal && !refusal.ok) {
          outcome = refusal;
          await client.dispose();
          clients.pop();
          continue;
        }
        assert.deepEqual((await world.dataA(APPEND, { a: asset('after') })).errors, []);
        outcome = await orFail(step, 'the event');
      }
      assert.deepEqual(outcome, { ok: true });
      for (const client of clients.splice(0)) await client.dispose();
    });
  });
}
