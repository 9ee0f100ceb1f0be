/**
 * The owner's network links (spec §6, §8): records of the contract's `network_links` class, which the
 * owner manages through GraphQL like any other data (`append_network_links`, ...). The pod reads them
 * below the firewall to learn which relations a requesting member has, e.g. `friend`, and which pods a
 * recursive query goes to.
 */
import type { Contract } from '../../contract/index.js';
import { findClass } from '../../contract/index.js';
import type { LinkTarget } from '../../federation/index.js';
import { MAX_PAGE_SIZE } from '../../storage/index.js';
import type { DataStore, FilterInput, StoredRecord } from '../../storage/index.js';

export const NETWORK_LINKS_CLASS = 'network_links';

/** Most pages read at once: far more links than anyone keeps, and a bound on a request's work. */
const MAX_LINK_PAGES = 10;

/** Members whose relations are remembered per store; beyond it the memory starts afresh. */
const MAX_REMEMBERED_MEMBERS = 10_000;

/**
 * The relations read per member, per store, until the store's `network_links` change: every request
 * of another member on the member port needs them (issue 12: a query of the links per proxied read),
 * and links change rarely. `generation` counts the changes, so that a read that a change overtook is
 * not remembered.
 */
interface RememberedRelations {
  readonly relations: Map<string, readonly string[]>;
  generation: number;
}

const remembered = new WeakMap<DataStore, RememberedRelations>();

function rememberedOf(store: DataStore): RememberedRelations {
  let memory = remembered.get(store);
  if (!memory) {
    const fresh: RememberedRelations = { relations: new Map(), generation: 0 };
    store.onChange((change) => {
      if (change.className !== NETWORK_LINKS_CLASS) return;
      fresh.generation++;
      fresh.relations.clear();
    });
    remembered.set(store, fresh);
    memory = fresh;
  }
  return memory;
}

/**
 * The lower-cased, distinct relations of the owner's links to `memberId`; empty when the contract has
 * no `network_links` class (with `member_id` and `relation` fields) or there is no link. Remembered
 * until the store's links change (any write, expiry included, of `network_links`).
 */
export async function linkRelations(
  store: DataStore,
  contract: Contract,
  memberId: string,
): Promise<string[]> {
  if (!hasLinkClass(contract)) return [];
  const memory = rememberedOf(store);
  const key = `${contract.version} ${memberId.toLowerCase()}`;
  const known = memory.relations.get(key);
  if (known) return [...known];
  const generation = memory.generation;
  const relations = new Set<string>();
  for (const record of await linkRecords(store, { member_id: { eq: memberId } })) {
    const relation = relationOf(record);
    if (relation !== undefined) relations.add(relation);
  }
  if (memory.generation === generation) {
    if (memory.relations.size >= MAX_REMEMBERED_MEMBERS) memory.relations.clear();
    memory.relations.set(key, [...relations]);
  }
  return [...relations];
}

/**
 * Every link of the owner as the fan-out needs it (spec §8: a recursive query goes to the linked pods
 * whose relation is asked), relations lower-cased; empty without a `network_links` class.
 */
export async function linkTargets(store: DataStore, contract: Contract): Promise<LinkTarget[]> {
  if (!hasLinkClass(contract)) return [];
  const targets: LinkTarget[] = [];
  for (const record of await linkRecords(store, undefined)) {
    const memberId = record.data['member_id'];
    const relation = relationOf(record);
    if (typeof memberId === 'string' && relation !== undefined) targets.push({ memberId, relation });
  }
  return targets;
}

function relationOf(record: StoredRecord): string | undefined {
  const relation = record.data['relation'];
  return typeof relation === 'string' && relation !== '' ? relation.toLowerCase() : undefined;
}

/** The link records matching `filter`, at most MAX_LINK_PAGES pages of them. */
async function linkRecords(store: DataStore, filter: FilterInput | undefined): Promise<StoredRecord[]> {
  const records: StoredRecord[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_LINK_PAGES; page++) {
    const result = await store.query(NETWORK_LINKS_CLASS, { filter, first: MAX_PAGE_SIZE, after });
    records.push(...result.records);
    if (!result.hasNextPage) break;
    after = result.endCursor;
  }
  return records;
}

function hasLinkClass(contract: Contract): boolean {
  const cls = findClass(contract, NETWORK_LINKS_CLASS);
  if (!cls || cls.kind !== 'array') return false;
  const field = (name: string) => cls.fields.find((f) => f.name === name);
  const memberId = field('member_id');
  const relation = field('relation');
  return (
    memberId?.type.kind === 'scalar' &&
    memberId.type.scalar === 'uuid' &&
    relation?.type.kind === 'scalar' &&
    relation.type.scalar === 'string'
  );
}
