/**
 * Who the members of the owner's network are, by name: the `person` records their pods let this pod
 * read (spec §6: the addressbook grants `read` on `person` to linked family and friends), fetched
 * with one recursive query (spec §8) and keyed by each record's `origin`. What a pod does not let us
 * read stays unknown and is shown by a short id. The answer is kept for a minute per service, so that
 * moving between pages does not ask every pod again; a new login or a reload asks afresh. The owner's
 * own labels for members (link-labels.ts) win over the names pods share.
 */
import { graphqlRaw } from './api.js';
import { fetchLinkLabels } from './link-labels.js';
import { isRefusal } from './plain-errors.js';

/** The class and fields that name a person in the addressbook contract. */
const PERSON_CLASS = 'person';
const NAME_FIELDS = ['given_name', 'family_name'] as const;
const KEEP_MS = 60_000;

/** A `remote_errors` entry; `code` null when the failing pod sent none (docs/protocol.md). */
export interface RemoteError {
  readonly origin: string | null;
  readonly message: string;
  readonly code?: string | null;
}

export interface NetworkMembers {
  /** Member id -> display name: the owner's label, else the name the member's pod answered with. */
  readonly names: ReadonlyMap<string, string>;
  /** Member id -> the name the member's pod shares, labels aside. */
  readonly sharedNames: ReadonlyMap<string, string>;
  /**
   * Every member whose pod answered the query at this depth (the owner's own pod included), also
   * those that answered with a refusal: they are in the network, they only share no name with us.
   */
  readonly answered: ReadonlySet<string>;
  /** Pods that did not answer, with why. */
  readonly failed: readonly RemoteError[];
}

interface PersonAnswer {
  readonly person_connection?: {
    readonly edges: readonly {
      readonly origin: string | null;
      readonly node: Partial<Record<(typeof NAME_FIELDS)[number], string | null>> | null;
    }[];
    readonly remote_errors?: readonly RemoteError[];
  } | null;
}

const cache = new Map<string, { at: number; members: Promise<NetworkMembers> }>();

/** Whether the membership's schema has the person class with its name fields (not every contract does). */
export function canName(classNames: readonly string[]): boolean {
  return classNames.includes(PERSON_CLASS);
}

export function networkMembers(serviceId: number, depth: number): Promise<NetworkMembers> {
  const key = `${serviceId}:${depth}`;
  const kept = cache.get(key);
  if (kept && Date.now() - kept.at < KEEP_MS) return kept.members;
  const members = askNetwork(serviceId, depth);
  cache.set(key, { at: Date.now(), members });
  members.catch(() => cache.delete(key));
  return members;
}

/** After the owner changed links: the next page asks again. */
export function forgetNetworkMembers(): void {
  cache.clear();
}

async function askNetwork(serviceId: number, depth: number): Promise<NetworkMembers> {
  // Labels are a help: without them the names the pods share are still shown.
  const labels = fetchLinkLabels(serviceId).catch(() => new Map<string, string>());
  const answer = await graphqlRaw<PersonAnswer>(
    serviceId,
    `query ($depth: Int) {
      person_connection(depth: $depth, first: 100) {
        edges { origin node { ${NAME_FIELDS.join(' ')} } }
        remote_errors { origin message code }
      }
    }`,
    { depth },
  );
  const connection = answer.data?.person_connection;
  const names = new Map<string, string>();
  const answered = new Set<string>();
  for (const edge of connection?.edges ?? []) {
    if (!edge.origin) continue;
    answered.add(edge.origin);
    const name = NAME_FIELDS.map((f) => edge.node?.[f] ?? '')
      .filter((part) => part !== '')
      .join(' ');
    if (name) names.set(edge.origin, name);
  }
  const sharedNames = new Map(names);
  for (const [memberId, label] of await labels) names.set(memberId, label);
  // A pod whose firewall refused the read (BYODA_ERR_FORBIDDEN) was reached: it belongs in the
  // picture, without a name; other errors are pods that did not answer.
  const failed: RemoteError[] = [];
  for (const error of connection?.remote_errors ?? []) {
    if (error.origin && isRefusal(error.message, error.code)) answered.add(error.origin);
    else failed.push(error);
  }
  if (!connection && answer.errors?.length) {
    return {
      names,
      sharedNames,
      answered,
      failed: answer.errors.map((e) => ({ origin: null, message: e.message })),
    };
  }
  return { names, sharedNames, answered, failed };
}

/**
 * Whether `memberId`'s pod exists and answers: one query sent to it alone (spec §8
 * `remote_member_id`). Undefined when it answered (even with no data); otherwise what went wrong,
 * for a warning before a link to a made-up member is stored.
 */
export async function checkMember(
  serviceId: number,
  memberId: string,
  className: string,
  withRemoteErrors: boolean,
): Promise<string | undefined> {
  try {
    const answer = await graphqlRaw<Record<string, { remote_errors?: RemoteError[] } | null>>(
      serviceId,
      `query ($m: UUID!) {
        ${className}_connection(remote_member_id: $m, first: 1) {
          total_count ${withRemoteErrors ? 'remote_errors { origin message code }' : ''}
        }
      }`,
      { m: memberId },
    );
    // A refusal is an answer too: the pod exists and runs, it just does not share that class with us.
    const errors = (answer.errors ?? []).filter((e) => !isRefusal(e.message, e.extensions?.code ?? null));
    const remote = (answer.data?.[`${className}_connection`]?.remote_errors ?? []).filter(
      (e) => !isRefusal(e.message, e.code),
    );
    const messages = [...errors.map((e) => e.message), ...remote.map((e) => e.message)];
    return messages.length > 0 ? messages.join('; ') : undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
