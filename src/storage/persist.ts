/**
 * What a pod may keep of another member's data (spec §8 last bullet; reference.md "persist"). Remote
 * data is stored only in a class with a cache duration (`cache_only`, `cache`), which bounds how long
 * it is kept, or when every field of it grants `persist` to this pod as a member of the service. The
 * decision is the firewall's (`deniedField`), so that `any_member` and `network` rules mean here
 * what they mean everywhere else.
 */
import type { DataClass } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import { deniedField, type MemberRequester } from '../firewall/index.js';
import type { CheckedValues } from './values.js';

/**
 * How long remote data of `cls` may be kept, in seconds; undefined when the class has no cache
 * duration. `cache_only` comes first: it says how long this class keeps anything at all.
 */
export function cacheSecondsOf(cls: DataClass): number | undefined {
  return cls.properties.cacheOnlySeconds ?? cls.properties.cacheSeconds;
}

/**
 * The `_expires_at` of remote data in a cached class: the requested time, but never later than now +
 * the class's cache duration (the default when none is requested).
 */
export function remoteExpiry(cacheSeconds: number, now: Date, requested: string | null): string {
  const limit = new Date(now.getTime() + cacheSeconds * 1000).toISOString();
  // Canonical date-times (fixed width, UTC) order as text.
  return requested !== null && requested < limit ? requested : limit;
}

/** This pod, as the firewall sees it when the origin's pod would be asked to let it persist data. */
function persistingPod(origin: string, relations: readonly string[]): MemberRequester {
  return {
    kind: 'member',
    memberId: origin,
    relations: relations.map((r) => r.toLowerCase()),
    distance: 1,
    originSignatureVerified: true,
  };
}

/**
 * Throws BYODA_ERR_PERSIST_DENIED unless every field present in `values` (nested object fields too)
 * grants `persist` to this pod. Only for classes without a cache duration; call before any write.
 */
export function assertMayPersist(
  cls: DataClass,
  values: CheckedValues,
  origin: string,
  relations: readonly string[],
): void {
  // Fields without a value are not kept, so they need no grant.
  const present = Object.fromEntries([...values].filter(([, value]) => value !== null));
  const refusal = deniedField(cls, 'persist', present, persistingPod(origin, relations));
  if (refusal === undefined) return;
  throw new ByodaError(
    'BYODA_ERR_PERSIST_DENIED',
    `remote data: ${refusal.path} may not be kept (no persist grant for this pod: ` +
      `${refusal.decision.reason}; and the class has no cache duration)`,
  );
}
