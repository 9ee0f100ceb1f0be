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

/** `subscription byoda_feed_<class> { <class>_updates { action node { ... } } }`. */
export function buildFeedSubscription(cls: DataClass): string {
  return `subscription byoda_feed_${cls.name} { ${updatesField(cls)} { action node { ${selection(cls.fields)} } } }`;
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
