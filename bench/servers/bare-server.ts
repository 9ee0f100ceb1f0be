/**
 * The bare baseline, run as its own process (bare.ts starts it): a plain `node:https` server over one
 * better-sqlite3 file, doing per request what a data server cannot do less than: read the request
 * body, then either read the answer's bytes from SQLite (`POST /read/<name>`) or insert the body as a
 * row (`POST /append`) and answer a small JSON. The file is opened with the pod store's own pragmas
 * (journal_mode=WAL, synchronous=NORMAL), so that appends/s compare like with like.
 *
 * argv: <sqlite file> <key file> <cert file>. Prints `{"port":N}` once it listens.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';

const [file, keyFile, certFile] = process.argv.slice(2);
if (!file || !keyFile || !certFile) throw new Error('usage: bare-server <sqlite file> <key> <cert>');

const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE IF NOT EXISTS answers (name TEXT PRIMARY KEY, type TEXT NOT NULL, body BLOB NOT NULL)');
db.exec('CREATE TABLE IF NOT EXISTS appended (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
const read = db.prepare<[string], { type: string; body: Buffer }>(
  'SELECT type, body FROM answers WHERE name = ?',
);
const append = db.prepare<[string]>('INSERT INTO appended (body) VALUES (?)');
const APPENDED = Buffer.from('{"data":{"appended":true}}');

const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const url = req.url ?? '/';
    if (url === '/append') {
      append.run(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': APPENDED.length });
      res.end(APPENDED);
      return;
    }
    const row = url.startsWith('/read/') ? read.get(url.slice('/read/'.length)) : undefined;
    if (!row) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': row.type, 'content-length': row.body.length });
    res.end(row.body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  db.close();
});
