/**
 * What every operation on a membership's GraphQL endpoint is prepared with, whichever the transport
 * (graphql-http over HTTP, graphql-ws over a WebSocket): the membership's snapshot, the requester as
 * settled for the request, the membership's proxy hook and signed-data parts, then preparation with
 * the pod's budgets and, on the member port, the admission of forwarded queries (spec §8).
 */
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ByodaError } from '../../../errors/index.js';
import { createRemoteAppend } from '../../../federation/index.js';
import type { Requester } from '../../../firewall/index.js';
import { prepareMembershipOperation } from '../../../graphql/index.js';
import type {
  ClaimVerifier,
  MembershipContext,
  MembershipRequest,
  PreparedMembershipOperation,
  RemoteAppendHook,
} from '../../../graphql/index.js';
import { createRecordSignatures, verifyClaim } from '../../../signing/index.js';
import type { RecordSignatures } from '../../../signing/index.js';
import type { PodContext } from '../../context.js';
import { admitForwarded } from '../../federation/federated-admission.js';
import type { RefusedOperation } from '../../federation/federated-admission.js';
import type { Membership } from '../../memberships/membership.js';
import { ANONYMOUS } from '../../auth/requester.js';
import { requestState } from '../request-state.js';
import type { PortName } from '../request-log.js';
import { withErrorCode } from './graphql-errors.js';

/** Who asks, from the request's credentials, for the membership it addresses. */
export type RequesterOf = (request: FastifyRequest, membership: Membership) => Promise<Requester>;

export interface GraphqlRouteOptions {
  readonly pod: PodContext;
  readonly port: PortName;
  readonly requesterOf: RequesterOf;
  /**
   * Web port: browsers cannot set headers on a WebSocket, so the owner's token may also come in the
   * graphql-ws `connection_init` payload (`{authorization: "Bearer <token>"}`).
   */
  readonly tokenInConnectionInit: boolean;
  /**
   * Member port: forwarded queries (spec §8) are admitted before they run (src/federation's `admit`).
   * The web port has no other members to admit: its owner originates queries, anonymous clients
   * cannot sign.
   */
  readonly admitForwarded: boolean;
}

interface SigningParts {
  readonly signatures: RecordSignatures;
  readonly claims: ClaimVerifier;
  readonly remoteAppend: RemoteAppendHook | undefined;
}

const signingParts = new WeakMap<Membership, SigningParts>();

/**
 * Signed data (spec §9), made once per membership: signing with its member data credential, checking
 * with its federation's data cert cache (chains verified to the network root as the signer's member
 * data cert of this service), and appends in other members' pods through its peer pool.
 */
function signingPartsOf(membership: Membership): SigningParts {
  let parts = signingParts.get(membership);
  if (!parts) {
    const { federation } = membership;
    parts = {
      signatures: createRecordSignatures({
        serviceId: membership.contract.serviceId,
        credential: membership.data,
        fetchChain: federation
          ? (memberId, x5t) => federation.dataCerts.get(memberId, x5t)
          : () =>
              Promise.reject(
                new ByodaError('BYODA_ERR_CONFIG', 'this pod cannot reach other pods to fetch certificates'),
              ),
      }),
      // Apps' claims (spec §12), checked against app data certs fetched from the apps' servers.
      claims: {
        verify: (claim, className, record) =>
          verifyClaim(claim, className, record, {
            serviceId: membership.contract.serviceId,
            fetchAppDataCert: federation
              ? (appId) => federation.appDataCerts.get(appId)
              : () => Promise.reject(new ByodaError('BYODA_ERR_CONFIG', 'this pod cannot reach apps')),
          }),
      },
      remoteAppend: federation
        ? createRemoteAppend({ peers: federation.peers, contract: () => membership.contract })
        : undefined,
    };
    signingParts.set(membership, parts);
  }
  return parts;
}

/**
 * The operation's context: one snapshot of the membership, the requester as settled for the request,
 * the membership's proxy hook (spec §8: it originates the owner's queries and passes on members'
 * verified ones; it forwards nothing for anyone else) and its signed-data parts (spec §9).
 */
function membershipContext(
  membership: Membership,
  requester: Requester | (() => Requester),
  logger: Logger,
  remoteAddr: string,
) {
  const snapshot = membership.snapshot;
  const { signatures, claims, remoteAppend } = signingPartsOf(membership);
  const context: MembershipContext = {
    contract: snapshot.contract,
    store: membership.store,
    requester: typeof requester === 'function' ? ANONYMOUS : requester,
    memberId: membership.memberId,
    events: membership.events,
    logger,
    signatures,
    claims,
    // Every class decision, allowed or denied, goes to the owner's data log (batched, never awaited).
    decisions: (className, action, asking, allowed) =>
      membership.datalog.note({ requester: asking, className, action, allowed, remoteAddr }),
    ...(membership.federation ? { proxy: membership.federation.proxy } : {}),
    ...(remoteAppend ? { remoteAppend } : {}),
  };
  // A scoped token's requester is judged at every read (a revoked token stops mid-subscription). Only
  // then is it a getter: an object with one is slower to copy, and every operation copies its context.
  if (typeof requester === 'function') Object.defineProperty(context, 'requester', { get: requester });
  return { snapshot, context };
}

export type Prepared = PreparedMembershipOperation | RefusedOperation;

export async function prepareFor(
  request: FastifyRequest,
  params: MembershipRequest,
  options: GraphqlRouteOptions,
  requester?: Requester,
): Promise<Prepared> {
  const { logger } = options.pod;
  const { membership, requester: settled } = requestState(request);
  // onRequest always sets both before a handler runs; a missing one is a wiring bug, refused safely.
  if (!membership || !settled) return { errors: [withErrorCode(new Error('request not authenticated'))] };
  const { snapshot, context } = membershipContext(
    membership,
    liveRequester(options.pod, requester ?? settled),
    logger,
    request.ip,
  );
  // Any operation type: graphql-http refuses subscriptions and mutations over GET (405) itself.
  const prepared = prepareMembershipOperation(snapshot.schema, context, params, {
    budgets: options.pod.graphql.budgets,
  });
  if (!('document' in prepared)) return { errors: prepared };
  if (!options.admitForwarded) return prepared;
  return admitForwarded(prepared, membership, { logger, requestId: request.id });
}

/**
 * The requester as it is at each check: a delegate whose scoped token was revoked or expired is
 * anonymous from then on, so a running subscription stops delivering at once (spec §6 delivery checks).
 */
function liveRequester(pod: PodContext, requester: Requester): Requester | (() => Requester) {
  if (requester.kind !== 'delegate') return requester;
  const { tokenId } = requester.scope;
  return () => (pod.scopedTokens.isActive(tokenId) ? requester : ANONYMOUS);
}
