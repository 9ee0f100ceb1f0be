/**
 * The pod's `ProxyHook` (src/graphql): forwards a connection query to other pods and brings back their
 * edges, each with its origin, and one error per pod that failed (spec §8). The resolvers answer from
 * this pod's own data and call the hook only for the remote part; they also filter the remote edges
 * again and merge them after the local page.
 *
 * Two modes, as the graphql layer routes them:
 * - `remote_member_id` (owner only): the query goes with depth 0 to that one member's pod.
 * - `depth >= 1`: it goes with `depth - 1` to every pod this membership has a network link to whose
 *   relation is in `relations` (all links when absent), each member once, never back to this pod, to
 *   the pod that sent the query here, or to the originating pod (they have seen the query id).
 *   For another member, only along the links forward-scope.ts allows: none for a member the owner
 *   has no link to, else those it could read or those of its own relations (issue 11).
 *
 * Signing (spec §8): for the owner this pod is the originating pod. It keeps the query id the graphql
 * layer gives (or makes one for `remote_member_id`), stamps the time, signs with its member data key
 * (origin-signature.ts) and remembers the query id, so that the query coming back through a cycle is
 * answered empty. For a member the pod passes the signed fields on unchanged; it forwards only queries
 * whose origin signature the pod verified on arrival (`admitIncomingQuery`), and nothing for anybody
 * else (the service and anonymous clients have no member data key to sign with).
 *
 * Time (spec §8: each hop has a timeout; a slow pod yields a partial result, never a hanging query): a
 * pod that is sent depth `r` may itself wait for pods further on, so it is given
 * `hopTimeoutMs × (r + 1)`; a pod forwarding for someone else finishes within
 * `hopTimeoutMs × depth + hopTimeoutMs / 2`, which is less than the sender gives it. Everything is
 * also bounded by an overall deadline (`deadlineMs`, 10 s by default), and each hop gets at most what
 * is left of it. Pods are asked `concurrency` at a time (default 8).
 *
 * Size: each pod's answer is bounded by the peer pool (`maxResponseBytes`), and all of them together
 * by `maxMergedBytes` (16 MiB by default), counted as answers arrive: a pod whose records would take
 * the total over it is reported in `remote_errors` and its records are left out, so many linked pods
 * cannot together make one query hold more than that.
 */
import { randomUUID } from 'node:crypto';
import { findClass } from '../contract/index.js';
import type { Contract, DataClass } from '../contract/index.js';
import { mapBounded } from '../bounded/index.js';
import { ByodaError, isByodaError } from '../errors/index.js';
import type { ProxyError, ProxyHook, ProxyRequest, ProxyResult } from '../graphql/index.js';
import type { Credential } from '../pki/index.js';
import { memberForwardScope } from './forward-scope.js';
import type { ForwardScope } from './forward-scope.js';
import { signOriginQuery } from './origin-signature.js';
import { abortable, timeLimit } from './time-limit.js';
import type { PeerClient } from './peer-pool.js';
import type { QueryMemory } from './query-memory.js';
import { mergeAnswers, withinMerged } from './merge-answers.js';
import { buildRemoteQuery, readRemoteAnswer } from './remote-query.js';
import type { RemoteAnswer, RemoteQueryArgs } from './remote-query.js';

/** A network link of this membership, as the fan-out needs it. */
export interface LinkTarget {
  readonly memberId: string;
  readonly relation: string;
}

export interface ProxyHookDeps {
  /** This membership's member data credential: signs the queries this pod originates (spec §8). */
  readonly dataCredential: Credential;
  /** The contract the membership follows now (read per query: the membership may migrate). */
  readonly contract: () => Contract;
  /** Pod-to-pod requests (`createPeerPool`). */
  readonly peers: PeerClient;
  /** This membership's network links (`network_links` of the contract). */
  readonly links: () => Promise<readonly LinkTarget[]>;
  /**
   * The contract class the links are kept in: its read rules decide whether another member may have
   * every link followed (forward-scope.ts). Absent: no member may read them.
   */
  readonly linksClassName?: string;
  /** The pod's query-id memory; the ids of queries this pod originates are put in it. */
  readonly queryMemory?: QueryMemory;
  /** Pods asked at once (default 8). */
  readonly concurrency?: number;
  /** Wait for a pod sent depth 0, in milliseconds (default 3000); see the file comment. */
  readonly hopTimeoutMs?: number;
  /** Overall deadline of one fan-out, in milliseconds (default 10,000). */
  readonly deadlineMs?: number;
  /** Bytes of records one fan-out takes from all pods together (default 16 MiB); see the file comment. */
  readonly maxMergedBytes?: number;
  readonly now?: () => number;
  readonly newQueryId?: () => string;
  /** Told of every fan-out and every pod's answer (the operator's metrics); nothing when absent. */
  readonly observer?: FanOutObserver;
}

/** What an observer of the fan-out learns: how wide each query went, how each pod answered. */
export interface FanOutObserver {
  fanOut(mode: 'remote' | 'recursive', targets: number): void;
  peerAnswered(outcome: 'ok' | 'error' | 'timeout', seconds: number): void;
}

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_HOP_TIMEOUT_MS = 3000;
export const DEFAULT_DEADLINE_MS = 10_000;
export const DEFAULT_MAX_MERGED_BYTES = 16 * 1024 * 1024;

const EMPTY: ProxyResult = { edges: [], errors: [] };
/** A pod that could not be reached or heard from (in time): the pool's code for its failures. */
const UNREACHABLE = 'BYODA_ERR_UNREACHABLE';

/** What to send to whom, within how long. */
interface ForwardPlan {
  readonly targets: readonly string[];
  readonly args: RemoteQueryArgs;
  readonly deadlineMs: number;
  /** This pod originates the query for its owner (else it forwards for another member). */
  readonly forOwner: boolean;
  /** Found while planning (this pod's links could not be read). */
  readonly errors: readonly ProxyError[];
}

interface HookSettings {
  readonly deps: ProxyHookDeps;
  readonly memberId: string;
  readonly serviceId: number;
  readonly concurrency: number;
  readonly hopTimeoutMs: number;
  readonly deadlineMs: number;
  readonly maxMergedBytes: number;
  readonly now: () => number;
}

export function createProxyHook(deps: ProxyHookDeps): ProxyHook {
  const { identity } = deps.dataCredential;
  if (identity.type !== 'member-data' || !identity.memberId || identity.serviceId === undefined) {
    throw new ByodaError('BYODA_ERR_CONFIG', 'the proxy hook needs the membership’s member data credential');
  }
  const settings: HookSettings = {
    deps,
    memberId: identity.memberId,
    serviceId: identity.serviceId,
    concurrency: positive(deps.concurrency ?? DEFAULT_CONCURRENCY, 'concurrency'),
    hopTimeoutMs: positive(deps.hopTimeoutMs ?? DEFAULT_HOP_TIMEOUT_MS, 'hopTimeoutMs'),
    deadlineMs: positive(deps.deadlineMs ?? DEFAULT_DEADLINE_MS, 'deadlineMs'),
    maxMergedBytes: positive(deps.maxMergedBytes ?? DEFAULT_MAX_MERGED_BYTES, 'maxMergedBytes'),
    now: deps.now ?? Date.now,
  };
  return async (request) => {
    const cls = findClass(deps.contract(), request.className);
    if (!cls) throw new ByodaError('BYODA_ERR_BAD_REQUEST', `no class '${request.className}' to forward`);
    const plan = await planForward(request, settings);
    if (request.remoteMemberId !== undefined || request.depth >= 1) {
      deps.observer?.fanOut(
        request.remoteMemberId !== undefined ? 'remote' : 'recursive',
        plan.targets.length,
      );
    }
    if (plan.targets.length === 0) {
      return plan.errors.length === 0 ? EMPTY : { edges: [], errors: plan.errors };
    }
    const result = await fanOut(cls, plan, settings);
    return { edges: result.edges, errors: [...plan.errors, ...result.errors] };
  };
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ByodaError('BYODA_ERR_CONFIG', `${name} must be a positive whole number`);
  }
  return value;
}

/** How long to wait for a pod that is sent depth `sentDepth` (it may wait for pods further on). */
export function hopBudgetMs(hopTimeoutMs: number, sentDepth: number): number {
  return hopTimeoutMs * (sentDepth + 1);
}

async function planForward(request: ProxyRequest, settings: HookSettings): Promise<ForwardPlan> {
  if (request.remoteMemberId !== undefined) {
    // spec §10: a pod proxies for its owner only (the graphql layer refuses others before this).
    if (request.requester.kind !== 'owner') throw notForwarded();
    const args = await originate(request, 0, settings);
    const deadlineMs = Math.min(settings.deadlineMs, hopBudgetMs(settings.hopTimeoutMs, 0));
    return { targets: [request.remoteMemberId.toLowerCase()], args, deadlineMs, forOwner: true, errors: [] };
  }
  const forOwner = request.requester.kind === 'owner';
  if (request.depth < 1) return { targets: [], args: { depth: 0 }, deadlineMs: 0, forOwner, errors: [] };
  const sentDepth = request.depth - 1;
  const args = forOwner ? await originate(request, sentDepth, settings) : passOn(request, sentDepth);
  const deadlineMs = deadlineFor(request, settings);
  // spec §8 forwards along the pod's links; for another member only along those it may learn of.
  const scope =
    request.requester.kind === 'member'
      ? memberForwardScope(
          settings.deps.contract(),
          settings.deps.linksClassName,
          request.requester,
          request.relations?.map((r) => r.toLowerCase()),
        )
      : undefined;
  // What the asker may not learn of is refused under the contract, as a direct read of it would be.
  const notices: ProxyError[] =
    scope?.notice === undefined
      ? []
      : [{ origin: settings.memberId, message: scope.notice, code: 'BYODA_ERR_FORBIDDEN' }];
  if (scope?.relations?.size === 0) return { targets: [], args, deadlineMs, forOwner, errors: notices };
  try {
    const targets = await linkedTargets(request, args, settings, deadlineMs, scope);
    return { targets, args, deadlineMs, forOwner, errors: notices };
  } catch (err) {
    // The local answer still stands; the owner learns that nothing was forwarded, and why.
    const message = 'the query was not forwarded: this pod’s network links could not be read';
    const code = isByodaError(err) ? err.code : 'BYODA_ERR_STORAGE';
    const errors = [...notices, { origin: settings.memberId, message, code }];
    return { targets: [], args, deadlineMs, forOwner, errors };
  }
}

function notForwarded(): ByodaError {
  return new ByodaError(
    'BYODA_ERR_FORBIDDEN',
    'this pod forwards only its owner’s queries and queries with a verified origin signature (spec §8)',
  );
}

/** The owner's query: this pod originates it and signs it (spec §8). */
async function originate(
  request: ProxyRequest,
  sentDepth: number,
  settings: HookSettings,
): Promise<RemoteQueryArgs> {
  const queryId = (request.queryId ?? settings.deps.newQueryId?.() ?? randomUUID()).toLowerCase();
  const timestamp = new Date(settings.now()).toISOString();
  const signature = await signOriginQuery(
    {
      query_id: queryId,
      timestamp,
      service_id: settings.serviceId,
      class: request.className,
      filter: request.filter,
      depth: sentDepth,
      relations: request.relations,
    },
    settings.deps.dataCredential,
  );
  // A cycle brings the query back here: it must then be answered empty (spec §8).
  settings.deps.queryMemory?.firstVisit(queryId);
  return {
    ...forwardedFields(request, sentDepth),
    queryId,
    timestamp,
    originMemberId: settings.memberId,
    originSignature: signature,
  };
}

/** A member's query, verified on arrival: its signed fields go on unchanged. */
function passOn(request: ProxyRequest, sentDepth: number): RemoteQueryArgs {
  const { requester, queryId, timestamp, originMemberId, originSignature } = request;
  const verified = requester.kind === 'member' && requester.originSignatureVerified;
  if (!verified || !queryId || !timestamp || !originMemberId || !originSignature) throw notForwarded();
  return { ...forwardedFields(request, sentDepth), queryId, timestamp, originMemberId, originSignature };
}

function forwardedFields(request: ProxyRequest, sentDepth: number): RemoteQueryArgs {
  return { filter: request.filter, first: request.first, depth: sentDepth, relations: request.relations };
}

/**
 * Linked members whose relation is in `relations` (every link when absent) and in the member's
 * `scope`, each once, leaving out this pod, the pod that sent the query and the originating pod:
 * they have seen the query id.
 */
async function linkedTargets(
  request: ProxyRequest,
  args: RemoteQueryArgs,
  settings: HookSettings,
  deadlineMs: number,
  scope: ForwardScope | undefined,
): Promise<string[]> {
  const limit = timeLimit(deadlineMs);
  const links = await abortable(settings.deps.links(), limit.signal).finally(limit.release);
  const wanted = request.relations ? new Set(request.relations.map((r) => r.toLowerCase())) : undefined;
  const skip = new Set([settings.memberId, args.originMemberId?.toLowerCase()]);
  if (request.requester.kind === 'member') skip.add(request.requester.memberId.toLowerCase());
  const targets = new Set<string>();
  for (const link of links) {
    const memberId = link.memberId.toLowerCase();
    if (skip.has(memberId)) continue;
    if (wanted && !wanted.has(link.relation.toLowerCase())) continue;
    if (scope?.relations && !scope.relations.has(link.relation.toLowerCase())) continue;
    targets.add(memberId);
  }
  return [...targets];
}

/** The owner waits `deadlineMs`; a pod forwarding for another must answer before that pod gives up. */
function deadlineFor(request: ProxyRequest, settings: HookSettings): number {
  if (request.requester.kind === 'owner') return settings.deadlineMs;
  const withinSender = settings.hopTimeoutMs * request.depth + Math.floor(settings.hopTimeoutMs / 2);
  return Math.min(settings.deadlineMs, withinSender);
}

async function fanOut(cls: DataClass, plan: ForwardPlan, settings: HookSettings): Promise<ProxyResult> {
  const started = settings.now();
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new Error(`no answer within the query's deadline of ${plan.deadlineMs} ms`)),
    plan.deadlineMs,
  );
  try {
    const body = buildRemoteQuery(cls, plan.args);
    const merged = { bytes: 0 };
    const answers = await mapBounded(plan.targets, settings.concurrency, async (memberId) => {
      const remainingMs = plan.deadlineMs - (settings.now() - started);
      const timeoutMs = Math.min(hopBudgetMs(settings.hopTimeoutMs, plan.args.depth), remainingMs);
      const answer = await askPeer(cls, memberId, body, timeoutMs, deadline.signal, settings);
      return withinMerged(answer, memberId, merged, settings.maxMergedBytes);
    });
    return mergeAnswers(plan.targets, answers, withheldOriginFor(plan, settings));
  } finally {
    clearTimeout(timer);
  }
}

/** One pod's answer, or one error naming it: a failure of one pod never fails the query. */
async function askPeer(
  cls: DataClass,
  memberId: string,
  body: ReturnType<typeof buildRemoteQuery>,
  timeoutMs: number,
  deadline: AbortSignal,
  settings: HookSettings,
): Promise<RemoteAnswer> {
  const failed = (message: string, code: string = UNREACHABLE): RemoteAnswer => ({
    edges: [],
    errors: [{ origin: memberId, message, code }],
  });
  if (deadline.aborted || timeoutMs <= 0) return failed('not asked: the query’s deadline had passed');
  // The pool honours the signal and the timeout; `abortable` makes sure of it whatever the client.
  const guard = timeLimit(timeoutMs + 100, deadline);
  const asked = performance.now();
  const answered = (outcome: 'ok' | 'error' | 'timeout'): void =>
    settings.deps.observer?.peerAnswered(outcome, (performance.now() - asked) / 1000);
  try {
    const response = await abortable(
      settings.deps.peers.postGraphQL(memberId, body, { signal: deadline, timeoutMs }),
      guard.signal,
    );
    const answer = readRemoteAnswer(cls, response, memberId);
    answered(answer.errors.length === 0 ? 'ok' : 'error');
    return answer;
  } catch (err) {
    const timedOut = guard.signal.aborted;
    answered(timedOut ? 'timeout' : 'error');
    if (!deadline.aborted && timedOut) return failed(`timed out after ${timeoutMs} ms`);
    // The pool's failures are ByodaErrors with their code (revoked, not a member id, too large...);
    // anything else (the deadline's abort) is a pod that could not be heard from in time.
    if (isByodaError(err)) return failed(err.message, err.code);
    return failed(err instanceof Error ? err.message : 'the request failed');
  } finally {
    guard.release();
  }
}

/**
 * What stands in for an origin a pod withheld (`anonimized_responses`, spec §5), since a `ProxyEdge`
 * must name one: for the owner, the pod it asked (its own link, or the member it named); for another
 * member, this pod itself, so that the holder's id goes no further than the pod that asked it.
 */
function withheldOriginFor(plan: ForwardPlan, settings: HookSettings): (from: string) => string {
  return plan.forOwner ? (from) => from : () => settings.memberId;
}
