/** The owner's `network_links` (spec §6, §8): who the owner knows, and as what. */
import { graphql } from './api.js';

export const LINKS_CLASS = 'network_links';

/** Relations the addressbook contract's rules name; any other lower-case word is allowed too. */
export const COMMON_RELATIONS = ['family', 'friend', 'colleague', 'follow'] as const;

export interface NetworkLink {
  readonly member_id: string | null;
  readonly relation: string | null;
  readonly created_timestamp: string | null;
}

/** Pages through `network_links_connection` (at most 100 a page) up to `limit` links. */
export async function fetchLinks(serviceId: number, limit = 1000): Promise<NetworkLink[]> {
  const links: NetworkLink[] = [];
  let after: string | null = null;
  for (;;) {
    const data: LinksPage = await graphql<LinksPage>(
      serviceId,
      `
        query ($after: String) {
          network_links_connection(first: 100, after: $after) {
            edges {
              node {
                member_id
                relation
                created_timestamp
              }
            }
            page_info {
              end_cursor
              has_next_page
            }
          }
        }
      `,
      { after },
    );
    const page = data.network_links_connection;
    for (const edge of page.edges) if (edge.node) links.push(edge.node);
    if (!page.page_info.has_next_page || !page.page_info.end_cursor || links.length >= limit) return links;
    after = page.page_info.end_cursor;
  }
}

interface LinksPage {
  readonly network_links_connection: {
    readonly edges: readonly { readonly node: NetworkLink | null }[];
    readonly page_info: { readonly end_cursor: string | null; readonly has_next_page: boolean };
  };
}

export async function addLink(serviceId: number, memberId: string, relation: string): Promise<void> {
  await graphql(
    serviceId,
    'mutation ($input: network_link_input!) { append_network_links(input: $input) { member_id } }',
    {
      input: {
        member_id: memberId.trim().toLowerCase(),
        relation: relation.trim().toLowerCase(),
        created_timestamp: new Date().toISOString(),
      },
    },
  );
}

export async function removeLink(serviceId: number, link: NetworkLink): Promise<number> {
  const data = await graphql<{ delete_from_network_links: number }>(
    serviceId,
    'mutation ($filter: network_link_filter!) { delete_from_network_links(filter: $filter) }',
    { filter: { member_id: { eq: link.member_id }, relation: { eq: link.relation } } },
  );
  return data.delete_from_network_links;
}
