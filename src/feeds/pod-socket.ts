/**
 * WebSockets to other pods (spec §3, §4) for graphql-ws: the `webSocketImpl` given to the client is a
 * `ws` WebSocket subclass whose TLS connection presents this membership's member TLS cert and is
 * handed to the HTTP upgrade only once the pod's chain verified as the member TLS cert of the member
 * it should be, of this service and network: the same check the peer pool makes per connection
 * (src/federation `verifyPeer`), which plain X.509 verification of the server name does not make.
 */
import { connect } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import type { ClientOptions } from 'ws';
import { verifyPeer } from '../federation/index.js';
import type { PeerIdentityOptions, VerifiedChains } from '../federation/index.js';
import { credentialTlsOptions } from '../pki/index.js';
import type { Credential } from '../pki/index.js';

export interface PodSocketOptions extends PeerIdentityOptions {
  /** This membership's member TLS credential (the client certificate). */
  readonly credential: Credential;
  readonly chains: VerifiedChains;
  /** `<member_id>.members-<S>.<net>` of the pod to reach: TLS server name and `Host`. */
  readonly servername: string;
  /** The upgrade must be answered within this time (default 10 s). */
  readonly handshakeTimeoutMs?: number;
  /** Largest message accepted from the pod (default 1 MiB). */
  readonly maxPayload?: number;
}

/** What graphql-ws needs of `webSocketImpl`: a constructor of `(url, protocol)`. */
export type PodWebSocketClass = new (address: string | URL, protocols?: string | string[]) => WebSocket;

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * A WebSocket class for one pod; every socket it makes is passed to `track` (so that its owner can
 * wait for all of them to close).
 */
export function podWebSocketClass(
  options: PodSocketOptions,
  track: (socket: WebSocket) => void,
): PodWebSocketClass {
  const clientOptions: ClientOptions = {
    handshakeTimeout: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    perMessageDeflate: false,
    followRedirects: false,
    createConnection: verifiedConnector(options),
  };
  return class PodWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, clientOptions);
      track(this);
    }
  };
}

type ConnectCallback = (err: Error | null, socket?: TLSSocket) => void;

/**
 * Node's HTTP client accepts a `createConnection` that returns nothing and calls back later (here:
 * after the chain check); `ws` passes it through. Its declared type is the synchronous one of
 * `net.createConnection`, hence the cast.
 */
function verifiedConnector(options: PodSocketOptions): ClientOptions['createConnection'] {
  const connector = (connectOptions: ConnectionOptions, callback: ConnectCallback): undefined => {
    const socket = connect({
      host: connectOptions.host,
      port: connectOptions.port,
      servername: options.servername,
      ca: options.rootCaPem,
      ...credentialTlsOptions(options.credential),
      minVersion: 'TLSv1.2',
    });
    const fail = (err: Error): void => {
      socket.destroy();
      callback(err);
    };
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      verifyPeer(socket, options.servername, options, options.chains).then(
        () => {
          socket.removeListener('error', fail);
          callback(null, socket);
        },
        (reason: unknown) => fail(reason instanceof Error ? reason : new Error(String(reason))),
      );
    });
    return undefined;
  };
  return connector as unknown as ClientOptions['createConnection'];
}
