/**
 * Pure helpers of the feed listener: whose membership it serves, which follows the links ask for,
 * reading what another pod sent, and closing sockets and queries over a graphql-ws client.
 */
import type { Client, FormattedExecutionResult } from 'graphql-ws';
import type WebSocket from 'ws';
import type { Contract, ListenRelation } from '../contract/index.js';
import { findClass } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import type { LinkTarget } from '../federation/index.js';
import type { Credential } from '../pki/index.js';
import { CLOSE_GRACE_MS, SOCKET_CLOSED } from './feed-types.js';
import type { Follow } from './feed-types.js';

/** Whose membership this is, from its member TLS credential (`<member_id>.members-<S>.<net>`). */
export function membershipOf(credential: Credential): {
  memberId: string;
  serviceId: number;
  network: string;
} {
  const { type, memberId, serviceId, network } = credential.identity;
  if (type !== 'member' || memberId === undefined || serviceId === undefined) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      'the feed listener needs the membership’s member TLS credential',
    );
  }
  return { memberId, serviceId, network };
}

/** The follows the contract's listen relations and the owner's links ask for, by key. */
export function wantedFollows(
  contract: Contract,
  links: readonly LinkTarget[],
  ownMemberId: string,
): Map<string, { memberId: string; relation: ListenRelation; relations: readonly string[] }> {
  const byMember = new Map<string, Set<string>>();
  for (const link of links) {
    const memberId = link.memberId.toLowerCase();
    if (memberId === ownMemberId.toLowerCase()) continue; // a pod does not follow itself
    const relations = byMember.get(memberId) ?? new Set<string>();
    relations.add(link.relation.toLowerCase());
    byMember.set(memberId, relations);
  }
  const wanted = new Map<
    string,
    { memberId: string; relation: ListenRelation; relations: readonly string[] }
  >();
  for (const relation of contract.listenRelations) {
    if (!findClass(contract, relation.className)) continue;
    for (const [memberId, relations] of byMember) {
      if (!relation.relations.some((r) => relations.has(r))) continue;
      // The contract version is part of the key: an upgrade subscribes again with its own document.
      const key = [
        contract.version,
        relation.className,
        relation.destinationClass,
        relation.feedClass ?? '',
        memberId,
      ].join('|');
      wanted.set(key, { memberId, relation, relations: [...relations].sort() });
    }
  }
  return wanted;
}

export function fields(follow: Follow): Record<string, unknown> {
  return {
    member_id: follow.memberId,
    class: follow.relation.className,
    destination: follow.relation.destinationClass,
  };
}

export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A short reason for a failed connection or subscription: an Error, GraphQL errors, a WebSocket error
 * event (whose `error` is the connector's, e.g. the refused chain) or a close event.
 */
export function describe(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? 'error';
  if (Array.isArray(err)) {
    return err
      .map((e: unknown) => (isRecord(e) && typeof e['message'] === 'string' ? e['message'] : 'error'))
      .join('; ');
  }
  if (isRecord(err) && err['error'] instanceof Error) return describe(err['error']);
  if (isRecord(err) && typeof err['message'] === 'string' && err['message'] !== '') return err['message'];
  if (isRecord(err) && typeof err['code'] === 'number') {
    const reason = typeof err['reason'] === 'string' && err['reason'] !== '' ? `: ${err['reason']}` : '';
    return `connection closed (${err['code']}${reason})`;
  }
  return 'unknown error';
}

/** Resolves once `socket` closed; cut after a grace period if the other side does not answer. */
export function closedSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === SOCKET_CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close(1000);
  });
}

/** One query over a follow's graphql-ws connection, answered once. */
export function queryOnce(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
): Promise<FormattedExecutionResult<Record<string, unknown>, unknown>> {
  return new Promise((resolve, reject) => {
    let answer: FormattedExecutionResult<Record<string, unknown>, unknown> | undefined;
    client.subscribe<Record<string, unknown>>(
      { query, variables },
      {
        next: (result) => {
          answer = result;
        },
        error: reject,
        complete: () => (answer ? resolve(answer) : reject(new Error('the pod sent no answer'))),
      },
    );
  });
}

export interface CatchUpPage {
  readonly edges: readonly { readonly cursor: string; readonly node: unknown }[];
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
}

/** A catch-up page as another pod sent it, checked for shape (its items are checked when copied). */
export function readCatchUpPage(
  result: FormattedExecutionResult<Record<string, unknown>, unknown>,
  field: string,
): CatchUpPage | undefined {
  if (result.errors && result.errors.length > 0) return undefined;
  const connection = result.data?.[field];
  if (!isRecord(connection) || !Array.isArray(connection['edges']) || !isRecord(connection['page_info'])) {
    return undefined;
  }
  const edges = connection['edges'].filter(
    (edge): edge is { cursor: string; node: unknown } => isRecord(edge) && typeof edge['cursor'] === 'string',
  );
  const pageInfo = connection['page_info'];
  const endCursor = typeof pageInfo['end_cursor'] === 'string' ? pageInfo['end_cursor'] : null;
  return { edges, endCursor, hasNextPage: pageInfo['has_next_page'] === true };
}

export function errorText(result: FormattedExecutionResult<Record<string, unknown>, unknown>): string {
  const messages = (result.errors ?? []).map((e) => e.message);
  return messages.length > 0 ? messages.join('; ') : 'the answer is not a page of the class';
}

/** The store key of a follow's position: per followed member, followed class and destination. */
export function feedStateKey(memberId: string, relation: ListenRelation): string {
  return `feed:${memberId}:${relation.className}:${relation.destinationClass}`;
}

export function hasErrorCode(
  result: FormattedExecutionResult<Record<string, unknown>, unknown>,
  code: string,
): boolean {
  return (result.errors ?? []).some((error) => error.extensions?.['code'] === code);
}
