/**
 * Feeds (reference.md `listen_relations`): a pod follows a class of the pods its owner links with the
 * listed relations and copies their new items into its own classes. Other folders import only this
 * file.
 *
 * How the pod wires it, per membership with federation settings: `createFeedListener({tlsCredential:
 * <member-S TLS credential>, rootCaPem, resolver: <the directory's DNS>, store, contract: () =>
 * membership.contract, links: () => linkTargets(store, contract), logger})`; `close()` it before the
 * store closes. The store refuses what the contract does not let the pod keep.
 */
export {
  CATCH_UP_PAGE_SIZE,
  buildFeedCatchUp,
  buildFeedProbe,
  buildFeedSubscription,
  connectionField,
  updatesField,
} from './subscription-document.js';
export { copyFeedItem, copyTargets } from './copy-item.js';
export type { CopyOutcome, CopyResult, FeedOrigin } from './copy-item.js';
export { podWebSocketClass } from './pod-socket.js';
export type { PodSocketOptions, PodWebSocketClass } from './pod-socket.js';
export {
  DEFAULT_RECONCILE_INTERVAL_MS,
  DEFAULT_RETRY_INITIAL_MS,
  DEFAULT_RETRY_MAX_MS,
  createFeedListener,
  wantedFollows,
} from './feed-listener.js';
export type { FeedListener, FeedListenerOptions, FeedLogger, FeedStatus } from './feed-listener.js';
