/**
 * What every resolver receives: one typed context per request (or per subscription), built by the pod
 * server, instead of globals. The schema itself is built once per contract version and shared.
 */
import type { ClaimVerifier } from './claims.js';
import type { Action, Contract } from '../contract/index.js';
import type { Requester } from '../firewall/index.js';
import type { RecordSignatures } from '../signing/index.js';
import type { DataStore, FilterInput, JsonObject, RecordInput } from '../storage/index.js';
import type { AnswerMeter } from './answer-meter.js';
import type { MembershipEvents } from './events.js';

/** The subset of a pino logger the GraphQL layer needs (structural, so tests can pass a stub). */
export interface ErrorLogger {
  error(details: Readonly<Record<string, unknown>>, message: string): void;
}

export interface MembershipContext {
  /** The contract the schema was built for (the store follows the same version). */
  readonly contract: Contract;
  readonly store: DataStore;
  /**
   * Who is asking (spec §6). Read on every check, never cached by the resolvers: a server may define
   * it as a getter so that a subscription sees link changes at delivery time.
   */
  readonly requester: Requester;
  /** This membership's member id: the `origin` of local records (spec §7). */
  readonly memberId: string;
  readonly events: MembershipEvents;
  /** Federation (spec §8). Without it, `remote_member_id` and `depth >= 1` are refused. */
  readonly proxy?: ProxyHook;
  /** Where unexpected errors go; they reach clients only as "internal error". Default: stderr. */
  readonly logger?: ErrorLogger;
  /**
   * Signed data (spec §9): signs for `sign: true` with the membership's member data credential, and
   * verifies the `signature` of edges when a client selects it. Without it, `sign: true` is refused
   * and every signature reads as not verified.
   */
  readonly signatures?: RecordSignatures;
  /** Checks apps' claims on records (claims.ts). Without it, every claim reads as not verified. */
  readonly claims?: ClaimVerifier;
  /** `append_X(remote_member_id)`: the owner's append sent to another member's pod. Absent: refused. */
  readonly remoteAppend?: RemoteAppendHook;
  /**
   * The byte cap of this operation's answer (answer-meter.ts), set by `prepareMembershipOperation`
   * for every operation it prepares. Absent (a context run without preparing): nothing is counted.
   */
  readonly answer?: AnswerMeter;
  /**
   * Told of every class decision the resolvers take, allowed or denied (the pod's data log,
   * src/pod/datalog). It must return at once: it runs inside the resolver, before the store is asked.
   */
  readonly decisions?: DecisionObserver;
}

/** One firewall decision on a class, as the data log records it. */
export type DecisionObserver = (
  className: string,
  action: Action,
  requester: Requester,
  allowed: boolean,
) => void;

/** An append the owner asks this pod to make in another member's pod (sent over mTLS, spec §8 peers). */
export interface RemoteAppendRequest {
  readonly className: string;
  /** The input as the client gave it, as plain JSON. */
  readonly input: RecordInput;
  /** A data signature to store with the record (made here for `sign: true`, or given by the client). */
  readonly signature: string | undefined;
  readonly remoteMemberId: string;
}

/**
 * Sends the append and returns the record the remote pod answered with (checked against this pod's
 * contract). A refusal by the remote pod is a ByodaError with the remote's code and message; a pod
 * that cannot be reached is BYODA_ERR_UNREACHABLE.
 */
export type RemoteAppendHook = (request: RemoteAppendRequest) => Promise<JsonObject>;

/**
 * A query to forward (spec §8), with the arguments as the client gave them. For `remote_member_id`
 * the hook asks that one pod, with depth 0; for `depth >= 1` it asks every linked pod whose relation
 * is in `relations` (all when absent), forwarding `depth - 1`, and it keeps the per-origin errors.
 */
export interface ProxyRequest {
  readonly className: string;
  /** The filter as given, already checked against the class (storage's `parseFilter`). */
  readonly filter: FilterInput | undefined;
  readonly first: number | undefined;
  readonly after: string | undefined;
  /** The depth the client asked for: 0 with `remoteMemberId`, else 1..max_query_depth. */
  readonly depth: number;
  readonly relations: readonly string[] | undefined;
  readonly remoteMemberId: string | undefined;
  /** Always set when `depth >= 1` (generated for the owner when the client gave none). */
  readonly queryId: string | undefined;
  readonly timestamp: string | undefined;
  readonly originMemberId: string | undefined;
  readonly originSignature: string | undefined;
  /** Who asked this pod; the hook decides what to sign and forward for them. */
  readonly requester: Requester;
}

export interface ProxyEdge {
  /** Member id of the pod that holds the record. */
  readonly origin: string;
  readonly node: JsonObject;
  readonly cursor: string;
  /** The record's data signature as the remote pod holds it (spec §9); this pod verifies it itself. */
  readonly signature?: string;
}

/** A pod that failed or timed out: the query still answers, with this in `remote_errors` (spec §8). */
export interface ProxyError {
  readonly origin: string;
  readonly message: string;
  /**
   * What kind of failure, for programs (the web app tells a firewall refusal from a pod that did not
   * answer by it): a BYODA_ERR_* code, the remote pod's own or this pod's for a failure of its own;
   * null when a remote pod sent none that is well-formed (other implementations, older pods).
   */
  readonly code: string | null;
}

export interface ProxyResult {
  readonly edges: readonly ProxyEdge[];
  readonly errors: readonly ProxyError[];
}

export type ProxyHook = (request: ProxyRequest) => Promise<ProxyResult>;
