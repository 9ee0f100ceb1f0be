/**
 * The owner's network links (spec §6): records of the contract's `network_links` class, which the
 * owner manages through GraphQL like any other data (`append_network_links`, ...). The pod reads them
 * below the firewall to learn which relations a requesting member has, e.g. `friend`.
 */
import type { Contract } from '../contract/index.js';
import { findClass } from '../contract/index.js';
import { MAX_PAGE_SIZE } from '../storage/index.js';
import type { DataStore } from '../storage/index.js';

export const NETWORK_LINKS_CLASS = 'network_links';

/** Most links read for one member: far more than anyone keeps, and a bound on a request's work. */
const MAX_LINK_PAGES = 10;

/**
 * The lower-cased, distinct relations of the owner's links to `memberId`; empty when the contract has
 * no `network_links` class (with `member_id` and `relation` fields) or there is no link.
 */
export async function linkRelations(
  store: DataStore,
  contract: Contract,
  memberId: string,
): Promise<string[]> {
  if (!hasLinkClass(contract)) return [];
  const relations = new Set<string>();
  let after: string | null = null;
  for (let page = 0; page < MAX_LINK_PAGES; page++) {
    const result = await store.query(NETWORK_LINKS_CLASS, {
      filter: { member_id: { eq: memberId } },
      first: MAX_PAGE_SIZE,
      after,
    });
    for (const record of result.records) {
      const relation = record.data['relation'];
      if (typeof relation === 'string' && relation !== '') relations.add(relation.toLowerCase());
    }
    if (!result.hasNextPage) break;
    after = result.endCursor;
  }
  return [...relations];
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
