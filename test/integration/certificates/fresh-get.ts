/**
 * `GET` over a new TLS connection (no keep-alive, no session reuse), so that each request sees the
 * certificate a server presents now: the handshake must verify against the root, naming `servername`.
 */
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { X509Certificate } from 'node:crypto';

export interface FreshAnswer {
  readonly status: number;
  readonly body: string;
  /** The leaf the server presented. */
  readonly leaf: X509Certificate | undefined;
}

export function freshGet(
  url: string,
  servername: string,
  rootCaPem: string,
  path: string,
): Promise<FreshAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, url),
      { servername, ca: rootCaPem, agent: false, headers: { host: servername } },
      (res) => {
        const leaf = (res.socket as TLSSocket).getPeerX509Certificate();
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), leaf }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** `freshGet` that must answer 200 (rejects with the status and body otherwise). */
export async function freshGetOk(
  url: string,
  servername: string,
  rootCaPem: string,
  path: string,
): Promise<FreshAnswer> {
  const answer = await freshGet(url, servername, rootCaPem, path);
  if (answer.status !== 200) throw new Error(`${servername}${path}: ${answer.status} ${answer.body}`);
  return answer;
}
