/**
 * A member port in a process of its own, for the federation-faults suite to stop with SIGSTOP (a
 * stopped pod: its kernel accepts connections, nothing answers them). Takes `{cert, key}` (PEM) in the
 * environment variable BYODA_TEST_PEER, answers every forwarded query with an empty connection, and
 * prints `{"port":<n>}` once it listens on 127.0.0.1.
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

const tls = JSON.parse(process.env.BYODA_TEST_PEER ?? '{}') as { cert?: string; key?: string };
const EMPTY = JSON.stringify({ data: { result: { edges: [], remote_errors: [] } } });

const server = createServer({ cert: tls.cert, key: tls.key }, (request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(EMPTY);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
