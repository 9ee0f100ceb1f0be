/**
 * Requests no HTTP client library sends (not a test file), written byte by byte over TLS: bodies
 * shorter or longer than their Content-Length, Content-Length with chunked encoding (request
 * smuggling), broken chunks, odd request lines, methods and versions, headers without a colon,
 * folded, oversized or too many, raw bytes in the path. The answer's status is read from the first
 * line of what comes back; 0 when the server closed without answering (which is a fair answer to
 * a request cut short).
 */
import { connect } from 'node:tls';
import fc from 'fast-check';

export interface RawTarget {
  readonly url: string;
  readonly servername: string;
  readonly ca: string;
  /** Paths of routes on this server that take a JSON body. */
  readonly postPaths: readonly string[];
}

export interface RawAnswer {
  readonly status: number;
  readonly text: string;
}

const CRLF = '\r\n';

function request(head: string, headers: readonly string[], body = ''): string {
  return `${head}${CRLF}${headers.join(CRLF)}${headers.length > 0 ? CRLF : ''}${CRLF}${body}`;
}

/** The raw requests for a server, made from one of its JSON routes. */
export function rawRequestArbitrary(target: RawTarget): fc.Arbitrary<string> {
  const host = `Host: ${target.servername}`;
  const json = 'Content-Type: application/json';
  return fc
    .tuple(
      fc.constantFrom(...target.postPaths),
      fc.integer({ min: 0, max: 18 }),
      fc.string({ maxLength: 30 }),
    )
    .map(([path, kind, text]) => {
      const body = JSON.stringify({ fuzz: text });
      const length = Buffer.byteLength(body);
      switch (kind) {
        case 0:
          return request(`POST ${path} HTTP/1.1`, [host, json, `Content-Length: ${length + 50}`], body);
        case 1:
          return request(
            `POST ${path} HTTP/1.1`,
            [host, json, `Content-Length: ${Math.max(0, length - 3)}`],
            body,
          );
        case 2:
          return request(
            `POST ${path} HTTP/1.1`,
            [host, json, `Content-Length: ${length}`, 'Transfer-Encoding: chunked'],
            `${length.toString(16)}${CRLF}${body}${CRLF}0${CRLF}${CRLF}`,
          );
        case 3:
          return request(
            `POST ${path} HTTP/1.1`,
            [host, json, 'Transfer-Encoding: chunked'],
            `zz${CRLF}${body}${CRLF}`,
          );
        case 4:
          return request(`POST ${path} HTTP/1.1`, [host, json, 'Content-Length: -1'], body);
        case 5:
          return request(
            `POST ${path} HTTP/1.1`,
            [host, json, 'Content-Length: 1', 'Content-Length: 2'],
            body,
          );
        case 6:
          return request(`GET ${path}/%%%zz HTTP/1.1`, [host]);
        case 7:
          return request(`GET /\u00e4\u0000${text} HTTP/1.1`, [host]);
        case 8:
          return request(`FUZZ ${path} HTTP/1.1`, [host]);
        case 9:
          return request(`GET ${path} HTTP/9.9`, [host]);
        case 10:
          return request(`GET ${path}`, []);
        case 11:
          return request(`GET ${path} HTTP/1.1`, [host, 'no colon here']);
        case 12:
          return request(`GET ${path} HTTP/1.1`, [host, 'X-Folded: a', ' continued']);
        case 13:
          return request(`GET ${path} HTTP/1.1`, [host, `X-Big: ${'x'.repeat(20_000)}`]);
        case 14:
          return request(`GET ${path} HTTP/1.1`, [
            host,
            ...Array.from({ length: 300 }, (_, i) => `X-H${i}: ${i}`),
          ]);
        case 15:
          return (
            request(`POST ${path} HTTP/1.1`, [host, json, `Content-Length: ${length}`], body) +
            'GARBAGE / HTTP/1.1\r\n\r\n'
          );
        case 16:
          return request(`GET http://evil.example${path} HTTP/1.1`, [host]);
        case 17:
          return request(`POST ${path} HTTP/1.1`, [`Host: ${text}`, json, `Content-Length: ${length}`], body);
        default:
          return `${text}${CRLF}${CRLF}`;
      }
    });
}

/** Writes `bytes`, half-closes after a moment, and reads until the server closes (or `timeoutMs`). */
export function sendRaw(target: RawTarget, bytes: string, timeoutMs: number): Promise<RawAnswer> {
  const { hostname, port } = new URL(target.url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({
      host: hostname,
      port: Number(port),
      ca: target.ca,
      servername: target.servername,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('secureConnect', () => {
      socket.write(Buffer.from(bytes, 'latin1'));
      // The server must not wait for ever for the rest of a body: the client says it has no more.
      setTimeout(() => socket.end(), 200);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined); // a reset is an answer too: judged by what was read
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
  });
}
