/**
 * graphql-ws (`graphql-transport-ws`) on a socket that @fastify/websocket upgraded, and what the pod
 * logs about WebSocket failures.
 *
 * This is our own small adapter over graphql-ws's `makeServer` rather than its fastify handler,
 * because that handler reports every socket error (a client's oversized message included) on the
 * console with a stack trace, as if the pod were at fault. Here a socket error is left to
 * @fastify/websocket, which hands it to `websocketErrorHandler`: a client that breaks the WebSocket
 * protocol (an oversized or malformed frame: ws's `WS_ERR_*` codes) is bad input, logged as a warning
 * without a stack; only what is left is an error.
 */
import type { FastifyRequest } from 'fastify';
import { CloseCode, makeServer } from 'graphql-ws';
import type { ServerOptions } from 'graphql-ws';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';

/** What every graphql-ws hook gets as `ctx.extra`. */
export interface WsExtra {
  readonly socket: WebSocket;
  readonly request: FastifyRequest;
}

/** A fastify `wsHandler` serving graphql-ws with `options`, pinging every `keepAliveMs`. */
export function graphqlWsHandler(
  options: ServerOptions<Record<string, unknown>, WsExtra>,
  keepAliveMs: number,
  logger: Logger,
): (socket: WebSocket, request: FastifyRequest) => void {
  const server = makeServer(options);
  return (socket, request) => {
    const pings = keepAlive(socket, keepAliveMs);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data) => {
            // Messages of the protocol are text; a binary frame is decoded the same way and refused there.
            // (ws hands over Buffers: the sockets keep the default binaryType.)
            const text = String(Array.isArray(data) ? Buffer.concat(data) : data);
            handle(text).catch((err: unknown) => {
              if (isUnexpectedMessage(err)) {
                // A well-formed message of a type a client must not send: bad input.
                logger.warn({ req_id: request.id, reason: err.message }, 'graphql-ws message refused');
                socket.close(CloseCode.BadRequest, 'Unexpected message');
                return;
              }
              // Our hooks do not throw: reaching this is a fault of the pod, worth its stack.
              logger.error({ err, req_id: request.id }, 'graphql-ws message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      pings.stop();
      void closed(code, reason.toString());
    });
  };
}

/** graphql-ws throws this for a message type a server does not take (e.g. a client's `next`). */
function isUnexpectedMessage(err: unknown): err is Error {
  return err instanceof Error && err.message.startsWith('Unexpected message of type');
}

/** Pings the client; one that does not answer the ping within another interval is cut off. */
function keepAlive(socket: WebSocket, intervalMs: number): { stop(): void } {
  let pongWait: NodeJS.Timeout | undefined;
  const interval = setInterval(() => {
    if (socket.readyState !== socket.OPEN) return;
    pongWait = setTimeout(() => socket.terminate(), intervalMs);
    socket.once('pong', () => clearTimeout(pongWait));
    socket.ping();
  }, intervalMs);
  return {
    stop() {
      clearInterval(interval);
      clearTimeout(pongWait);
    },
  };
}

/** ws's codes for frames that break the protocol or the limits (RFC 6455 violations by the peer). */
function isClientProtocolError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('WS_ERR_');
}

/** A peer that went away mid-frame: nobody's fault worth more than a line. */
function isDisconnect(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/**
 * @fastify/websocket's `errorHandler` for the pod's ports: errors of an upgraded socket. The socket is
 * closed in every case (ws has already failed the connection for a protocol error).
 */
export function websocketErrorHandler(logger: Logger) {
  return (error: Error, socket: WebSocket, request: FastifyRequest): void => {
    const where = { req_id: request.id, path: request.url.split('?')[0] };
    if (isClientProtocolError(error)) {
      const code = (error as { code?: string }).code;
      logger.warn({ ...where, ws_error: code, reason: error.message }, 'WebSocket message refused');
    } else if (isDisconnect(error)) {
      logger.info({ ...where, reason: error.message }, 'WebSocket client went away');
    } else {
      logger.error({ ...where, err: error }, 'WebSocket failure');
    }
    socket.terminate();
  };
}
