/**
 * The load generator's own process (forked by load-generator.ts): runs one autocannon round per job it
 * is sent and answers with the count, the time and every response's latency, so that the servers
 * under test never share an event loop with the client that loads them.
 *
 * Connections are keep-alive HTTPS with the SNI name the job gives. autocannon itself does not check
 * the server's certificate, so before the first round against a target this process makes one request
 * that does (the job's root CA, the job's servername) and checks the answer's status and bytes.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import type { LoadJob, LoadReply, LoadResult } from './protocol.js';

const checked = new Set<string>();

/** `__UUID__` and `__NOW__` in a body template become a fresh id and the time, per request. */
function fill(template: string): string {
  return template.replaceAll('__UUID__', randomUUID()).replaceAll('__NOW__', new Date().toISOString());
}

/** One request that verifies the chain and the name, and returns the answer's bytes. */
async function verifiedRequest(job: LoadJob): Promise<{ status: number; body: string }> {
  const agent = new Agent({ connect: { ca: job.caPem, servername: job.servername } });
  try {
    const res = await request(job.url, {
      dispatcher: agent,
      method: job.method,
      headers: job.headers,
      ...(job.body !== undefined ? { body: fill(job.body) } : {}),
    });
    return { status: res.statusCode, body: await res.body.text() };
  } finally {
    await agent.close();
  }
}

/** The start and end of a long answer: its end is where a GraphQL list's remote_errors are. */
function excerpt(body: string): string {
  return body.length <= 900 ? body : `${body.slice(0, 300)} ... ${body.slice(-600)}`;
}

async function check(job: LoadJob): Promise<void> {
  const key = `${job.method} ${job.url} ${job.body ?? ''}`;
  if (checked.has(key)) return;
  const { status, body } = await verifiedRequest(job);
  if (status < 200 || status >= 300) throw new Error(`${job.url} answered ${status}: ${excerpt(body)}`);
  if (/^\s*\{/.test(body) && (JSON.parse(body) as { errors?: unknown[] }).errors?.length) {
    throw new Error(`${job.url} answered with errors: ${excerpt(body)}`);
  }
  if (job.expectIncludes !== undefined && !body.includes(job.expectIncludes)) {
    throw new Error(`${job.url} answered without ${job.expectIncludes}: ${excerpt(body)}`);
  }
  if (job.expectBody !== undefined && body !== job.expectBody) {
    throw new Error(`${job.url} answered other bytes than expected: ${excerpt(body)}`);
  }
  checked.add(key);
}

async function run(job: LoadJob): Promise<LoadResult> {
  await check(job);
  const latenciesMs: number[] = [];
  const templated = job.body !== undefined && /__UUID__|__NOW__/.test(job.body);
  let lacking = 0;
  const step: autocannon.Request = {
    ...(templated
      ? { setupRequest: (req: autocannon.Request) => ({ ...req, body: fill(job.body ?? '') }) }
      : {}),
    ...(job.expectIncludes !== undefined
      ? {
          onResponse: (_status: number, body: string) =>
            void (body.includes(job.expectIncludes ?? '') || lacking++),
        }
      : {}),
  };
  const options: autocannon.Options = {
    url: job.url,
    method: job.method,
    headers: job.headers,
    ...(job.body !== undefined && !templated ? { body: job.body } : {}),
    ...(Object.keys(step).length > 0 ? { requests: [step] } : {}),
    connections: job.connections,
    duration: job.seconds,
    servername: job.servername,
    tlsOptions: { ca: job.caPem },
    ...(job.expectBody !== undefined ? { expectBody: job.expectBody } : {}),
    ...(job.timeoutSeconds !== undefined ? { timeout: job.timeoutSeconds } : {}),
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (err: Error | null, done: autocannon.Result) =>
      err ? reject(err) : resolve(done),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      latenciesMs.push(ms);
    });
  });
  return {
    requests: latenciesMs.length,
    seconds: result.duration,
    latenciesMs,
    non2xx: result.non2xx,
    errors: result.errors,
    mismatches: result.mismatches + lacking,
  };
}

process.on('message', (job: LoadJob) => {
  const reply = (message: LoadReply): void => void process.send?.(message);
  run(job).then(
    (result) => reply({ kind: 'result', result }),
    (err: unknown) => reply({ kind: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});
