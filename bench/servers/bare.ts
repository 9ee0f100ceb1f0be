/**
 * Starts the bare baseline server (bare-server.ts) in its own process, with a TLS certificate of a
 * throw-away CA, and puts into its SQLite file the exact bytes a subject answered, so that the
 * baseline serves the same bytes with the same content type.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { credentialTlsOptions, memberFqdn } from '../../src/pki/index.js';
import { NETWORK, SERVICE_ID, makeHierarchy } from '../../test/fixtures/pki.js';

const SCRIPT = fileURLToPath(new URL('./bare-server.ts', import.meta.url));

/** A key and certificate on disk for a server of the bench, and the root that signed them. */
export interface BenchTls {
  readonly keyFile: string;
  readonly certFile: string;
  readonly servername: string;
  readonly caPem: string;
}

/** A fresh CA and a server certificate for `servername`-like use, written into `dir`. */
export async function benchTls(dir: string): Promise<BenchTls> {
  const ca = await makeHierarchy();
  const servername = memberFqdn(NETWORK, SERVICE_ID, randomUUID());
  const credential = await ca.membersCa.issueCredential(servername);
  const { key, cert } = credentialTlsOptions(credential) as { key: string; cert: string };
  const keyFile = join(dir, 'bench-key.pem');
  const certFile = join(dir, 'bench-cert.pem');
  await writeFile(keyFile, key, { mode: 0o600 });
  await writeFile(certFile, cert);
  return { keyFile, certFile, servername, caPem: ca.root.credential.certPem };
}

export class BareServer {
  readonly url: string;
  readonly tls: BenchTls;
  readonly #child: ChildProcess;
  readonly #db: Database.Database;

  private constructor(url: string, tls: BenchTls, child: ChildProcess, db: Database.Database) {
    this.url = url;
    this.tls = tls;
    this.#child = child;
    this.#db = db;
  }

  static async start(dir: string, tls: BenchTls): Promise<BareServer> {
    const file = join(dir, 'bare.sqlite');
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, file, tls.keyFile, tls.certFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the bare server exited (${code})`)));
      createInterface({ input: child.stdout! }).once('line', (line) => {
        resolve((JSON.parse(line) as { port: number }).port);
      });
    });
    return new BareServer(`https://127.0.0.1:${port}`, tls, child, new Database(file));
  }

  /** Serves `body` at `POST /read/<name>`; returns that URL. */
  serve(name: string, type: string, body: string): string {
    this.#db
      .prepare('INSERT OR REPLACE INTO answers (name, type, body) VALUES (?, ?, ?)')
      .run(name, type, Buffer.from(body));
    return `${this.url}/read/${name}`;
  }

  get appendUrl(): string {
    return `${this.url}/append`;
  }

  close(): void {
    this.#db.close();
    this.#child.kill('SIGTERM');
  }
}
