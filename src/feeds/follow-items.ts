/**
 * What a follow does with the items another pod sends: copy each new one (events and catch-up pages
 * alike, skipping cursors already seen), count and log the outcome, and keep the follow's place in the
 * followed class in the membership's store so that a restart catches up from there.
 */
import type { Client, FormattedExecutionResult } from 'graphql-ws';
import { findClass } from '../contract/index.js';
import { isByodaError } from '../errors/index.js';
import { copyFeedItem } from './copy-item.js';
import type { CopyResult } from './copy-item.js';
import {
  describe,
  errorText,
  fields,
  hasErrorCode,
  isRecord,
  queryOnce,
  readCatchUpPage,
} from './feed-helpers.js';
import { MAX_CATCH_UP_PAGES, RECENT_CURSORS } from './feed-types.js';
import type { FeedCounts, FeedListenerOptions, Follow } from './feed-types.js';
import { buildFeedCatchUp, connectionField } from './subscription-document.js';

export interface FollowItemsContext {
  readonly options: FeedListenerOptions;
  readonly counts: FeedCounts;
  /** Whether the listener was closed (then nothing more is copied or caught up). */
  readonly isClosed: () => boolean;
}

export interface FollowItems {
  catchUp(follow: Follow, generation: number, client: Client): Promise<void>;
  remember(follow: Follow, cursor: string | null | undefined): Promise<void>;
  handleResult(
    follow: Follow,
    field: string,
    result: FormattedExecutionResult<Record<string, unknown>, unknown>,
  ): Promise<void>;
  savedPosition(follow: Follow): Promise<string | null | undefined>;
}

export function createFollowItems(context: FollowItemsContext): FollowItems {
  const { options, counts, isClosed } = context;
  const logger = options.logger;

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
      if (isClosed() || follow.generation !== generation) return;
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
        if (baseline || isClosed() || follow.generation !== generation) continue;
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

  async function handleResult(
    follow: Follow,
    field: string,
    result: FormattedExecutionResult<Record<string, unknown>, unknown>,
  ): Promise<void> {
    if (isClosed()) return;
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

  return { catchUp, remember, handleResult, savedPosition };
}
