/**
 * The feed listener's options, status and constants, and the state it keeps per follow (one followed
 * member and listen relation). See src/feeds/feed-listener.ts for how they are used.
 */
import type { Client } from 'graphql-ws';
import type WebSocket from 'ws';
import type { Contract, ListenRelation } from '../contract/index.js';
import type { LinkTarget, PeerResolver } from '../federation/index.js';
import type { Credential } from '../pki/index.js';
import type { DataStore, StoredRecord } from '../storage/index.js';

/** The subset of a pino logger the listener writes to (structural, so tests can pass their own). */
export interface FeedLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface FeedListenerOptions {
  /** The membership's member TLS credential: client cert to other pods, and whose membership this is. */
  readonly tlsCredential: Credential;
  readonly rootCaPem: string;
  /** The directory's DNS (spec §2): `createResolver` of src/dns. */
  readonly resolver: PeerResolver;
  readonly store: DataStore;
  /** The current contract (read at every reconcile and copy, so an upgrade is followed). */
  readonly contract: () => Contract;
  /** The owner's links, relations lower-cased (the pod's `linkTargets`). */
  readonly links: () => Promise<readonly LinkTarget[]>;
  /** Changes to this class trigger a reconcile (default `network_links`). */
  readonly linksClassName?: string;
  readonly logger?: FeedLogger;
  /** Called for every item copied into a class (e.g. to publish it to that class's subscribers). */
  readonly onCopied?: (className: string, record: StoredRecord) => void;
  /** Member port used when a member has no SRV record (default 444). */
  readonly defaultPort?: number;
  /** Reconcile this often besides on link changes (default 30 s). */
  readonly reconcileIntervalMs?: number;
  /** First wait before reconnecting a failed follow (default 1 s), doubled per failure... */
  readonly retryInitialMs?: number;
  /** ...up to this (default 60 s). */
  readonly retryMaxMs?: number;
  /** Largest message accepted from a pod (default 1 MiB). */
  readonly maxPayload?: number;
  /** A graphql-ws ping is sent after this long without one (default 12 s, as pods ping their clients). */
  readonly keepAliveMs?: number;
  /** A pod that leaves a ping unanswered this long is given up and reconnected (default 10 s). */
  readonly pongTimeoutMs?: number;
  readonly now?: () => number;
}

/** What the listener is doing and has done, for logs and tests. */
export interface FeedStatus {
  /** Member ids with a live, acknowledged connection (one entry per follow). */
  readonly subscribed: readonly string[];
  /** Member ids followed, connected or not (one entry per follow). */
  readonly following: readonly string[];
  /** Items appended to a class. */
  readonly copied: number;
  /** Items already present in a class (skipped). */
  readonly duplicates: number;
  /** Items the store refused to keep (BYODA_ERR_PERSIST_DENIED). */
  readonly refused: number;
  /** Items that break the contract. */
  readonly invalid: number;
  /** Connections that failed or ended, and copies that failed otherwise. */
  readonly failures: number;
}

export interface FeedListener {
  /** Brings the follows in line with the contract and the links now (also runs by itself). */
  reconcile(): Promise<void>;
  status(): FeedStatus;
  /** Ends every subscription and timer and waits for the sockets to close. */
  close(): Promise<void>;
}

export const DEFAULT_RECONCILE_INTERVAL_MS = 30_000;
export const DEFAULT_RETRY_INITIAL_MS = 1000;
export const DEFAULT_RETRY_MAX_MS = 60_000;
export const DEFAULT_KEEP_ALIVE_MS = 12_000;
/** Most pages one catch-up (or the first walk to the class's end) reads before it gives up. */
export const MAX_CATCH_UP_PAGES = 20;
/** Events a follow may have waiting to be copied before its connection is cut (and retried later). */
export const MAX_PENDING_ITEMS = 1000;
/** Cursors remembered per follow to skip items copied twice. */
export const RECENT_CURSORS = 1000;
export const DEFAULT_PONG_TIMEOUT_MS = 10_000;
/** A connection up this long is healthy: its next failure is retried from the first wait again. */
export const STABLE_CONNECTION_MS = 30_000;
/** How long `close()` lets a socket finish its closing handshake before cutting it. */
export const CLOSE_GRACE_MS = 2000;
export const SOCKET_CLOSED = 3;

export interface Follow {
  readonly key: string;
  readonly memberId: string;
  readonly relation: ListenRelation;
  /** This pod's relations to the member, stored with each copy (`originRelations`). */
  relations: readonly string[];
  state: 'connecting' | 'subscribed' | 'waiting';
  /** Bumped whenever the current connection is given up: callbacks of older ones are ignored. */
  generation: number;
  client: Client | undefined;
  /** The sockets of this follow's connections (normally one). */
  readonly sockets: Set<WebSocket>;
  retryTimer: NodeJS.Timeout | undefined;
  attempts: number;
  connectedAt: number | undefined;
  /** Items are handled one after the other, in the order the pod sent them. */
  work: Promise<void>;
  /** Events queued in `work` and not handled yet. */
  pending: number;
  /**
   * Where this follow is in the followed class: the cursor of the last item seen (null: the class was
   * empty), so that after a lost connection, or a restart of this pod, what came later can be
   * fetched. Undefined until a first connection has walked the class to its end.
   */
  lastCursor: string | null | undefined;
  /** Where `lastCursor` is kept in the membership's store (`DataStore.setState`). */
  readonly stateKey: string;
  /** Cursors of the latest items copied, to skip one that both an event and a catch-up page bring. */
  readonly recent: Set<string>;
}

/** What a listener counts (the numbers of its `FeedStatus`). */
export interface FeedCounts {
  copied: number;
  duplicates: number;
  refused: number;
  invalid: number;
  failures: number;
}
