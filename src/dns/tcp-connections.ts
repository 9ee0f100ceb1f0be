/**
 * Who may hold the DNS server's TCP connections. A TCP connection costs the server a slot until the
 * client ends it, so a client that opens many and sends a byte now and then (a slow loris) could hold
 * every slot and leave resolvers that fall back to TCP without answers. Four limits keep the slots
 * moving (RFC 7766 §6.2.3 asks servers to defend them):
 *
 * - **a deadline per message**: from the first byte of a message to its last, at most
 *   `messageTimeoutMs`; bytes trickling in do not extend it;
 * - **an idle timeout between messages** (`idleTimeoutMs`), counted from the last byte either way;
 * - **a cap per client address** (`maxConnectionsPerClient`, well below the total): one address cannot
 *   hold every slot; its connections beyond the cap are closed at once;
 * - **the total cap** (`maxConnections`): when full, a new connection closes the stalest one (the one
 *   whose last complete message, or whose opening if none, is the oldest) instead of being refused, so
 *   clients from many addresses cannot lock newcomers out either: each new client gets a slot, and an
 *   honest one sends its query in its first packet and is answered before it could become the stalest.
 *
 * A client address is the IP address as the socket reports it (IPv4-mapped IPv6 as the IPv4 address).
 * IPv6 clients are not grouped by prefix: a host with a whole /64 counts as many clients.
 */
import type { Socket as TcpSocket } from 'node:net';
import type { Logger } from 'pino';

export interface TcpLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerClient: number;
  readonly idleTimeoutMs: number;
  readonly messageTimeoutMs: number;
}

/** One accepted connection, as the limits see it. */
export interface TcpConnection {
  readonly socket: TcpSocket;
  readonly client: string;
  /** A tick of the pool's clock at the opening or the last complete message: the smallest is stalest. */
  progress: number;
  /** Set while a message is partly received. */
  messageDeadline: NodeJS.Timeout | undefined;
}

export class TcpConnections {
  private readonly connections = new Map<TcpSocket, TcpConnection>();
  private readonly perClient = new Map<string, number>();
  /** Orders events without reading the wall clock (two events in one millisecond stay ordered). */
  private clock = 0;

  constructor(
    private readonly limits: TcpLimits,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.connections.size;
  }

  /** Connections open from `client` (as `clientAddress` names it). */
  countFrom(client: string): number {
    return this.perClient.get(client) ?? 0;
  }

  /**
   * Takes a new socket under the limits, or closes it (undefined) when its address holds its share.
   * A full server makes room by closing its stalest connection.
   */
  admit(socket: TcpSocket): TcpConnection | undefined {
    const client = clientAddress(socket.remoteAddress);
    if (this.countFrom(client) >= this.limits.maxConnectionsPerClient) {
      this.logger.debug({ client }, 'DNS TCP connection refused: too many from this address');
      socket.destroy();
      return undefined;
    }
    if (this.connections.size >= this.limits.maxConnections) this.evictStalest();
    const connection: TcpConnection = { socket, client, progress: ++this.clock, messageDeadline: undefined };
    this.connections.set(socket, connection);
    this.perClient.set(client, this.countFrom(client) + 1);
    socket.setTimeout(this.limits.idleTimeoutMs, () => {
      this.logger.debug({ client }, 'DNS TCP connection closed: idle');
      socket.destroy();
    });
    socket.once('close', () => this.forget(connection));
    return connection;
  }

  /**
   * After a chunk was read: `completed` messages were whole, `pendingBytes` of the next one wait for
   * the rest. A complete message is progress; a partial one must be complete within the deadline.
   */
  received(connection: TcpConnection, completed: number, pendingBytes: number): void {
    if (completed > 0) {
      connection.progress = ++this.clock;
      this.clearDeadline(connection);
    }
    if (pendingBytes === 0) {
      this.clearDeadline(connection);
    } else if (connection.messageDeadline === undefined) {
      connection.messageDeadline = setTimeout(() => {
        connection.messageDeadline = undefined;
        this.logger.debug({ client: connection.client }, 'DNS TCP connection closed: message too slow');
        connection.socket.destroy();
      }, this.limits.messageTimeoutMs);
    }
  }

  /** Closes every connection (the server stops). */
  closeAll(): void {
    for (const connection of [...this.connections.values()]) {
      connection.socket.destroy();
      this.forget(connection);
    }
  }

  private evictStalest(): void {
    let stalest: TcpConnection | undefined;
    for (const connection of this.connections.values()) {
      if (!stalest || connection.progress < stalest.progress) stalest = connection;
    }
    if (!stalest) return;
    this.logger.debug({ client: stalest.client }, 'DNS TCP connection closed: stalest of a full server');
    stalest.socket.destroy();
    this.forget(stalest);
  }

  /** Frees the connection's slot; safe to call twice (evicted, then its `close` event). */
  private forget(connection: TcpConnection): void {
    this.clearDeadline(connection);
    if (!this.connections.delete(connection.socket)) return;
    const left = this.countFrom(connection.client) - 1;
    if (left > 0) this.perClient.set(connection.client, left);
    else this.perClient.delete(connection.client);
  }

  private clearDeadline(connection: TcpConnection): void {
    if (connection.messageDeadline !== undefined) clearTimeout(connection.messageDeadline);
    connection.messageDeadline = undefined;
  }
}

/** The address a client is counted under: IPv4-mapped IPv6 addresses as their IPv4 address. */
export function clientAddress(remote: string | undefined): string {
  if (remote === undefined) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  return mapped?.[1] ?? remote.toLowerCase();
}
