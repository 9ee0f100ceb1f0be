/**
 * The feed listener of one membership (reference.md `listen_relations`): for every listen relation of
 * the contract and every member the owner links with one of its relations, one graphql-ws subscription
 * to `<class_name>_updates` on that member's pod, whose appended items are copied into
 * `destination_class` and `feed_class` (src/feeds/copy-item.ts).
 *
 * - **Reaching a pod.** As the peer pool does (src/federation/peer-pool.ts): `A` and `SRV` of the
 *   member's FQDN through the directory's DNS, mutual TLS with the membership's member TLS cert, the
 *   pod's chain verified as that member's member TLS cert (src/feeds/pod-socket.ts).
 * - **Following the links.** The set of follows is reconciled with the owner's links when
 *   `network_links` changes (the store's change listener) and every `reconcileIntervalMs` (links
 *   written around the listener, a missed change): new follows are subscribed, removed ones closed.
 * - **Failures.** A connection that fails or ends is retried after a capped exponential backoff,
 *   which starts again from the beginning once a connection stayed up a while. A bad item, a refused
 *   copy or a failed pod is logged (warn, with member id and class) and counted, never thrown.
 * - **Bounded work.** One socket per followed member and listen relation, items handled one at a time
 *   per socket, messages at most `maxPayload` bytes.
 *
 * Only appends are followed: the copies are this pod's own cache, which expires by itself, so an
 * update or delete at the source is not replayed here.
 */
import { createClient } from 'graphql-ws';
import type { Client, FormattedExecutionResult } from 'graphql-ws';
import type WebSocket from 'ws';
import type { Contract, ListenRelation } from '../contract/index.js';
import { findClass } from '../contract/index.js';
import { ByodaError, isByodaError } from '../errors/index.js';
import { createVerifiedChains, dataPath, resolvePeer } from '../federation/index.js';
import type { LinkTarget, PeerResolver, VerifiedChains } from '../federation/index.js';
import { memberFqdn } from '../pki/index.js';
import type { Credential } from '../pki/index.js';
import type { DataStore, StoredRecord } from '../storage/index.js';
import { copyFeedItem } from './copy-item.js';
import type { CopyResult } from './copy-item.js';
import { podWebSocketClass } from './pod-socket.js';
import {
  buildFeedCatchUp,
  buildFeedProbe,
  buildFeedSubscription,
  connectionField,
  updatesField,
} from './subscription-document.js';

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
const RECENT_CURSORS = 1000;
export const DEFAULT_PONG_TIMEOUT_MS = 10_000;
/** A connection up this long is healthy: its next failure is retried from the first wait again. */
const STABLE_CONNECTION_MS = 30_000;
/** How long `close()` lets a socket finish its closing handshake before cutting it. */
const CLOSE_GRACE_MS = 2000;
const SOCKET_CLOSED = 3;

interface Follow {
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

export function createFeedListener(options: FeedListenerOptions): FeedListener {
  const { memberId: ownMemberId, serviceId, network } = membershipOf(options.tlsCredential);
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const chains: VerifiedChains = createVerifiedChains({ now });
  const retryInitialMs = options.retryInitialMs ?? DEFAULT_RETRY_INITIAL_MS;
  const retryMaxMs = options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
  const keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
  const pongTimeoutMs = options.pongTimeoutMs ?? DEFAULT_PONG_TIMEOUT_MS;
  const linksClass = options.linksClassName ?? 'network_links';
  const follows = new Map<string, Follow>();
  const sockets = new Set<WebSocket>();
  const counts = { copied: 0, duplicates: 0, refused: 0, invalid: 0, failures: 0 };
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;

  // ---- one follow's connection ----------------------------------------------------------------------

  function start(follow: Follow): void {
    const generation = ++follow.generation;
    const current = (): boolean => !closed && follow.generation === generation;
    const cls = findClass(options.contract(), follow.relation.className);
    if (!cls) return; // reconcile only follows classes the contract has
    const servername = memberFqdn(network, serviceId, follow.memberId);
    const webSocketImpl = podWebSocketClass(
      {
        credential: options.tlsCredential,
        rootCaPem: options.rootCaPem,
        network,
        serviceId: serviceId,
        chains,
        servername,
        ...(options.maxPayload !== undefined ? { maxPayload: options.maxPayload } : {}),
      },
      (socket) => {
        sockets.add(socket);
        follow.sockets.add(socket);
        socket.once('close', () => {
          sockets.delete(socket);
          follow.sockets.delete(socket);
        });
        // A socket opened for a connection given up meanwhile (the address lookup was under way).
        if (!current()) socket.terminate();
      },
    );
    follow.state = 'connecting';
    // A pod that hangs (stopped, or its host gone without a FIN) never closes the socket: only an
    // unanswered ping tells, and then the socket is cut (no closing handshake to wait for), which
    // fails the subscription into the usual backoff.
    let socket: WebSocket | undefined;
    let pongDue: NodeJS.Timeout | undefined;
    const clearPongDue = (): void => {
      if (pongDue !== undefined) clearTimeout(pongDue);
      pongDue = undefined;
    };
    const client = createClient({
      url: async () => {
        const peer = await resolvePeer(follow.memberId, {
          network,
          serviceId: serviceId,
          resolver: options.resolver,
          ...(options.defaultPort !== undefined ? { defaultPort: options.defaultPort } : {}),
        });
        const host = peer.address.includes(':') ? `[${peer.address}]` : peer.address;
        return `wss://${host}:${peer.port}${dataPath(serviceId)}`;
      },
      webSocketImpl,
      lazy: true,
      // Reconnecting is ours (backoff, re-reading DNS, reconciling), not the client's.
      retryAttempts: 0,
      keepAlive: keepAliveMs,
      on: {
        ping: (received) => {
          if (received) return;
          clearPongDue();
          pongDue = setTimeout(() => {
            pongDue = undefined;
            if (!current()) return;
            logger?.warn({ ...fields(follow), timeout_ms: pongTimeoutMs }, 'feed pod left a ping unanswered');
            socket?.terminate();
          }, pongTimeoutMs);
          pongDue.unref();
        },
        pong: (received) => {
          if (received) clearPongDue();
        },
        closed: () => clearPongDue(),
        // Sent after the subscription's own message (both waited for the acknowledgement, it first).
        connected: (connectedSocket) => {
          socket = connectedSocket as WebSocket;
          if (!current()) return;
          client.subscribe(
            { query: buildFeedProbe(cls) },
            {
              next: () => undefined,
              error: (err) => failed(follow, generation, describe(err)),
              complete: () => subscribed(follow, generation),
            },
          );
        },
      },
    });
    follow.client = client;
    const field = updatesField(cls);
    client.subscribe<Record<string, unknown>>(
      { query: buildFeedSubscription(cls) },
      {
        next: (result) => {
          if (!current()) return;
          // A pod sending faster than this pod can keep its items would grow the queue without end.
          if (follow.pending >= MAX_PENDING_ITEMS) {
            failed(follow, generation, `more than ${MAX_PENDING_ITEMS} items waiting to be copied`);
            return;
          }
          follow.pending++;
          follow.work = follow.work.then(async () => {
            try {
              await handleResult(follow, field, result);
            } finally {
              follow.pending--;
            }
          });
        },
        error: (err) => failed(follow, generation, describe(err)),
        complete: () => failed(follow, generation, 'the pod ended the subscription'),
      },
    );
  }

  /** The pod answered the probe: the subscription of `generation` is in place. */
  function subscribed(follow: Follow, generation: number): void {
    if (closed || follow.generation !== generation) return;
    follow.state = 'subscribed';
    follow.connectedAt = now();
    logger?.info(fields(follow), 'feed subscribed');
    const client = follow.client;
    if (client) follow.work = follow.work.then(() => catchUp(follow, generation, client));
  }

  /**
   * After a (re)connection: on the first one, walk the followed class to its end to learn where it
   * stands (nothing is copied: a follow copies what is new); on a later one, copy what was appended
   * after the last item seen while the connection was down. Runs in the follow's work queue, so events
   * that arrive meanwhile are handled after it, in order.
   */
  async function catchUp(follow: Follow, generation: number, client: Client): Promise<void> {
    const cls = findClass(options.contract(), follow.relation.className);
    if (!cls) return;
    const baseline = follow.lastCursor === undefined;
    let after = follow.lastCursor ?? null;
    let copied = 0;
    for (let page = 0; page < MAX_CATCH_UP_PAGES; page++) {
      if (closed || follow.generation !== generation) return;
      let result: FormattedExecutionResult<Record<string, unknown>, unknown>;
      try {
        result = await queryOnce(client, buildFeedCatchUp(cls), { after });
      } catch (err) {
        // The connection failing ends the subscription too, which retries: nothing more to do here.
        logger?.warn({ ...fields(follow), reason: describe(err) }, 'feed catch-up failed');
        return;
      }
      const connection = readCatchUpPage(result, connectionField(cls));
      if (!connection) {
        logger?.warn({ ...fields(follow), reason: errorText(result) }, 'feed catch-up failed');
        // A cursor the pod no longer knows (its namespace was made anew): start over from its end.
        if (!baseline && hasErrorCode(result, 'BYODA_ERR_CURSOR') && follow.generation === generation) {
          await remember(follow, undefined);
          await catchUp(follow, generation, client);
        }
        return;
      }
      for (const edge of connection.edges) {
        if (baseline || closed || follow.generation !== generation) continue;
        if (await copyNode(follow, edge.node, edge.cursor)) copied++;
      }
      if (connection.endCursor !== null) after = connection.endCursor;
      if (!connection.hasNextPage) {
        if (follow.generation === generation) await remember(follow, after);
        if (copied > 0) logger?.info({ ...fields(follow), copied }, 'feed caught up');
        return;
      }
    }
    logger?.warn({ ...fields(follow), pages: MAX_CATCH_UP_PAGES }, 'feed catch-up stopped: too many items');
    // Where the walk stopped is still a place later items come after; a first walk that did not
    // reach the end leaves the follow without one (no catch-up rather than copying old items).
    if (!baseline && follow.generation === generation) await remember(follow, after);
  }

  /**
   * Sets where the follow stands in the followed class, and keeps it in the membership's store so a
   * restart of this pod catches up from there (undefined: forget it, the next connection starts anew).
   */
  async function remember(follow: Follow, cursor: string | null | undefined): Promise<void> {
    follow.lastCursor = cursor;
    const value = cursor === undefined ? undefined : JSON.stringify({ cursor });
    try {
      await options.store.setState(follow.stateKey, value);
    } catch (err) {
      logger?.warn({ ...fields(follow), reason: describe(err) }, 'feed position not saved');
    }
  }

  /** The connection of `generation` is over: count it, and try again after the backoff. */
  function failed(follow: Follow, generation: number, reason: string): void {
    if (closed || follow.generation !== generation) return;
    counts.failures++;
    stop(follow);
    if (follow.connectedAt !== undefined && now() - follow.connectedAt >= STABLE_CONNECTION_MS) {
      follow.attempts = 0;
    }
    const waitMs = Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(follow.attempts, 30));
    follow.attempts++;
    follow.connectedAt = undefined;
    follow.state = 'waiting';
    logger?.warn({ ...fields(follow), reason, retry_in_ms: waitMs }, 'feed connection failed');
    follow.retryTimer = setTimeout(() => {
      follow.retryTimer = undefined;
      if (!closed && follows.get(follow.key) === follow) start(follow);
    }, waitMs);
    follow.retryTimer.unref();
  }

  /** Gives up the follow's connection (its callbacks are ignored from now on). */
  function stop(follow: Follow): void {
    follow.generation++;
    if (follow.retryTimer !== undefined) clearTimeout(follow.retryTimer);
    follow.retryTimer = undefined;
    const client = follow.client;
    follow.client = undefined;
    // Disposed, the client connects no more; its socket is closed here (`close()` waits for it).
    void Promise.resolve(client?.dispose()).catch(() => undefined);
    for (const socket of follow.sockets) void closedSocket(socket);
  }

  // ---- items ------------------------------------------------------------------------------------------

  async function handleResult(
    follow: Follow,
    field: string,
    result: FormattedExecutionResult<Record<string, unknown>, unknown>,
  ): Promise<void> {
    if (closed) return;
    if (result.errors && result.errors.length > 0) {
      counts.failures++;
      const reason = result.errors.map((e) => e.message).join('; ');
      logger?.warn({ ...fields(follow), reason }, 'feed event with errors');
      return;
    }
    const event = result.data?.[field];
    if (!isRecord(event) || event['action'] !== 'append' || event['node'] === null) return;
    const cursor = typeof event['cursor'] === 'string' ? event['cursor'] : undefined;
    await copyNode(follow, event['node'], cursor);
  }

  /**
   * Copies one item of the followed class (from an event or a catch-up page); true when it was new
   * here. The item's cursor becomes the follow's place in the followed class.
   */
  async function copyNode(follow: Follow, node: unknown, cursor: string | undefined): Promise<boolean> {
    if (cursor !== undefined) {
      if (follow.recent.has(cursor)) return false;
      follow.recent.add(cursor);
      if (follow.recent.size > RECENT_CURSORS) {
        const oldest = follow.recent.values().next();
        if (!oldest.done) follow.recent.delete(oldest.value);
      }
    }
    const results = await copyFeedItem(options.store, options.contract(), follow.relation, node, {
      memberId: follow.memberId,
      relations: follow.relations,
    });
    for (const outcome of results) report(follow, outcome);
    if (cursor !== undefined) {
      if (results.some((r) => r.outcome === 'failed')) {
        // Not kept (the store failed, not the item): the next catch-up brings it again.
        follow.recent.delete(cursor);
      } else {
        // Only now is the follow past this item: a crash before this line loses nothing.
        await remember(follow, cursor);
      }
    }
    return results.some((r) => r.outcome === 'copied');
  }

  function report(follow: Follow, result: CopyResult): void {
    const where = { ...fields(follow), to: result.className };
    switch (result.outcome) {
      case 'copied':
        counts.copied++;
        logger?.debug(where, 'feed item copied');
        if (result.record) options.onCopied?.(result.className, result.record);
        return;
      case 'duplicate':
        counts.duplicates++;
        logger?.debug(where, 'feed item already present');
        return;
      case 'refused':
        counts.refused++;
        break;
      case 'invalid':
        counts.invalid++;
        break;
      case 'failed':
        counts.failures++;
        break;
    }
    const error = result.error;
    logger?.warn(
      {
        ...where,
        outcome: result.outcome,
        ...(isByodaError(error) ? { code: error.code } : {}),
        reason: error?.message ?? 'unknown',
      },
      'feed item not copied',
    );
  }

  // ---- reconciling ------------------------------------------------------------------------------------

  /** The position a follow kept in the store before this pod (re)started; undefined if none. */
  async function savedPosition(follow: Follow): Promise<string | null | undefined> {
    try {
      const saved = await options.store.getState(follow.stateKey);
      if (saved === undefined) return undefined;
      const parsed: unknown = JSON.parse(saved);
      if (!isRecord(parsed)) return undefined;
      const cursor = parsed['cursor'];
      return typeof cursor === 'string' || cursor === null ? cursor : undefined;
    } catch (err) {
      logger?.warn({ ...fields(follow), reason: describe(err) }, 'feed position not read');
      return undefined;
    }
  }

  async function reconcileOnce(): Promise<void> {
    const contract = options.contract();
    let links: readonly LinkTarget[];
    try {
      links = await options.links();
    } catch (err) {
      logger?.warn({ reason: describe(err) }, 'feed links unreadable');
      return;
    }
    if (closed) return;
    const wanted = wantedFollows(contract, links, ownMemberId);
    for (const [key, follow] of follows) {
      if (wanted.has(key)) continue;
      follows.delete(key);
      stop(follow);
      // Following again later starts from then: what was posted in between is not this follow's.
      follow.work = follow.work.then(() => remember(follow, undefined));
      logger?.info(fields(follow), 'feed unfollowed');
    }
    for (const [key, want] of wanted) {
      const known = follows.get(key);
      if (known) {
        known.relations = want.relations;
        continue;
      }
      const follow: Follow = {
        key,
        memberId: want.memberId,
        relation: want.relation,
        relations: want.relations,
        state: 'connecting',
        generation: 0,
        client: undefined,
        sockets: new Set(),
        retryTimer: undefined,
        attempts: 0,
        connectedAt: undefined,
        work: Promise.resolve(),
        pending: 0,
        stateKey: feedStateKey(want.memberId, want.relation),
        lastCursor: undefined,
        recent: new Set(),
      };
      follows.set(key, follow);
      follow.lastCursor = await savedPosition(follow);
      if (closed || follows.get(key) !== follow) continue;
      start(follow);
    }
  }

  /** Runs one reconcile at a time; a request during a run makes it run once more at its end. */
  function reconcile(): Promise<void> {
    if (closed) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await reconcileOnce();
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
      armPeriodic();
    });
    return running;
  }

  /**
   * The periodic reconcile is a safety net for follows that exist. With none wanted, only a links
   * change (onChange) or an upgrade (`reconcile()`) can want one, so an idle pod has no timer here:
   * a thousand pods in one process must not each wake every 30 s for nothing.
   */
  const reconcileIntervalMs = options.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
  let periodic: NodeJS.Timeout | undefined;
  function armPeriodic(): void {
    if (closed || follows.size === 0) {
      clearTimeout(periodic);
      periodic = undefined;
      return;
    }
    if (periodic !== undefined) return;
    periodic = setTimeout(() => {
      periodic = undefined;
      void reconcile();
    }, reconcileIntervalMs);
    periodic.unref();
  }

  const stopWatching = options.store.onChange((change) => {
    if (change.className === linksClass) void reconcile();
  });
  void reconcile();

  return {
    reconcile,
    status: () => {
      const all = [...follows.values()];
      return {
        subscribed: all.filter((f) => f.state === 'subscribed').map((f) => f.memberId),
        following: all.map((f) => f.memberId),
        ...counts,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      stopWatching();
      clearTimeout(periodic);
      await running;
      const all = [...follows.values()];
      follows.clear();
      for (const follow of all) stop(follow);
      // Items being copied finish before the store may close.
      await Promise.all(all.map((follow) => follow.work));
      await Promise.all([...sockets].map(closedSocket));
    },
  };
}

/** Whose membership this is, from its member TLS credential (`<member_id>.members-<S>.<net>`). */
function membershipOf(credential: Credential): { memberId: string; serviceId: number; network: string } {
  const { type, memberId, serviceId, network } = credential.identity;
  if (type !== 'member' || memberId === undefined || serviceId === undefined) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      'the feed listener needs the membership’s member TLS credential',
    );
  }
  return { memberId, serviceId, network };
}

/** The follows the contract's listen relations and the owner's links ask for, by key. */
export function wantedFollows(
  contract: Contract,
  links: readonly LinkTarget[],
  ownMemberId: string,
): Map<string, { memberId: string; relation: ListenRelation; relations: readonly string[] }> {
  const byMember = new Map<string, Set<string>>();
  for (const link of links) {
    const memberId = link.memberId.toLowerCase();
    if (memberId === ownMemberId.toLowerCase()) continue; // a pod does not follow itself
    const relations = byMember.get(memberId) ?? new Set<string>();
    relations.add(link.relation.toLowerCase());
    byMember.set(memberId, relations);
  }
  const wanted = new Map<
    string,
    { memberId: string; relation: ListenRelation; relations: readonly string[] }
  >();
  for (const relation of contract.listenRelations) {
    if (!findClass(contract, relation.className)) continue;
    for (const [memberId, relations] of byMember) {
      if (!relation.relations.some((r) => relations.has(r))) continue;
      // The contract version is part of the key: an upgrade subscribes again with its own document.
      const key = [
        contract.version,
        relation.className,
        relation.destinationClass,
        relation.feedClass ?? '',
        memberId,
      ].join('|');
      wanted.set(key, { memberId, relation, relations: [...relations].sort() });
    }
  }
  return wanted;
}

function fields(follow: Follow): Record<string, unknown> {
  return {
    member_id: follow.memberId,
    class: follow.relation.className,
    destination: follow.relation.destinationClass,
  };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A short reason for a failed connection or subscription: an Error, GraphQL errors, a WebSocket error
 * event (whose `error` is the connector's, e.g. the refused chain) or a close event.
 */
function describe(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? 'error';
  if (Array.isArray(err)) {
    return err
      .map((e: unknown) => (isRecord(e) && typeof e['message'] === 'string' ? e['message'] : 'error'))
      .join('; ');
  }
  if (isRecord(err) && err['error'] instanceof Error) return describe(err['error']);
  if (isRecord(err) && typeof err['message'] === 'string' && err['message'] !== '') return err['message'];
  if (isRecord(err) && typeof err['code'] === 'number') {
    const reason = typeof err['reason'] === 'string' && err['reason'] !== '' ? `: ${err['reason']}` : '';
    return `connection closed (${err['code']}${reason})`;
  }
  return 'unknown error';
}

/** Resolves once `socket` closed; cut after a grace period if the other side does not answer. */
function closedSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === SOCKET_CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close(1000);
  });
}

/** One query over a follow's graphql-ws connection, answered once. */
function queryOnce(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
): Promise<FormattedExecutionResult<Record<string, unknown>, unknown>> {
  return new Promise((resolve, reject) => {
    let answer: FormattedExecutionResult<Record<string, unknown>, unknown> | undefined;
    client.subscribe<Record<string, unknown>>(
      { query, variables },
      {
        next: (result) => {
          answer = result;
        },
        error: reject,
        complete: () => (answer ? resolve(answer) : reject(new Error('the pod sent no answer'))),
      },
    );
  });
}

interface CatchUpPage {
  readonly edges: readonly { readonly cursor: string; readonly node: unknown }[];
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
}

/** A catch-up page as another pod sent it, checked for shape (its items are checked when copied). */
function readCatchUpPage(
  result: FormattedExecutionResult<Record<string, unknown>, unknown>,
  field: string,
): CatchUpPage | undefined {
  if (result.errors && result.errors.length > 0) return undefined;
  const connection = result.data?.[field];
  if (!isRecord(connection) || !Array.isArray(connection['edges']) || !isRecord(connection['page_info'])) {
    return undefined;
  }
  const edges = connection['edges'].filter(
    (edge): edge is { cursor: string; node: unknown } => isRecord(edge) && typeof edge['cursor'] === 'string',
  );
  const pageInfo = connection['page_info'];
  const endCursor = typeof pageInfo['end_cursor'] === 'string' ? pageInfo['end_cursor'] : null;
  return { edges, endCursor, hasNextPage: pageInfo['has_next_page'] === true };
}

function errorText(result: FormattedExecutionResult<Record<string, unknown>, unknown>): string {
  const messages = (result.errors ?? []).map((e) => e.message);
  return messages.length > 0 ? messages.join('; ') : 'the answer is not a page of the class';
}

/** The store key of a follow's position: per followed member, followed class and destination. */
function feedStateKey(memberId: string, relation: ListenRelation): string {
  return `feed:${memberId}:${relation.className}:${relation.destinationClass}`;
}

function hasErrorCode(
  result: FormattedExecutionResult<Record<string, unknown>, unknown>,
  code: string,
): boolean {
  return (result.errors ?? []).some((error) => error.extensions?.['code'] === code);
}
