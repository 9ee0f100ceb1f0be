/**
 * Forwarded queries arriving on the member port (spec §6, §8), between preparing an operation and
 * running it, as src/federation/index.ts tells the pod to: the membership's federation checks the
 * origin signatures and the query ids (`admit`), the operation then runs as the requester it returns
 * (with the distance from the originating pod and a verified origin), and a query id seen before runs
 * in `replayContext`, which holds no data and forwards nothing, so cycles and diamonds of links cost
 * one visit per pod.
 *
 * One log line per forwarded query that reaches this pod: `federated query admitted` for a first
 * visit, `federated query repeated` for a query id seen before; both name the query id, the origin,
 * the depth received and the member that sent it, so a query's visits can be counted from the logs.
 */
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { isByodaError } from '../../errors/index.js';
import { isForwarded, readIncomingOperation, replayContext } from '../../federation/index.js';
import type { Admission, IncomingConnection, MembershipFederation } from '../../federation/index.js';
import type { Requester } from '../../firewall/index.js';
import { toGraphQLError } from '../../graphql/index.js';
import type { PreparedMembershipOperation } from '../../graphql/index.js';
import { withErrorCode } from '../routes/graphql/graphql-errors.js';
import type { Membership } from '../memberships/membership.js';

/** An operation refused before it ran, with the HTTP status of the refusal when it has its own. */
export interface RefusedOperation {
  readonly errors: readonly GraphQLError[];
  readonly status?: number;
}

/** Where the log line of an admitted query goes, and which request it belongs to. */
export interface AdmissionLog {
  readonly logger: Logger;
  readonly requestId: string;
}

/**
 * `prepared` as it may run: unchanged when it forwards nothing (or the membership has no federation),
 * else with the admitted requester and, for a query id seen before, the replay context. A refusal
 * (bad or missing signature fields, stale, over-deep, from a requester that cannot sign) is the answer.
 */
export async function admitForwarded(
  prepared: PreparedMembershipOperation,
  membership: Membership,
  log: AdmissionLog,
): Promise<PreparedMembershipOperation | RefusedOperation> {
  const { federation } = membership;
  if (!federation) return prepared;
  const asker = prepared.contextValue.requester;
  // The owner (the membership's own certificate on this port) originates queries: nothing to admit.
  if (asker.kind === 'owner') return prepared;
  const forwarded = readIncomingOperation(prepared).connections.filter(isForwarded);
  if (forwarded.length === 0) return prepared;
  const admission = await admit(federation, prepared, asker, log.logger);
  if ('errors' in admission) return admission;
  logVisits(forwarded, asker, admission, membership, log);
  const admitted = { ...prepared.contextValue, requester: admission.requester };
  return { ...prepared, contextValue: admission.replay ? replayContext(admitted) : admitted };
}

async function admit(
  federation: MembershipFederation,
  prepared: PreparedMembershipOperation,
  asker: Requester,
  logger: Logger,
): Promise<Admission | RefusedOperation> {
  try {
    return await federation.admit(prepared, asker);
  } catch (err) {
    // A ByodaError is the refusal itself (400 or 403); anything else is ours, logged, sent as internal.
    if (isByodaError(err)) return { errors: [withErrorCode(err)], status: err.status };
    return { errors: [toGraphQLError(err, logger)], status: 500 };
  }
}

function logVisits(
  forwarded: readonly IncomingConnection[],
  asker: Requester,
  admission: Admission,
  membership: Membership,
  log: AdmissionLog,
): void {
  const message = admission.replay ? 'federated query repeated' : 'federated query admitted';
  const distance = admission.requester.kind === 'member' ? admission.requester.distance : undefined;
  for (const connection of forwarded) {
    log.logger.info(
      {
        port: 'member',
        req_id: log.requestId,
        service_id: membership.serviceId,
        query_id: connection.queryId?.toLowerCase(),
        origin: connection.originMemberId?.toLowerCase(),
        class: connection.className,
        depth: connection.depth,
        distance,
        // Only members are admitted (the service and anonymous clients cannot sign).
        from: asker.kind === 'member' ? asker.memberId : asker.kind,
      },
      message,
    );
  }
}
