/**
 * The GraphQL document a pod sends to a followed pod (spec §7 `X_updates`): one subscription to the
 * followed class, selecting `action` and every field the contract serves, nested objects expanded, so
 * that each appended item arrives whole and can be checked against this pod's contract before it is
 * copied (as a forwarded query selects its records, src/federation/remote-query.ts).
 */
import type { DataClass, Field } from '../contract/index.js';
import { servedFields } from '../federation/index.js';
import { rootFieldNames } from '../graphql/index.js';

/** The subscription root field the document asks, e.g. `public_assets_updates`. */
export function updatesField(cls: DataClass): string {
  return rootFieldNames(cls.name).updates;
}

/** `subscription byoda_feed_<class> { <class>_updates { action cursor node { ... } } }`. */
export function buildFeedSubscription(cls: DataClass): string {
  return `subscription byoda_feed_${cls.name} { ${updatesField(cls)} { action cursor node { ${selection(cls.fields)} } } }`;
}

/** Records asked per page when catching up (the most a pod serves per page, spec §7 paging). */
export const CATCH_UP_PAGE_SIZE = 100;

/**
 * A page of the followed class after a cursor (variable `$after`; null: from the start), with every
 * served field: what was appended while the connection was down, fetched when it is up again.
 */
export function buildFeedCatchUp(cls: DataClass): string {
  const connection = rootFieldNames(cls.name).connection;
  return (
    `query byoda_feed_catch_up_${cls.name}($after: String) { ${connection}(first: ${CATCH_UP_PAGE_SIZE}, ` +
    `after: $after) { edges { cursor node { ${selection(cls.fields)} } } page_info { end_cursor has_next_page } } }`
  );
}

/** The connection root field a catch-up page comes back under. */
export function connectionField(cls: DataClass): string {
  return rootFieldNames(cls.name).connection;
}

/**
 * A query sent over the same connection right after the subscription: the pod handles a connection's
 * messages in the order they come, so its answer means the subscription is in place. graphql-ws
 * acknowledges the connection, not a subscription, and an item appended in between would be missed
 * by a listener that counted itself subscribed at the acknowledgement.
 */
export function buildFeedProbe(cls: DataClass): string {
  return `query byoda_feed_probe_${cls.name} { ${rootFieldNames(cls.name).connection}(first: 0) { total_count } }`;
}

/** Every served field; nested objects (also in arrays) with their own fields. */
function selection(fields: readonly Field[]): string {
  return servedFields(fields)
    .map((field) => {
      const type = field.type.kind === 'array' ? field.type.items : field.type;
      return type.kind === 'object' ? `${field.name} { ${selection(type.fields)} }` : field.name;
    })
    .join(' ');
}
