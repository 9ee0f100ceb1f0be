/**
 * Test clients for the DNS server over real sockets: raw UDP, raw TCP (dns-packet's stream framing)
 * and `dig`. Not a test file itself: the runner only picks up `*.test.ts`.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import type { DecodedPacket, Packet, RecordType } from 'dns-packet';

const run = promisify(execFile);

/** A decoded reply, with the header fields dns-packet adds but its types leave out. */
export type DnsReply = DecodedPacket & { rcode?: string; opcode?: string };

export function queryPacket(name: string, type: RecordType, id = 1, extra: Partial<Packet> = {}): Packet {
  return {
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    ...extra,
  };
}

/** Sends one datagram and resolves with the first reply, or rejects after `timeoutMs`. */
export function udpExchange(
  port: number,
  packet: Buffer,
  timeoutMs = 2000,
  host = '127.0.0.1',
): Promise<Buffer> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no UDP reply')), timeoutMs);
    socket.on('message', (message) => {
      clearTimeout(timer);
      resolve(message);
    });
    socket.on('error', reject);
    socket.send(packet, port, host);
  }).finally(() => socket.close());
}

/**
 * Sends many datagrams from one socket without waiting for replies. It pauses between small batches:
 * the server shares this process's event loop, and a burst larger than the kernel's receive buffer
 * would be dropped before ever reaching the parser under test.
 */
export async function udpSendAll(port: number, packets: readonly Buffer[], batch = 20): Promise<void> {
  const socket = createSocket('udp4');
  socket.on('message', () => undefined);
  for (const [index, packet] of packets.entries()) {
    await new Promise<void>((resolve, reject) =>
      socket.send(packet, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
    if (index % batch === batch - 1) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  // Let the last replies arrive before closing, so the server's sends go to an open port.
  await new Promise((resolve) => setTimeout(resolve, 20));
  socket.close();
}

/** A DNS-over-TCP client that can keep several queries in flight on one connection. */
export class TcpDnsClient {
  private buffered = Buffer.alloc(0);
  private readonly waiting: Array<(reply: DnsReply) => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // A server that cuts a connection while bytes are in flight resets it: for the tests that is the
    // connection closing (`closed()`), not a failure.
    socket.on('error', () => undefined);
  }

  /** `source`: the local address to connect from (any of 127.0.0.0/8 on Linux loopback). */
  static connect(port: number, host = '127.0.0.1', source?: string): Promise<TcpDnsClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(
        { port, host, ...(source !== undefined ? { localAddress: source } : {}) },
        () => {
          socket.off('error', reject);
          resolve(new TcpDnsClient(socket));
        },
      );
      socket.once('error', reject);
    });
  }

  /** Sends a query (length-framed by dns-packet) and resolves with its reply. */
  query(packet: Packet): Promise<DnsReply> {
    const reply = this.nextReply();
    this.socket.write(dnsPacket.streamEncode(packet));
    return reply;
  }

  /** The next reply to arrive, for queries written by hand. */
  nextReply(timeoutMs = 2000): Promise<DnsReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no TCP reply')), timeoutMs);
      this.waiting.push((reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  }

  /** Resolves when the server closes the connection. */
  closed(): Promise<void> {
    if (this.socket.destroyed || this.socket.readableEnded) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 2 && this.buffered.length >= 2 + this.buffered.readUInt16BE(0)) {
      const length = this.buffered.readUInt16BE(0);
      const reply = dnsPacket.streamDecode(this.buffered) as DnsReply;
      this.buffered = this.buffered.subarray(2 + length);
      this.waiting.shift()?.(reply);
    }
  }
}

export async function digAvailable(): Promise<boolean> {
  try {
    await run('dig', ['-v']);
    return true;
  } catch {
    return false;
  }
}

/** Runs `dig @127.0.0.1 -p PORT ...args`; asynchronously, since the server runs in this process. */
export async function dig(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args]);
  return stdout;
}

export const NO_DIG = 'dig is not installed (Debian package bind9-dnsutils); CI installs it';
