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
 *
 * This file holds the connections and the reconciling; what is done with the items a pod sends (and
 * the follow's saved place) is src/feeds/follow-items.ts, the options and per-follow state
 * src/feeds/feed-types.ts, and the pure helpers src/feeds/feed-helpers.ts.
 */
import { createClient } from 'graphql-ws';
import type WebSocket from 'ws';
import { findClass } from '../contract/index.js';
import { createVerifiedChains, dataPath, resolvePeer } from '../federation/index.js';
import type { LinkTarget, VerifiedChains } from '../federation/index.js';
import { memberFqdn } from '../pki/index.js';
import { closedSocket, describe, feedStateKey, fields, membershipOf, wantedFollows } from './feed-helpers.js';
import {
  DEFAULT_KEEP_ALIVE_MS,
  DEFAULT_PONG_TIMEOUT_MS,
  DEFAULT_RECONCILE_INTERVAL_MS,
  DEFAULT_RETRY_INITIAL_MS,
  DEFAULT_RETRY_MAX_MS,
  MAX_PENDING_ITEMS,
  STABLE_CONNECTION_MS,
} from './feed-types.js';
import type { FeedListener, FeedListenerOptions, Follow } from './feed-types.js';
import { createFollowItems } from './follow-items.js';
import { podWebSocketClass } from './pod-socket.js';
import { buildFeedProbe, buildFeedSubscription, updatesField } from './subscription-document.js';

export type { FeedListener, FeedListenerOptions, FeedLogger, FeedStatus } from './feed-types.js';
export {
  DEFAULT_RECONCILE_INTERVAL_MS,
  DEFAULT_RETRY_INITIAL_MS,
  DEFAULT_RETRY_MAX_MS,
  DEFAULT_KEEP_ALIVE_MS,
  DEFAULT_PONG_TIMEOUT_MS,
  MAX_CATCH_UP_PAGES,
  MAX_PENDING_ITEMS,
} from './feed-types.js';
export { wantedFollows } from './feed-helpers.js';

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
  const items = createFollowItems({ options, counts, isClosed: () => closed });
  const { catchUp, remember, handleResult, savedPosition } = items;

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
        try {
          const peer = await resolvePeer(follow.memberId, {
            network,
            serviceId: serviceId,
            resolver: options.resolver,
            ...(options.defaultPort !== undefined ? { defaultPort: options.defaultPort } : {}),
          });
          const host = peer.address.includes(':') ? `[${peer.address}]` : peer.address;
          return `wss://${host}:${peer.port}${dataPath(serviceId)}`;
        } catch (err) {
          // graphql-ws calls this from a promise nobody awaits: a rejection would be unhandled and end
          // the pod (a DNS timeout did). The failed lookup fails this connection into the backoff
          // instead, and the disposed client waits on an answer that never comes, then is collected.
          failed(follow, generation, describe(err));
          return new Promise<string>(() => undefined);
        }
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

  // ---- reconciling ------------------------------------------------------------------------------------

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
