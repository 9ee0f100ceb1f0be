/**
 * What every resolver receives: one typed context per request (or per subscription), built by the pod
 * server, instead of globals. The schema itself is built once per contract version and shared.
 */
import type { Contract } from '../contract/index.js';
import type { Requester } from '../firewall/index.js';
import type { DataStore, FilterInput, JsonObject } from '../storage/index.js';
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
}

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
}

/** A pod that failed or timed out: the query still answers, with this in `remote_errors` (spec §8). */
export interface ProxyError {
  readonly origin: string;
  readonly message: string;
}

export interface ProxyResult {
  readonly edges: readonly ProxyEdge[];
  readonly errors: readonly ProxyError[];
}

export type ProxyHook = (request: ProxyRequest) => Promise<ProxyResult>;
