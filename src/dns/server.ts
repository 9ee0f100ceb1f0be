/**
 * The directory's authoritative DNS server (spec §2): answers for one zone over UDP and TCP on the same
 * port, as resolvers expect (a truncated UDP answer is retried over TCP to the same address and port).
 * Every packet comes from anyone who can reach the port, so nothing a client sends may crash the server
 * or stop it answering: parsing never throws, and each socket's errors stay with that socket, and
 * no client can hold the TCP slots for long (src/dns/tcp-connections.ts).
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP } from 'node:net';
import type { Server as TcpServer, Socket as TcpSocket } from 'node:net';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { ByodaError, isByodaError } from '../errors/index.js';
import { DEFAULT_MAX_UDP_PAYLOAD, replyTo } from './responder.js';
import type { Reply, Transport } from './responder.js';
import { TcpConnections } from './tcp-connections.js';
import { FrameReader, frame } from './tcp-framing.js';
import type { Zone } from './zone.js';

export interface DnsServerOptions {
  readonly zone: Zone;
  /** Where query outcomes go (at debug level); silent when absent. */
  readonly logger?: Logger;
  /** Concurrent TCP connections (default 100); a new one beyond closes the stalest. */
  readonly maxTcpConnections?: number;
  /** Concurrent TCP connections from one client address (default 10, at most `maxTcpConnections`). */
  readonly maxTcpConnectionsPerClient?: number;
  /** A TCP connection idle this long is closed (default 10 s; RFC 7766 §6.2.3 asks for seconds, not minutes). */
  readonly tcpIdleTimeoutMs?: number;
  /** A TCP message must arrive whole this long after its first byte (default 3 s). */
  readonly tcpMessageTimeoutMs?: number;
  /** Largest UDP reply, whatever a client's EDNS size says (default 1232). */
  readonly maxUdpPayloadSize?: number;
}

export interface DnsListenOptions {
  /** An IP address to bind (default `127.0.0.1`). */
  readonly host?: string;
  /** The port for both UDP and TCP; 0 (the default) picks a port free for both. */
  readonly port?: number;
}

export interface DnsServerAddress {
  readonly host: string;
  readonly port: number;
}

const DEFAULT_MAX_TCP_CONNECTIONS = 100;
const DEFAULT_MAX_TCP_CONNECTIONS_PER_CLIENT = 10;
const DEFAULT_TCP_IDLE_TIMEOUT_MS = 10_000;
const DEFAULT_TCP_MESSAGE_TIMEOUT_MS = 3000;
/** A client that sends queries but never reads the replies is cut off once this much is queued. */
const MAX_TCP_WRITE_BACKLOG = 1024 * 1024;
/** How many random ports to try when UDP got a port that TCP cannot have. */
const FREE_PORT_ATTEMPTS = 20;

interface Listeners {
  readonly udp: UdpSocket;
  readonly tcp: TcpServer;
}

export class DnsServer {
  private readonly zone: Zone;
  private readonly logger: Logger;
  private readonly maxUdpPayloadSize: number;
  private readonly connections: TcpConnections;
  private listeners: Listeners | undefined;
  /** Set while binding, so that a second start() cannot bind a second pair of sockets. */
  private starting = false;
  private bound: DnsServerAddress | undefined;

  constructor(options: DnsServerOptions) {
    this.zone = options.zone;
    this.logger = options.logger ?? pino({ level: 'silent' });
    const maxConnections = positive(
      options.maxTcpConnections ?? DEFAULT_MAX_TCP_CONNECTIONS,
      'maxTcpConnections',
    );
    const perClient = positive(
      options.maxTcpConnectionsPerClient ?? DEFAULT_MAX_TCP_CONNECTIONS_PER_CLIENT,
      'maxTcpConnectionsPerClient',
    );
    this.connections = new TcpConnections(
      {
        maxConnections,
        maxConnectionsPerClient: Math.min(perClient, maxConnections),
        idleTimeoutMs: positive(options.tcpIdleTimeoutMs ?? DEFAULT_TCP_IDLE_TIMEOUT_MS, 'tcpIdleTimeoutMs'),
        messageTimeoutMs: positive(
          options.tcpMessageTimeoutMs ?? DEFAULT_TCP_MESSAGE_TIMEOUT_MS,
          'tcpMessageTimeoutMs',
        ),
      },
      this.logger,
    );
    this.maxUdpPayloadSize = Math.min(
      65535,
      Math.max(512, options.maxUdpPayloadSize ?? DEFAULT_MAX_UDP_PAYLOAD),
    );
  }

  /** Where the server listens, once started. */
  get address(): DnsServerAddress | undefined {
    return this.bound;
  }

  /** Open TCP connections, in all and from one client address (for logs and tests). */
  tcpConnections(client?: string): number {
    return client === undefined ? this.connections.size : this.connections.countFrom(client);
  }

  /** Binds UDP and TCP on one port and starts answering. */
  async start(options: DnsListenOptions = {}): Promise<DnsServerAddress> {
    if (this.listeners || this.starting) {
      throw new ByodaError('BYODA_ERR_DNS', 'the DNS server is already running', { status: 409 });
    }
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 0;
    checkListenAddress(host, port);
    this.starting = true;
    try {
      this.listeners = port === 0 ? await this.bindFreePort(host) : await this.bindPort(host, port);
    } catch (err) {
      if (isByodaError(err)) throw err;
      throw new ByodaError('BYODA_ERR_DNS', `cannot listen for DNS on ${host} port ${port}`, {
        status: 500,
        cause: err,
      });
    } finally {
      this.starting = false;
    }
    this.bound = { host, port: this.listeners.udp.address().port };
    this.logger.info({ host, port: this.bound.port, zone: this.zone.domain }, 'DNS server listening');
    return this.bound;
  }

  /** Stops answering, closes every connection and frees the port. Safe to call more than once. */
  async stop(): Promise<void> {
    const listeners = this.listeners;
    if (!listeners) return;
    this.listeners = undefined;
    this.bound = undefined;
    this.connections.closeAll();
    await Promise.all([closeUdp(listeners.udp), closeTcp(listeners.tcp)]);
    this.logger.info({ zone: this.zone.domain }, 'DNS server stopped');
  }

  /** Port 0: let the OS pick a UDP port, then take the same number for TCP, retrying if it is taken. */
  private async bindFreePort(host: string): Promise<Listeners> {
    let lastError: unknown;
    for (let attempt = 0; attempt < FREE_PORT_ATTEMPTS; attempt += 1) {
      const udp = await this.bindUdp(host, 0);
      try {
        return { udp, tcp: await this.bindTcp(host, udp.address().port) };
      } catch (err) {
        lastError = err;
        await closeUdp(udp);
      }
    }
    throw new ByodaError('BYODA_ERR_DNS', 'no port free for both UDP and TCP', {
      status: 500,
      cause: lastError,
    });
  }

  private async bindPort(host: string, port: number): Promise<Listeners> {
    const udp = await this.bindUdp(host, port);
    try {
      return { udp, tcp: await this.bindTcp(host, port) };
    } catch (err) {
      await closeUdp(udp);
      throw err;
    }
  }

  private bindUdp(host: string, port: number): Promise<UdpSocket> {
    const udp = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
    return new Promise((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: host, port, exclusive: true }, () => {
        udp.off('error', reject);
        // After binding, a socket error (e.g. ICMP unreachable reported on Linux) must not crash us.
        udp.on('error', (err) => this.logger.debug({ err }, 'DNS UDP socket error'));
        udp.on('message', (message, remote) => this.answerUdp(udp, message, remote));
        resolve(udp);
      });
    });
  }

  private bindTcp(host: string, port: number): Promise<TcpServer> {
    const tcp = createServer((socket) => this.acceptTcp(socket));
    return new Promise((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host, port, exclusive: true }, () => {
        tcp.off('error', reject);
        tcp.on('error', (err) => this.logger.warn({ err }, 'DNS TCP server error'));
        resolve(tcp);
      });
    });
  }

  private answerUdp(udp: UdpSocket, message: Buffer, remote: RemoteInfo): void {
    const reply = this.reply(message, 'udp', remote.address);
    if (!reply) return;
    udp.send(reply, remote.port, remote.address, (err) => {
      if (err) this.logger.debug({ err, client: remote.address }, 'DNS UDP reply not sent');
    });
  }

  private acceptTcp(socket: TcpSocket): void {
    socket.on('error', (err) =>
      this.logger.debug({ err, client: socket.remoteAddress }, 'DNS TCP socket error'),
    );
    if (!this.listeners) {
      socket.destroy();
      return;
    }
    // Counted here rather than with server.maxConnections so that the limits can choose whom to close.
    const connection = this.connections.admit(socket);
    if (!connection) return;
    socket.setNoDelay(true);
    const frames = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      const messages = frames.push(chunk);
      for (const message of messages) this.answerTcp(socket, message);
      this.connections.received(connection, messages.length, frames.pendingLength);
    });
  }

  private answerTcp(socket: TcpSocket, message: Buffer): void {
    if (socket.destroyed) return;
    const reply = this.reply(message, 'tcp', socket.remoteAddress);
    if (!reply) return;
    socket.write(frame(reply));
    if (socket.writableLength > MAX_TCP_WRITE_BACKLOG) {
      this.logger.debug({ client: socket.remoteAddress }, 'DNS TCP client does not read its replies');
      socket.destroy();
    }
  }

  /** One message in, at most one reply out; a bug in answering drops the packet, never the server. */
  private reply(message: Buffer, transport: Transport, client: string | undefined): Buffer | undefined {
    let reply: Reply;
    try {
      reply = replyTo(message, this.zone, { transport, maxUdpPayloadSize: this.maxUdpPayloadSize });
    } catch (err) {
      this.logger.error({ err, transport, client }, 'DNS query failed');
      return undefined;
    }
    this.logger.debug({ transport, client, outcome: reply.outcome, detail: reply.detail }, 'DNS query');
    return reply.response;
  }
}

function closeUdp(udp: UdpSocket): Promise<void> {
  return new Promise((resolve) => {
    try {
      udp.close(() => resolve());
    } catch {
      // Already closed: nothing left to release.
      resolve();
    }
  });
}

function closeTcp(tcp: TcpServer): Promise<void> {
  return new Promise((resolve) => tcp.close(() => resolve()));
}

function checkListenAddress(host: string, port: number): void {
  if (isIP(host) === 0) {
    throw new ByodaError('BYODA_ERR_CONFIG', `DNS host ${JSON.stringify(host)} is not an IP address`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ByodaError('BYODA_ERR_CONFIG', `DNS port ${port} is not a port number`);
  }
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ByodaError('BYODA_ERR_CONFIG', `${name} must be a positive whole number`);
  }
  return value;
}
