/**
 * Puts the social graph into the running network as its owners would: for each pod, one GraphQL
 * operation on its web port that appends a `friend` network link to each neighbour's member id (both
 * ends link, friendship being mutual) and one public asset, which any pod at any distance may read,
 * so that a recursive query has something to bring back from every pod it reaches.
 */
import { randomUUID } from 'node:crypto';
import { mapBounded } from '../../src/bounded/index.js';
import type { NetworkJson } from '../../src/local/index.js';
import { OwnerClient } from './owner-client.js';

export const RELATION = 'friend';
/** Owners writing at once: each is a TLS handshake, a login (scrypt) and one write. */
const POPULATE_CONCURRENCY = 8;
/** Links per operation, well inside src/graphql's 1000 selections per document. */
const LINKS_PER_OPERATION = 200;

/** The member id of each pod in the (only) service, in the order of network.json. */
export function memberIds(network: NetworkJson): string[] {
  return network.pods.map((pod) => {
    const membership = pod.memberships[0];
    if (!membership) throw new Error(`${pod.name} has no membership`);
    return membership.member_id;
  });
}

/** Writes every pod's links and asset; resolves with how long it took. */
export async function populate(
  network: NetworkJson,
  rootCaPem: string,
  neighbours: readonly (readonly number[])[],
): Promise<number> {
  const started = performance.now();
  const members = memberIds(network);
  await mapBounded(network.pods, POPULATE_CONCURRENCY, async (pod, index) => {
    const owner = await OwnerClient.login(network, rootCaPem, pod);
    try {
      const links = (neighbours[index] ?? []).map((other) => members[other] as string);
      for (let from = 0; from === 0 || from < links.length; from += LINKS_PER_OPERATION) {
        const chunk = links.slice(from, from + LINKS_PER_OPERATION);
        await owner.data(...writeOperation(chunk, from === 0 ? pod.name : undefined));
      }
    } finally {
      await owner.close();
    }
  });
  return Math.round(performance.now() - started);
}

/** One mutation with an alias per link (and the asset, when `assetTitle` is given). */
function writeOperation(
  links: readonly string[],
  assetTitle: string | undefined,
): [string, Record<string, unknown>] {
  const now = new Date().toISOString();
  const declarations: string[] = [];
  const fields: string[] = [];
  const variables: Record<string, unknown> = {};
  links.forEach((memberId, i) => {
    declarations.push(`$l${i}: network_link_input!`);
    fields.push(`l${i}: append_network_links(input: $l${i}) { member_id }`);
    variables[`l${i}`] = { member_id: memberId, relation: RELATION, created_timestamp: now };
  });
  if (assetTitle !== undefined) {
    declarations.push('$asset: asset_input!');
    fields.push('asset: append_public_assets(input: $asset) { asset_id }');
    variables['asset'] = {
      asset_id: randomUUID(),
      created_timestamp: now,
      asset_type: 'note',
      title: `note of ${assetTitle}`,
    };
  }
  return [`mutation (${declarations.join(', ')}) { ${fields.join(' ')} }`, variables];
}
