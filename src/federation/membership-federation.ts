/**
 * Federation for one membership, assembled: the peer pool with the member TLS credential, the data
 * cert cache behind origin signatures, the query-id memory, the proxy hook for the GraphQL context and
 * the admission of incoming forwarded queries. The pod makes one per membership it serves and closes
 * it when the membership or the pod stops.
 */
import type { Contract } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import type { Requester } from '../firewall/index.js';
import type { ProxyHook } from '../graphql/index.js';
import { certThumbprint } from '../pki/index.js';
import type { Credential } from '../pki/index.js';
import { createDataCertCache, peerDataCertFetcher } from './data-cert-cache.js';
import type { DataCertCache } from './data-cert-cache.js';
import { createProxyHook } from './fan-out.js';
import type { FanOutObserver, LinkTarget } from './fan-out.js';
import { admitIncomingQuery, readIncomingOperation } from './incoming.js';
import type { Admission, OperationInput } from './incoming.js';
import { createPeerPool } from './peer-pool.js';
import type { PeerPool, PeerResolver } from './peer-pool.js';
import { createQueryMemory } from './query-memory.js';
import { createSignerKeys } from './signer-keys.js';
import { createVerifiedChains } from './verified-chains.js';
import type { QueryMemory } from './query-memory.js';

/** How long fetching an origin's data cert chain may take (default; see `hopTimeoutMs`). */
import { createAppDataCerts } from './app-data-certs.js';
import type { AppDataCerts } from './app-data-certs.js';

const DATA_CERT_FETCH_TIMEOUT_MS = 5000;

export interface MembershipFederationOptions {
  /** The membership's member TLS credential (`<member_id>.members-<S>.<net>`): client cert to pods. */
  readonly tlsCredential: Credential;
  /** The membership's member data credential (`<member_id>.members-data-<S>.<net>`): signs queries. */
  readonly dataCredential: Credential;
  /** The member data chain the last key rotation replaced, when it is kept (read when asked). */
  readonly previousDataChain?: () => string | undefined;
  readonly rootCaPem: string;
  /** Resolves member names: `createResolver({host, port})` of src/dns against the directory's DNS. */
  readonly resolver: PeerResolver;
  readonly contract: () => Contract;
  /** The membership's network links (e.g. read from its `network_links` class). */
  readonly links: () => Promise<readonly LinkTarget[]>;
  /** The contract class of the links (`network_links`): see `ProxyHookDeps.linksClassName`. */
  readonly linksClassName?: string;
  /** Shared or own query-id memory (default: a new one with default settings). */
  readonly queryMemory?: QueryMemory;
  /** Member port used when a member has no SRV record (default 444). */
  readonly defaultPort?: number;
  readonly concurrency?: number;
  readonly hopTimeoutMs?: number;
  readonly deadlineMs?: number;
  readonly maxResponseBytes?: number;
  /** Oldest origin timestamp accepted, in seconds (default 120). */
  readonly maxQueryAgeSeconds?: number;
  readonly now?: () => number;
  /** Told of every fan-out and every pod's answer (the operator's metrics). */
  readonly observer?: FanOutObserver;
  /**
   * The network's revocation list (src/network RevocationWatcher): a revoked member's pod is not
   * called and its data cert is refused, so its origin and record signatures stop verifying.
   */
  readonly isRevokedMember?: (memberId: string) => boolean;
}

export interface MembershipFederation {
  /** `MembershipContext.proxy`. */
  readonly proxy: ProxyHook;
  /** Apps' data certs, to check their claims (app-data-certs.ts). */
  readonly appDataCerts: AppDataCerts;
  /**
   * For an operation on the member port, before it runs: the requester to run it as, and whether its
   * query id was seen before (then run it with `replayContext`). Throws BAD_REQUEST / FORBIDDEN.
   */
  admit(operation: OperationInput, requester: Requester): Promise<Admission>;
  readonly peers: PeerPool;
  readonly dataCerts: DataCertCache;
  readonly queryMemory: QueryMemory;
  close(): Promise<void>;
}

export function createMembershipFederation(options: MembershipFederationOptions): MembershipFederation {
  const { identity } = options.dataCredential;
  const memberId = identity.memberId;
  const serviceId = identity.serviceId;
  if (identity.type !== 'member-data' || memberId === undefined || serviceId === undefined) {
    throw new ByodaError('BYODA_ERR_CONFIG', 'federation needs the membership’s member data credential');
  }
  const tls = options.tlsCredential.identity;
  if (tls.type !== 'member' || tls.memberId !== memberId || tls.serviceId !== serviceId) {
    throw new ByodaError('BYODA_ERR_CONFIG', 'the member TLS and data credentials are not of one membership');
  }
  const now = options.now ?? Date.now;
  const network = identity.network;
  const chains = createVerifiedChains({ now });
  const signerKeys = createSignerKeys();
  const peers = createPeerPool({
    chains,
    credential: options.tlsCredential,
    rootCaPem: options.rootCaPem,
    network,
    serviceId,
    resolver: options.resolver,
    ...(options.isRevokedMember ? { isRevoked: options.isRevokedMember } : {}),
    ...(options.defaultPort !== undefined ? { defaultPort: options.defaultPort } : {}),
    ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
    now,
  });
  // The chain is fetched while the sender waits for this pod: a pod given more time per hop may
  // take as much for the fetch.
  const fetchRemote = peerDataCertFetcher(peers, serviceId, {
    timeoutMs: options.hopTimeoutMs ?? DATA_CERT_FETCH_TIMEOUT_MS,
  });
  // A query that comes back through a cycle is signed by this pod: its chain needs no fetching (read
  // when asked, as a renewal replaces it; the one a rotation replaced by its thumbprint).
  const dataCerts = createDataCertCache({
    fetchChain: (id, x5t) => (id === memberId ? ownChain(options, x5t) : fetchRemote(id, x5t)),
    rootCaPem: options.rootCaPem,
    network,
    serviceId,
    now,
    chains,
    ...(options.isRevokedMember ? { isRevoked: options.isRevokedMember } : {}),
  });
  const queryMemory = options.queryMemory ?? createQueryMemory();
  const proxy = createProxyHook({
    dataCredential: options.dataCredential,
    contract: options.contract,
    peers,
    links: options.links,
    ...(options.linksClassName !== undefined ? { linksClassName: options.linksClassName } : {}),
    queryMemory,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.hopTimeoutMs !== undefined ? { hopTimeoutMs: options.hopTimeoutMs } : {}),
    ...(options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {}),
    ...(options.observer !== undefined ? { observer: options.observer } : {}),
    now,
  });
  const appDataCerts = createAppDataCerts({
    rootCaPem: options.rootCaPem,
    network,
    serviceId,
    resolver: options.resolver,
  });
  return {
    proxy,
    appDataCerts,
    admit: (operation, requester) =>
      admitIncomingQuery(readIncomingOperation(operation), requester, {
        queryMemory,
        verify: {
          fetchDataCertChain: (id) => dataCerts.get(id),
          refetchDataCertChain: (id) => dataCerts.refresh(id),
          rootCaPem: options.rootCaPem,
          network,
          serviceId,
          maxSignedDepth: options.contract().maxQueryDepth,
          ...(options.maxQueryAgeSeconds !== undefined ? { maxAgeSeconds: options.maxQueryAgeSeconds } : {}),
          now,
          chains,
          signerKeys,
        },
      }),
    peers,
    dataCerts,
    queryMemory,
    close: () => peers.close(),
  };
}

/** This pod's own member data chain: the current one, or the one a rotation replaced when named. */
function ownChain(options: MembershipFederationOptions, x5t: string | undefined): Promise<string> {
  const current = options.dataCredential.chainPem;
  const previous = options.previousDataChain?.();
  if (x5t !== undefined && previous !== undefined && certThumbprint(previous) === x5t) {
    return Promise.resolve(previous);
  }
  return Promise.resolve(current);
}
