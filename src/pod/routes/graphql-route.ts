/**
 * The GraphQL endpoint of each membership, `/api/v1/data/service-<service_id>` (spec §4, §7), on both
 * ports: POST and GET per the GraphQL-over-HTTP spec (served by graphql-http's fastify handler), and
 * subscriptions over graphql-ws on the same path (a WebSocket upgrade of the GET).
 *
 * Who is asking is settled in `onRequest`, before the body is read: an unknown membership is 404, bad
 * credentials are a JSON 401/403 (spec §4), everything else reaches GraphQL with a requester the
 * firewall judges field by field (spec §6). The membership's snapshot (contract + schema) is taken
 * once per operation.
 *
 * Federation (spec §8): every operation's context on both ports carries the membership's proxy hook,
 * and on the member port a forwarded query is admitted (origin signature, query id) before it runs.
 *
 * Limits (docs/protocol.md, "Limits and errors"): every operation is prepared with the pod's budgets
 * (cost before execution, answer bytes during it, through src/graphql's `executePrepared` and
 * `subscribePrepared`), and graphql-ws operations hold a subscription slot while they are open.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GraphQLError, getOperationAST } from 'graphql';
import { createHandler } from 'graphql-http/lib/use/fastify';
import type { Response as GraphqlHttpResponse } from 'graphql-http';
import type { Context as WsContext } from 'graphql-ws';
import type { Logger } from 'pino';
import { ByodaError } from '../../errors/index.js';
import { createRemoteAppend } from '../../federation/index.js';
import type { Requester } from '../../firewall/index.js';
import { countFurtherOperation } from '../../http/index.js';
import { executePrepared, prepareMembershipOperation, subscribePrepared } from '../../graphql/index.js';
import type {
  ClaimVerifier,
  MembershipContext,
  MembershipRequest,
  PreparedMembershipOperation,
  RemoteAppendHook,
} from '../../graphql/index.js';
import { createRecordSignatures, verifyClaim } from '../../signing/index.js';
import type { RecordSignatures } from '../../signing/index.js';
import type { PodContext } from '../context.js';
import { admitForwarded } from '../federation/federated-admission.js';
import type { RefusedOperation } from '../federation/federated-admission.js';
import { codedRefusal, errorCodes, withErrorCode } from './graphql-errors.js';
import { graphqlWsHandler } from './graphql-ws-socket.js';
import type { WsExtra } from './graphql-ws-socket.js';
import { clientKey, SubscriptionSlots } from './subscription-slots.js';
import type { SubscriptionSlot } from './subscription-slots.js';
import type { Membership } from '../memberships/membership.js';
import { bearerToken } from '../auth/owner-token.js';
import { ANONYMOUS, delegateOf, OWNER, ownerProvedOnSocket } from '../auth/requester.js';
import { isScopedToken } from '../auth/scoped-tokens.js';
import { requestState } from './request-state.js';
import type { PortName } from './request-log.js';
import { parseServiceIdParam } from './route-params.js';
import type { ServiceParams } from './route-params.js';

export const DATA_PATH = '/api/v1/data/service-:serviceId';

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

/** WebSocket keep-alive ping interval (graphql-ws default 12 s). */
const KEEP_ALIVE_MS = 12_000;

export function graphqlRoutes(app: FastifyInstance, options: GraphqlRouteOptions): void {
  const onRequest = async (request: FastifyRequest<{ Params: ServiceParams }>): Promise<void> => {
    const state = requestState(request);
    const membership = options.pod.memberships.require(parseServiceIdParam(request.params.serviceId));
    state.membership = membership;
    state.requester = await options.requesterOf(request, membership);
  };
  const httpHandler = createHttpHandler(options);
  app.route<{ Params: ServiceParams }>({
    method: 'GET',
    url: DATA_PATH,
    onRequest,
    onSend: codedRefusal,
    handler: httpHandler,
    wsHandler: createWsHandler(options),
  });
  app.route<{ Params: ServiceParams }>({
    method: 'POST',
    url: DATA_PATH,
    onRequest,
    onSend: codedRefusal,
    handler: httpHandler,
  });
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

type Prepared = PreparedMembershipOperation | RefusedOperation;

async function prepareFor(
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

function createHttpHandler(options: GraphqlRouteOptions) {
  return createHandler({
    onSubscribe: async (req, params) => {
      const prepared = await prepareFor(req.raw, params, options);
      if (!('document' in prepared)) return refusedOverHttp(req.raw, prepared);
      // graphql-http types its context as a plain record. It is passed as it is, not copied: its
      // answer meter and the fields it has from the caller's context are not all its own.
      const contextValue = prepared.contextValue as unknown as Record<PropertyKey, unknown>;
      return { ...prepared, contextValue };
    },
    execute: executePrepared,
    onOperation: (req, _args, result) => {
      requestState(req.raw).graphqlErrors = errorCodes(result.errors);
    },
    formatError: withErrorCode,
  });
}

/**
 * The answer to an operation refused before it ran, noted for the request's log line. Without a
 * status of its own, graphql-http answers the errors as GraphQL over HTTP says (400 or 200).
 */
function refusedOverHttp(
  request: FastifyRequest,
  refused: RefusedOperation,
): readonly GraphQLError[] | GraphqlHttpResponse {
  const state = requestState(request);
  state.graphqlErrors = errorCodes(refused.errors);
  if (refused.status === undefined) return refused.errors;
  const [first] = refused.errors;
  if (first) state.failure = { code: state.graphqlErrors[0] ?? '', reason: first.message };
  return refusal(refused.errors, refused.status);
}

/**
 * A refused forwarded query (spec §8) with the refusal's own status, 400 or 403 as for any refused
 * request (spec §4), and a GraphQL body, so the pod that sent it reads the reason like any answer.
 */
function refusal(errors: readonly GraphQLError[], status: number): GraphqlHttpResponse {
  const body = JSON.stringify({ errors: errors.map((error) => withErrorCode(error).toJSON()) });
  return [
    body,
    {
      status,
      statusText: STATUS_CODES[status] ?? '',
      headers: { 'content-type': 'application/graphql-response+json; charset=utf-8' },
    },
  ];
}

/** Owner requesters granted by a token in `connection_init`, per WebSocket connection. */
const upgradedConnections = new WeakMap<object, Requester>();

/** Subscription slots per pod, shared by its two ports. */
const podSlots = new WeakMap<PodContext, SubscriptionSlots>();

function slotsOf(pod: PodContext): SubscriptionSlots {
  let slots = podSlots.get(pod);
  if (!slots) {
    slots = new SubscriptionSlots(pod.graphql.subscriptions);
    podSlots.set(pod, slots);
  }
  return slots;
}

type Ctx = WsContext<Record<string, unknown>, WsExtra>;

/** The slots held by each connection's open operations, by operation id. */
const heldSlots = new WeakMap<Ctx, Map<string, SubscriptionSlot>>();

function releaseSlot(ctx: Ctx, id: string): void {
  const held = heldSlots.get(ctx);
  held?.get(id)?.release();
  held?.delete(id);
}

/**
 * A slot for operation `id` of the connection, or the refusal. Released when graphql-ws completes the
 * operation (it does so for every operation it ran, however it ended) or when the socket closes.
 */
function holdSlot(options: GraphqlRouteOptions, ctx: Ctx, id: string, requester: Requester) {
  const { membership } = requestState(ctx.extra.request);
  if (!membership) return undefined;
  const slot = slotsOf(options.pod).acquire(membership, clientKey(requester, ctx.extra.request.ip));
  if (slot instanceof ByodaError)
    return [new GraphQLError(slot.message, { extensions: { code: slot.code } })];
  let held = heldSlots.get(ctx);
  if (!held) {
    held = new Map();
    heldSlots.set(ctx, held);
  }
  held.set(id, slot);
  return undefined;
}

function createWsHandler(options: GraphqlRouteOptions) {
  return graphqlWsHandler(
    {
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.['authorization'];
        if (authorization === undefined) return true;
        if (!options.tokenInConnectionInit || typeof authorization !== 'string') return false;
        const token = bearerToken(authorization);
        if (token === null) return false;
        if (isScopedToken(token)) return acceptDelegate(options.pod, ctx, token);
        // A bad token closes the connection (4403), as a bad header would have answered 401.
        const claims = await options.pod.tokens.verify(token).catch(() => undefined);
        if (claims === undefined) return false;
        upgradedConnections.set(ctx.extra.socket, OWNER);
        // The socket's further operations count under the owner's own rate limit from now on.
        ownerProvedOnSocket(ctx.extra.request, claims.accountId);
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        // The upgrade was counted under the client's rate limit; every operation on the socket is too.
        const limited = await countFurtherOperation(ctx.extra.request);
        if (limited) {
          const refused: RefusedOperation = {
            errors: [new GraphQLError(limited.message, { extensions: { code: limited.code } })],
          };
          logSubscription(options, ctx.extra.request, upgradedConnections.get(ctx.extra.socket), refused);
          return refused.errors;
        }
        const requester = upgradedConnections.get(ctx.extra.socket);
        const prepared = await prepareFor(ctx.extra.request, payload, options, requester);
        const settled = requester ?? requestState(ctx.extra.request).requester;
        // graphql-ws refuses a document without one operation to run itself, without completing it.
        const runs = 'document' in prepared && getOperationAST(prepared.document, payload.operationName);
        const full = runs && settled ? holdSlot(options, ctx, id, settled) : undefined;
        const outcome: Prepared = full ? { errors: full } : prepared;
        logSubscription(options, ctx.extra.request, requester, outcome);
        return 'document' in outcome ? outcome : outcome.errors;
      },
      onComplete: (ctx, id) => releaseSlot(ctx, id),
      onClose: (ctx) => {
        for (const id of heldSlots.get(ctx)?.keys() ?? []) releaseSlot(ctx, id);
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => withErrorCode(error).toJSON()),
      execute: executePrepared,
      subscribe: subscribePrepared,
    },
    KEEP_ALIVE_MS,
    options.pod.logger,
  );
}

/** A scoped token in `connection_init`: a delegate for the socket's membership; a bad one closes it. */
function acceptDelegate(pod: PodContext, ctx: Ctx, token: string): boolean {
  const { membership } = requestState(ctx.extra.request);
  if (!membership) return false;
  try {
    upgradedConnections.set(ctx.extra.socket, delegateOf(pod.scopedTokens, token, membership.serviceId));
    return true;
  } catch {
    return false;
  }
}

/** WebSocket operations get a line of their own: the upgrade request's line comes only at its end. */
function logSubscription(
  options: GraphqlRouteOptions,
  request: FastifyRequest,
  requester: Requester | undefined,
  prepared: Prepared,
): void {
  const state = requestState(request);
  const kind = (requester ?? state.requester)?.kind ?? 'unidentified';
  const errors = 'document' in prepared ? [] : errorCodes(prepared.errors);
  options.pod.logger.info(
    {
      port: options.port,
      req_id: request.id,
      path: request.url.split('?')[0],
      transport: 'graphql-ws',
      requester: kind,
      outcome: errors.length > 0 ? 'refused' : 'started',
      ...(errors.length > 0 ? { graphql_errors: errors } : {}),
    },
    'operation',
  );
}
