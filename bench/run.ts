/**
 * `npm run bench`: measures pod-to-pod request throughput over mutual TLS with pooled keep-alive
 * connections (how src/federation talks to other pods) against a fresh TLS handshake per request
 * (the baseline, measured in the same run). Writes bench/results/<timestamp>.json and prints the
 * ratio. Traffic stays on 127.0.0.1; the loops are bounded in count.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { credentialTlsOptions, memberFqdn } from '../src/pki/index.js';
import { NETWORK, SERVICE_ID, makeHierarchy } from '../test/fixtures/pki.js';

const REQUESTS = Number(process.env['BYODA_BENCH_REQUESTS'] ?? 400);

interface Measurement {
  readonly name: string;
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
}

async function main(): Promise<void> {
  const ca = await makeHierarchy();
  const serverName = memberFqdn(NETWORK, SERVICE_ID, randomUUID());
  const server = await ca.membersCa.issueCredential(serverName);
  const client = await ca.membersCa.issueCredential(memberFqdn(NETWORK, SERVICE_ID, randomUUID()));
  const rootPem = ca.root.credential.certPem;

  const https = createServer(
    { ...credentialTlsOptions(server), ca: rootPem, requestCert: true },
    (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          data: { ok: true, authorized: (req.socket as { authorized?: boolean }).authorized },
        }),
      );
    },
  );
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(https.address() as AddressInfo).port}/`;
  const connect = { ...credentialTlsOptions(client), ca: rootPem, servername: serverName };

  const pooledAgent = new Agent({ connect, keepAliveTimeout: 10_000 });
  const pooled = await measure('pooled keep-alive mTLS (undici Agent)', async () => {
    const res = await request(url, { dispatcher: pooledAgent });
    await res.body.json();
  });
  await pooledAgent.close();

  const fresh = await measure('fresh mTLS handshake per request (baseline)', async () => {
    const agent = new Agent({ connect: { ...connect, maxCachedSessions: 0 }, pipelining: 0 });
    const res = await request(url, { dispatcher: agent });
    await res.body.json();
    await agent.close();
  });
  https.close();

  const result = {
    benchmark: 'pod-to-pod mTLS requests',
    at: new Date().toISOString(),
    node: process.version,
    baseline: fresh,
    measurements: [pooled],
    ratios: { pooled_vs_fresh_handshake: round(pooled.perSecond / fresh.perSecond) },
  };
  await mkdir(new URL('results/', import.meta.url), { recursive: true });
  const file = new URL(`results/${result.at.replace(/[:.]/g, '-')}.json`, import.meta.url);
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`${fresh.name}: ${fresh.perSecond} req/s (baseline)`);
  console.log(
    `${pooled.name}: ${pooled.perSecond} req/s = ${result.ratios.pooled_vs_fresh_handshake}x baseline`,
  );
  console.log(`written to ${file.pathname}`);
}

async function measure(name: string, once: () => Promise<void>): Promise<Measurement> {
  for (let i = 0; i < 20; i++) await once(); // warm-up
  const started = performance.now();
  for (let i = 0; i < REQUESTS; i++) await once();
  const seconds = (performance.now() - started) / 1000;
  return { name, requests: REQUESTS, seconds: round(seconds), perSecond: round(REQUESTS / seconds) };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

await main();
