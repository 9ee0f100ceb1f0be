/**
 * The standing fuzz suite against one network of real processes (test/fuzz/fuzz-network.ts): every
 * HTTP route of the directory, the service and pod A's two ports with fuzzed paths, query strings,
 * headers and bodies; GraphQL operations generated from the membership's schema; forged owner tokens;
 * requests no client library sends; DNS packets over real UDP and TCP.
 *
 * Oracle: no answer is a 5xx, a refusal is the JSON error body with a code, no request goes
 * unanswered past its timeout, no server logs an error, every server still runs and answers at the
 * end, and the requests that must be refused leave the stored data exactly as it was (a snapshot of
 * it before and after). Each test prints `fuzz <suite>: N cases, F failures`. Sizes scale with
 * BYODA_SOAK (`npm run test:soak`); BYODA_FUZZ_SEED repeats a run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { request } from 'undici';
import { accountFqdn, directoryFqdn, memberFqdn } from '../../src/pki/index.js';
import { FuzzTally, describeInput, fuzzRuns, fuzzSeed, httpOracle, withTimeout } from '../fixtures/fuzz.js';
import type { FuzzAnswer } from '../fixtures/fuzz.js';
import { NETWORK } from '../fixtures/network-harness.js';
import { csrFor, newId } from '../fixtures/pki.js';
import { TcpDnsClient, queryPacket, udpExchange, udpSendAll } from '../integration/dns/dns-clients.js';
import { dnsPacketArbitrary } from './dns-packets.js';
import { FuzzNetwork } from './fuzz-network.js';
import type { Target } from './fuzz-network.js';
import { classesOthersMayWrite, graphqlCaseArbitrary, mayChangeData } from './graphql-cases.js';
import type { GraphqlCase } from './graphql-cases.js';
import { httpCaseArbitrary, refusedOnly } from './http-cases.js';
import type { CaseBases, HttpCase } from './http-cases.js';
import { jwtArbitrary, makeJwtBases } from './jwt-cases.js';
import { rawRequestArbitrary, sendRaw } from './raw-http.js';
import type { RawTarget } from './raw-http.js';

/** A request unanswered after this long is a hang. */
const REQUEST_TIMEOUT_MS = 20_000;
/** Requests in flight at once: enough to keep the servers busy, few enough for a 2-core machine. */
const PARALLEL = 8;

type Sent = FuzzAnswer | { readonly unsendable: string };

/** Sends `cases` PARALLEL at a time; `check` judges each answer (undefined: fine). */
async function runCases<C>(
  cases: readonly C[],
  send: (c: C) => Promise<Sent>,
  check: (c: C, answer: FuzzAnswer) => string | undefined,
  tally: FuzzTally,
): Promise<void> {
  for (let i = 0; i < cases.length; i += PARALLEL) {
    await Promise.all(
      cases.slice(i, i + PARALLEL).map(async (c) => {
        let answer: Sent;
        try {
          answer = await withTimeout(send(c), REQUEST_TIMEOUT_MS + 1000, describeInput(c));
        } catch (err) {
          tally.record(`${String(err)}; case ${describeInput(c, 600)}`);
          return;
        }
        if ('unsendable' in answer) return; // the client library refused to send it: not a case
        const failure = check(c, answer);
        tally.record(failure && `${failure}; case ${describeInput(c, 600)}`);
      }),
    );
  }
}

/**
 * A forged token got nothing: 401 (431 for one too large to read); on GraphQL, a header the pod does
 * not even read as a token (blank) leaves the request anonymous, whose mutation is refused field by
 * field (errors, no data).
 */
function refusedToken(graphql: boolean, answer: FuzzAnswer): boolean {
  if (answer.status === 401 || answer.status === 431) return true;
  if (!graphql) return false;
  const body = JSON.parse(answer.text) as { data?: Record<string, unknown> | null; errors?: unknown[] };
  const data = body.data ?? {};
  return (body.errors?.length ?? 0) > 0 && Object.values(data).every((value) => value === null);
}

describe('fuzz: a network of real processes', () => {
  let world: FuzzNetwork;
  let bases: CaseBases;
  let othersMayWrite: string[] = [];

  before(async () => {
    world = await FuzzNetwork.start();
    const jwt = await makeJwtBases(world.ownerToken, world.memberB.token);
    bases = {
      serviceId: world.serviceId,
      memberIdB: world.memberB.memberId,
      classNames: world.contract.classes.map((cls) => cls.name),
      csrPem: (await csrFor(accountFqdn(NETWORK, newId()))).csrPem,
      contract: { ...world.contract.document },
      jwt,
    };
    othersMayWrite = classesOthersMayWrite(world.contract);
  });

  after(async () => {
    await world?.stop();
  });

  /** An HTTP case over undici; a request undici will not send (bad header, path) is unsendable. */
  const sendHttp = async (c: HttpCase): Promise<Sent> => {
    const target = c.endpoint.target;
    const agent = world.agent(target, c.identity === 'owner' ? 'anonymous' : c.identity);
    try {
      const response = await request(`${world.url(target)}${c.path}`, {
        dispatcher: agent,
        method: c.method,
        headers: c.headers,
        ...(c.body !== undefined ? { body: c.body } : {}),
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
      return { status: response.statusCode, text: await response.body.text() };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_CHAR' || err instanceof TypeError) {
        return { unsendable: code };
      }
      // A server may close the connection on a body over its limit before it has all of it.
      if ((c.body?.length ?? 0) > 1024 * 1024 && /SOCKET|ECONNRESET|EPIPE/.test(code))
        return { status: 413, text: '{"error":{"code":"closed"}}' };
      throw err;
    }
  };

  /** HEAD answers and answers to anything but the JSON APIs carry no JSON body to check. */
  const checkHttp = (c: HttpCase, answer: FuzzAnswer): string | undefined =>
    c.method === 'HEAD' ? (answer.status >= 500 ? `status ${answer.status}` : undefined) : httpOracle(answer);

  /** A GraphQL case over undici (POST with a JSON body, or GET with the query string). */
  const sendGraphql = async (c: GraphqlCase): Promise<Sent> => {
    const agent = world.agent(c.target, c.identity === 'owner' ? 'anonymous' : c.identity);
    const headers: Record<string, string> = { accept: c.accept };
    if (c.identity === 'owner') headers['authorization'] = `Bearer ${world.ownerToken}`;
    else if (c.authorization !== undefined) headers['authorization'] = c.authorization;
    const base = `${world.url(c.target)}/api/v1/data/service-${world.serviceId}`;
    const { query, variables, operationName } = c.operation;
    let url = base;
    let body: string | undefined;
    if (c.method === 'GET') {
      const params = new URLSearchParams({ query, variables: JSON.stringify(variables) });
      if (operationName !== undefined) params.set('operationName', operationName);
      url = `${base}?${params.toString()}`;
    } else {
      headers['content-type'] = 'application/json';
      body = c.rawBody ?? JSON.stringify({ query, variables, ...(operationName ? { operationName } : {}) });
    }
    try {
      const response = await request(url, {
        dispatcher: agent,
        method: c.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
      return { status: response.statusCode, text: await response.body.text() };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code === 'UND_ERR_INVALID_ARG' || err instanceof TypeError) return { unsendable: code };
      throw err;
    }
  };

  const rawTargets = (): RawTarget[] => {
    const ca = world.net.directory.rootCaPem;
    const servername = (target: Target): string =>
      ({
        directory: directoryFqdn(NETWORK),
        service: world.net.service.fqdn,
        web: world.podA.fqdn,
        member: memberFqdn(NETWORK, world.serviceId, world.owner.memberId),
      })[target];
    const sid = world.serviceId;
    return [
      {
        url: world.url('directory'),
        servername: servername('directory'),
        ca,
        postPaths: ['/api/v1/network/account', '/api/v1/network/service'],
      },
      {
        url: world.url('service'),
        servername: servername('service'),
        ca,
        postPaths: ['/api/v1/service/member', '/api/v1/service/contract'],
      },
      {
        url: world.url('web'),
        servername: servername('web'),
        ca,
        postPaths: ['/api/v1/pod/authtoken', `/api/v1/data/service-${sid}`],
      },
      {
        url: world.url('member'),
        servername: servername('member'),
        ca,
        postPaths: [`/api/v1/data/service-${sid}`],
      },
    ];
  };

  it('refuses bad requests to every route without a 5xx, and they leave the stored data as it was', async (t) => {
    const snapshotBefore = await world.snapshot();
    const seed = fuzzSeed();

    const http = new FuzzTally('http');
    const generated = fc.sample(httpCaseArbitrary(bases), { numRuns: fuzzRuns(1200), seed });
    const httpCases = (await Promise.all(generated.map((c) => refusedOnly(c, bases)))).filter(
      (c): c is HttpCase => c !== undefined,
    );
    await runCases(httpCases, sendHttp, checkHttp, http);

    const graphql = new FuzzTally('graphql-refused');
    const operations = fc
      .sample(graphqlCaseArbitrary(world.schema, bases.jwt, { mutations: true }), {
        numRuns: fuzzRuns(600),
        seed,
      })
      .filter((c) => !mayChangeData(c, othersMayWrite));
    await runCases(operations, sendGraphql, (_c, answer) => httpOracle(answer), graphql);

    // Forged tokens on the owner's API and on a write: a 401 each, never the owner's rights.
    const jwt = new FuzzTally('jwt');
    const tokens = fc.sample(jwtArbitrary(bases.jwt), { numRuns: fuzzRuns(150), seed });
    const tokenCases = tokens.flatMap((authorization) => [
      { authorization, path: '/api/v1/pod/account', body: undefined },
      {
        authorization,
        path: `/api/v1/data/service-${world.serviceId}`,
        body: JSON.stringify({ query: 'mutation { delete_from_public_assets(filter: {}) }' }),
      },
    ]);
    await runCases(
      tokenCases,
      async (c) => {
        const response = await request(`${world.podA.webUrl}${c.path}`, {
          dispatcher: world.agent('web', 'anonymous'),
          method: c.body === undefined ? 'GET' : 'POST',
          headers: {
            authorization: c.authorization,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          ...(c.body !== undefined ? { body: c.body } : {}),
        }).catch((err: { code?: string }) => ({ unsendable: err.code ?? 'error' }) as const);
        if ('unsendable' in response) return response;
        return { status: response.statusCode, text: await response.body.text() };
      },
      (c, answer) =>
        httpOracle(answer) ??
        (refusedToken(c.body !== undefined, answer) ? undefined : `status ${answer.status}, not refused`),
      jwt,
    );

    const raw = new FuzzTally('http-raw');
    const targets = rawTargets();
    const rawCases = targets.flatMap((target) =>
      fc
        .sample(rawRequestArbitrary(target), { numRuns: fuzzRuns(30), seed })
        .map((bytes) => ({ target, bytes })),
    );
    await runCases(
      rawCases,
      (c) => sendRaw(c.target, c.bytes, REQUEST_TIMEOUT_MS),
      (_c, answer) => {
        const statuses = [...answer.text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
        const bad = statuses.find((status) => status >= 500);
        return bad === undefined ? undefined : `status ${bad}: ${answer.text.slice(0, 300)}`;
      },
      raw,
    );

    const snapshotAfter = await world.snapshot();
    FuzzTally.reportAll(t, [http, graphql, jwt, raw]);
    assert.deepEqual(snapshotAfter, snapshotBefore, 'refused requests changed the stored data');
  });

  it('answers generated GraphQL operations, mutations included, without a 5xx or an internal error', async (t) => {
    const tally = new FuzzTally('graphql');
    const cases = fc.sample(graphqlCaseArbitrary(world.schema, bases.jwt, { mutations: true }), {
      numRuns: fuzzRuns(400),
      seed: fuzzSeed(),
    });
    await runCases(cases, sendGraphql, (_c, answer) => httpOracle(answer), tally);
    tally.report(t);
  });

  it('answers or drops random and mutated DNS packets over UDP and TCP, and still resolves', async (t) => {
    const tally = new FuzzTally('dns-sockets');
    const { port } = world.net.directory.dns;
    const packets = fc.sample(dnsPacketArbitrary(world.podA.fqdn), {
      numRuns: fuzzRuns(400),
      seed: fuzzSeed(),
    });
    await udpSendAll(port, packets);
    for (let i = 0; i < packets.length; i += 40) {
      // A connection per batch, packets framed or not, closed by us half-way or by the server.
      const socket = connect({ port, host: '127.0.0.1' });
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      for (const packet of packets.slice(i, i + 40)) {
        const framed = Buffer.concat([Buffer.from([packet.length >> 8, packet.length & 0xff]), packet]);
        socket.write(i % 80 === 0 ? framed : packet);
      }
      socket.end();
      // The server may wait for the rest of a frame that never comes (until its idle timeout).
      await new Promise((resolve) => {
        const timer = setTimeout(() => socket.destroy(), 500);
        socket.once('close', () => resolve(clearTimeout(timer)));
      });
    }
    for (const _packet of packets) tally.record();
    const query = dnsPacket.encode(queryPacket(world.podA.fqdn, 'A', 4242));
    const udp = dnsPacket.decode(await udpExchange(port, query)) as { id?: number; answers?: unknown[] };
    tally.record(
      udp.id === 4242 && (udp.answers?.length ?? 0) > 0 ? undefined : `UDP reply ${describeInput(udp)}`,
    );
    const tcp = await TcpDnsClient.connect(port);
    try {
      const reply = await tcp.query(queryPacket(world.podA.fqdn, 'A', 4343));
      tally.record(
        reply.id === 4343 && (reply.answers?.length ?? 0) > 0
          ? undefined
          : `TCP reply ${describeInput(reply)}`,
      );
    } finally {
      tcp.close();
    }
    tally.report(t);
  });

  it('leaves every server running and answering, with no error in its log', async (t) => {
    const tally = new FuzzTally('health');
    for (const { name, process, dataDir } of world.processes) {
      tally.record(process.running ? undefined : `${name} is not running: ${process.stderr.slice(-500)}`);
      const errors = await FuzzNetwork.errorsLogged(dataDir);
      tally.record(
        errors.length === 0
          ? undefined
          : `${name} logged ${errors.length} errors: ${describeInput(errors.slice(0, 3), 1500)}`,
      );
    }
    const checks: [Target, string][] = [
      ['directory', '/api/v1/network/services'],
      ['service', '/api/v1/service/contract'],
      ['web', '/api/v1/pod/account'],
      ['member', `/api/v1/pod/data-cert/service-${world.serviceId}`],
    ];
    for (const [target, path] of checks) {
      const response = await request(`${world.url(target)}${path}`, {
        dispatcher: world.agent(target, 'anonymous'),
        headers: target === 'web' ? { authorization: `Bearer ${world.ownerToken}` } : {},
      });
      await response.body.text();
      tally.record(
        response.statusCode === 200 ? undefined : `${target} ${path}: status ${response.statusCode}`,
      );
    }
    tally.report(t);
  });
});
