/**
 * Pod-to-pod request throughput over mutual TLS with pooled keep-alive connections (how
 * src/federation talks to other pods) against a fresh TLS handshake per request (the baseline).
 * Traffic stays on 127.0.0.1.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { credentialTlsOptions, memberFqdn } from '../../src/pki/index.js';
import { NETWORK, SERVICE_ID, makeHierarchy } from '../../test/fixtures/pki.js';
import { measure, ratio, type SuiteResult } from '../measure.js';

const REQUESTS = Number(process.env['BYODA_BENCH_REQUESTS'] ?? 400);

export async function mtlsSuite(): Promise<SuiteResult> {
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
  try {
    const pooledAgent = new Agent({ connect, keepAliveTimeout: 10_000 });
    const pooled = await measure('pooled keep-alive mTLS (undici Agent)', REQUESTS, async () => {
      const res = await request(url, { dispatcher: pooledAgent });
      await res.body.json();
    });
    await pooledAgent.close();
    const fresh = await measure('fresh mTLS handshake per request (baseline)', REQUESTS, async () => {
      const agent = new Agent({ connect: { ...connect, maxCachedSessions: 0 }, pipelining: 0 });
      const res = await request(url, { dispatcher: agent });
      await res.body.json();
      await agent.close();
    });
    return {
      benchmark: 'pod-to-pod mTLS requests',
      unit: 'requests',
      baseline: fresh,
      measurements: [pooled],
      ratios: { pooled_vs_fresh_handshake: ratio(pooled, fresh) },
    };
  } finally {
    https.close();
  }
}
