/**
 * What a pod may keep of another member's data (spec §8 last bullet; reference.md "persist"). Remote
 * data is stored only in a class with a cache duration (`cache_only`, `cache`), which bounds how long
 * it is kept, or when every field of it grants `persist` to this pod as a member of the service. The
 * decision is the firewall's (`fieldDecision`), so that `any_member` and `network` rules mean here
 * what they mean everywhere else.
 */
import type { DataClass, Field, FieldType } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import { fieldDecision, type MemberRequester } from '../firewall/index.js';
import type { CheckedValues } from './values.js';
import type { JsonValue } from './types.js';

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
  const requester = persistingPod(origin, relations);
  const refusal = firstRefusal(cls.fields, (name) => values.get(name), requester, cls.name);
  if (refusal === undefined) return;
  throw new ByodaError(
    'BYODA_ERR_PERSIST_DENIED',
    `remote data: ${refusal.path} may not be kept (no persist grant for this pod: ${refusal.reason}; ` +
      'and the class has no cache duration)',
  );
}

interface Refusal {
  readonly path: string;
  readonly reason: string;
}

function firstRefusal(
  fields: readonly Field[],
  valueOf: (name: string) => JsonValue | undefined,
  requester: MemberRequester,
  parentPath: string,
): Refusal | undefined {
  for (const field of fields) {
    const value = valueOf(field.name);
    if (value === undefined || value === null) continue;
    const path = `${parentPath}.${field.name}`;
    const decision = fieldDecision(field, 'persist', requester);
    if (!decision.allowed) return { path, reason: decision.reason };
    const nested = nestedRefusal(field.type, value, requester, path);
    if (nested) return nested;
  }
  return undefined;
}

/** Descends into an object value, or each object of an array value, of an object-typed field. */
function nestedRefusal(
  type: FieldType,
  value: JsonValue,
  requester: MemberRequester,
  path: string,
): Refusal | undefined {
  const objectType = type.kind === 'array' ? type.items : type;
  if (objectType.kind !== 'object') return undefined;
  const items = Array.isArray(value) ? value : [value];
  for (const item of items) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
    const record = item as Readonly<Record<string, JsonValue>>;
    const own = (name: string): JsonValue | undefined =>
      Object.hasOwn(record, name) ? record[name] : undefined;
    const refusal = firstRefusal(objectType.fields, own, requester, path);
    if (refusal) return refusal;
  }
  return undefined;
}
