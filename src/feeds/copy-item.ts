/**
 * The copy step of `listen_relations` (reference.md): an item that appeared in a followed pod's class
 * is checked against this pod's contract and appended to `destination_class` and `feed_class`, marked
 * with the pod it came from. The store decides whether the pod may keep it at all (remote data only
 * into cache classes, or fields that grant `persist`: BYODA_ERR_PERSIST_DENIED otherwise), so a
 * contract that points a listen relation at the wrong class cannot make a pod hoard others' data.
 */
import type { Contract, ListenRelation } from '../contract/index.js';
import { findClass } from '../contract/index.js';
import { ByodaError, isByodaError } from '../errors/index.js';
import { checkRemoteRecord } from '../federation/index.js';
import type { DataStore, StoredRecord } from '../storage/index.js';

/** The pod an item came from, and this pod's link relations to it. */
export interface FeedOrigin {
  readonly memberId: string;
  readonly relations: readonly string[];
}

/**
 * What became of an item in one class: `duplicate` when an item with its primary key is already there
 * (a reconnect may deliver it again), `refused` when the store may not keep it (persist denied),
 * `invalid` when it breaks the followed class, `failed` for anything else.
 */
export type CopyOutcome = 'copied' | 'duplicate' | 'refused' | 'invalid' | 'failed';

export interface CopyResult {
  readonly className: string;
  readonly outcome: CopyOutcome;
  readonly record?: StoredRecord;
  readonly error?: Error;
}

/** The classes an item of `relation` is copied into, each once. */
export function copyTargets(relation: ListenRelation): readonly string[] {
  const targets = [relation.destinationClass];
  if (relation.feedClass !== undefined && relation.feedClass !== relation.destinationClass) {
    targets.push(relation.feedClass);
  }
  return targets;
}

/**
 * Copies `node` (an item of `relation.className` as the followed pod sent it) into each target class.
 * Never throws for a bad item or a refused write: every class gets its outcome.
 */
export async function copyFeedItem(
  store: DataStore,
  contract: Contract,
  relation: ListenRelation,
  node: unknown,
  origin: FeedOrigin,
): Promise<readonly CopyResult[]> {
  const source = findClass(contract, relation.className);
  if (!source) {
    const error = new ByodaError('BYODA_ERR_CONFIG', `the contract has no class ${relation.className}`);
    return [{ className: relation.className, outcome: 'failed', error }];
  }
  let item;
  try {
    item = checkRemoteRecord(source.fields, node, source.typeName);
  } catch (err) {
    return [{ className: relation.className, outcome: 'invalid', error: asError(err) }];
  }
  const meta = { origin: origin.memberId, originRelations: origin.relations };
  const results: CopyResult[] = [];
  for (const className of copyTargets(relation)) {
    try {
      results.push({ className, outcome: 'copied', record: await store.append(className, item, meta) });
    } catch (err) {
      results.push({ className, outcome: outcomeOf(err), error: asError(err) });
    }
  }
  return results;
}

function outcomeOf(err: unknown): CopyOutcome {
  if (!isByodaError(err)) return 'failed';
  if (err.code === 'BYODA_ERR_CONFLICT') return 'duplicate';
  if (err.code === 'BYODA_ERR_PERSIST_DENIED') return 'refused';
  if (err.code === 'BYODA_ERR_VALUE') return 'invalid';
  return 'failed';
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
