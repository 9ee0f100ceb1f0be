/**
 * `byoda link add|list|remove`: the owner's network links (spec §6: they decide what a visiting
 * member may read, and where a recursive query goes, spec §8). They are the records of the contract's
 * `network_links` class, changed through GraphQL like any data (docs/protocol.md, "Requester
 * determination"). Values are written into the documents as literals, already validated, so that
 * the commands need not know the item type's name in the contract (`network_link` in addressbook).
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { ByodaError } from '../errors/index.js';
// Alone, not through src/local/index.ts: see owner-api.ts.
import type { GraphqlAnswer, OwnerApi } from '../network/index.js';
import { chooseService, withOwnerApi } from './owner-session.js';
import { print, printJson, stdoutColors } from './output.js';
import {
  POD_TARGET_HELP,
  addPodTargetOptions,
  addServiceOption,
  parseMemberId,
  resolvePodTarget,
} from './pod-target.js';
import type { PodTargetOptions } from './pod-target.js';
import { isRecord } from './json-value.js';

interface LinkOptions extends PodTargetOptions {
  readonly service?: number;
  readonly relation?: string;
  readonly json?: boolean;
}

export interface NetworkLink {
  readonly member_id: string;
  readonly relation: string;
  readonly created_timestamp: string;
}

/** Records per page when listing: the storage's greatest page. */
const PAGE_SIZE = 100;
const LINK_FIELDS = 'member_id relation created_timestamp';

const LINK_EXAMPLES = `
Links decide what a linked member may read (e.g. family may read your person)
and which pods a query with --depth asks. Each command takes the "which pod"
options of 'byoda login'.

Examples:
  $ byoda link add 3f0c1d2e-8b7a-4c6d-9e5f-0a1b2c3d4e5f family
  $ byoda link list --json
  $ byoda link remove 3f0c1d2e-8b7a-4c6d-9e5f-0a1b2c3d4e5f --relation family
`;

export function registerLinkCommands(program: Command): void {
  const link = program
    .command('link')
    .description("manage your pod's network links: who is family, friend, ... (network_links)")
    .addHelpText('after', LINK_EXAMPLES);
  ownerCommand(link, 'add', 'link a member of the service to you with a relation')
    .argument('<member_id>', 'the member to link', parseMemberId)
    .argument('<relation>', 'what they are to you, lower case: family, friend, colleague, ...', parseRelation)
    .action((memberId: string, relation: string, options: LinkOptions) =>
      addCommand(memberId, relation, options),
    );
  ownerCommand(link, 'list', 'list your network links')
    .option('--relation <relation>', 'only links with this relation', parseRelation)
    .action((options: LinkOptions) => listCommand(options));
  ownerCommand(link, 'remove', 'remove your links to a member')
    .argument('<member_id>', 'the member to unlink', parseMemberId)
    .option(
      '--relation <relation>',
      'only the link with this relation (default: every link to them)',
      parseRelation,
    )
    .action((memberId: string, options: LinkOptions) => removeCommand(memberId, options));
}

function ownerCommand(parent: Command, name: string, description: string): Command {
  const command = parent.command(name).description(description);
  return addServiceOption(addPodTargetOptions(command))
    .option('--json', 'print the result as one JSON line')
    .addHelpText('after', POD_TARGET_HELP);
}

// ---- add ---------------------------------------------------------------------------------------------

/** Idempotent: a link that exists with the same relation is not appended twice. */
async function addCommand(memberId: string, relation: string, options: LinkOptions): Promise<void> {
  const target = await resolvePodTarget(options);
  const { serviceId, link, added } = await withOwnerApi(target, async (api) => {
    const serviceId = await chooseService(api, options.service);
    const existing = await readLinks(api, serviceId, linkFilter(memberId, relation));
    if (existing[0]) return { serviceId, link: existing[0], added: false };
    return { serviceId, link: await appendLink(api, serviceId, memberId, relation), added: true };
  });
  if (options.json) {
    printJson({ event: 'linked', service_id: serviceId, ...link, added });
    return;
  }
  const c = stdoutColors();
  print(
    added
      ? `${c.green('✔')} linked ${link.member_id} as ${c.bold(link.relation)}`
      : `${link.member_id} is already linked as ${c.bold(link.relation)} (since ${link.created_timestamp})`,
  );
}

async function appendLink(
  api: OwnerApi,
  serviceId: number,
  memberId: string,
  relation: string,
): Promise<NetworkLink> {
  const input = `{ member_id: "${memberId}", relation: "${relation}", created_timestamp: "${new Date().toISOString()}" }`;
  const answer = await api.graphql(
    serviceId,
    `mutation { append_network_links(input: ${input}) { ${LINK_FIELDS} } }`,
  );
  const link = networkLink(rootField(answer, 'append_network_links'));
  if (!link) throw unexpected('the appended link');
  return link;
}

// ---- list --------------------------------------------------------------------------------------------

async function listCommand(options: LinkOptions): Promise<void> {
  const target = await resolvePodTarget(options);
  const filter = options.relation === undefined ? undefined : `{ relation: { eq: "${options.relation}" } }`;
  const { serviceId, links } = await withOwnerApi(target, async (api) => {
    const serviceId = await chooseService(api, options.service);
    return { serviceId, links: await readLinks(api, serviceId, filter) };
  });
  if (options.json) {
    printJson({ event: 'links', service_id: serviceId, links });
    return;
  }
  if (links.length === 0) {
    print(options.relation === undefined ? 'no links' : `no links with relation ${options.relation}`);
    return;
  }
  const c = stdoutColors();
  // Member ids are all as wide; the relation column is as wide as its longest.
  const width = Math.max('relation'.length, ...links.map((l) => l.relation.length));
  print(c.bold(`  ${'member id'.padEnd(36)}  ${'relation'.padEnd(width)}  since`));
  for (const l of links) print(`  ${l.member_id}  ${l.relation.padEnd(width)}  ${l.created_timestamp}`);
}

/** Every link that matches `filter` (a GraphQL literal), page after page. */
async function readLinks(
  api: OwnerApi,
  serviceId: number,
  filter: string | undefined,
): Promise<NetworkLink[]> {
  const links: NetworkLink[] = [];
  let after: string | undefined;
  do {
    const args = [
      `first: ${PAGE_SIZE}`,
      ...(filter ? [`filter: ${filter}`] : []),
      ...(after ? [`after: ${JSON.stringify(after)}`] : []),
    ];
    const query = `query { network_links_connection(${args.join(', ')}) { edges { node { ${LINK_FIELDS} } } page_info { end_cursor has_next_page } } }`;
    const page = rootField(await api.graphql(serviceId, query), 'network_links_connection');
    const edges = isRecord(page) && Array.isArray(page['edges']) ? page['edges'] : [];
    for (const edge of edges) {
      const link = networkLink(isRecord(edge) ? edge['node'] : undefined);
      if (link) links.push(link);
    }
    const info = isRecord(page) ? page['page_info'] : undefined;
    const more = isRecord(info) && info['has_next_page'] === true && typeof info['end_cursor'] === 'string';
    after = more ? String(info['end_cursor']) : undefined;
  } while (after !== undefined);
  return links;
}

// ---- remove ------------------------------------------------------------------------------------------

async function removeCommand(memberId: string, options: LinkOptions): Promise<void> {
  const target = await resolvePodTarget(options);
  const { serviceId, removed } = await withOwnerApi(target, async (api) => {
    const serviceId = await chooseService(api, options.service);
    const mutation = `mutation { delete_from_network_links(filter: ${linkFilter(memberId, options.relation)}) }`;
    const count = rootField(await api.graphql(serviceId, mutation), 'delete_from_network_links');
    if (typeof count !== 'number') throw unexpected('the number of removed links');
    return { serviceId, removed: count };
  });
  const which = options.relation === undefined ? '' : ` with relation ${options.relation}`;
  if (removed === 0) throw new ByodaError('BYODA_ERR_NOT_FOUND', `no link to ${memberId}${which}`);
  if (options.json) {
    printJson({
      event: 'unlinked',
      service_id: serviceId,
      member_id: memberId,
      relation: options.relation ?? null,
      removed,
    });
    return;
  }
  print(
    `${stdoutColors().green('✔')} removed ${removed === 1 ? '1 link' : `${removed} links`} to ${memberId}${which}`,
  );
}

// ---- shared ------------------------------------------------------------------------------------------

/** Relations are lower case in contracts (spec §5), and plain names: they are compared as given. */
export function parseRelation(text: string): string {
  const relation = text.trim().toLowerCase();
  if (!isRelationName(relation)) {
    throw new InvalidArgumentError('a relation is a lower-case name such as family, friend or colleague.');
  }
  return relation;
}

export function isRelationName(text: string): boolean {
  return /^[a-z0-9][a-z0-9_.-]{0,63}$/.test(text);
}

function linkFilter(memberId: string, relation: string | undefined): string {
  const byRelation = relation === undefined ? '' : `, relation: { eq: "${relation}" }`;
  return `{ member_id: { eq: "${memberId}" }${byRelation} }`;
}

/** The root field's value; the first GraphQL error, if any, as the command's one-line error. */
function rootField(answer: GraphqlAnswer, name: string): unknown {
  const error = answer.errors[0];
  if (error) throw new ByodaError('BYODA_ERR_BAD_REQUEST', error.message);
  return answer.data?.[name];
}

function networkLink(value: unknown): NetworkLink | undefined {
  if (!isRecord(value)) return undefined;
  const { member_id: memberId, relation, created_timestamp: created } = value;
  return typeof memberId === 'string' && typeof relation === 'string' && typeof created === 'string'
    ? { member_id: memberId, relation, created_timestamp: created }
    : undefined;
}

function unexpected(what: string): ByodaError {
  return new ByodaError('BYODA_ERR_UNREACHABLE', `the pod did not answer with ${what}`);
}
