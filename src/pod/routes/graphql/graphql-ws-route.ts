/**
 * GraphQL subscriptions (and any other operation) over graphql-ws on a membership's endpoint: the
 * WebSocket upgrade of its GET. The owner's token may come in `connection_init` on the web port
 * (browsers cannot set headers on a WebSocket), every operation counts under the client's rate limit
 * and holds a subscription slot while it is open, and each gets a log line of its own.
 */
import type { FastifyRequest } from 'fastify';
import { GraphQLError, getOperationAST } from 'graphql';
import type { Context as WsContext } from 'graphql-ws';
import { ByodaError } from '../../../errors/index.js';
import type { Requester } from '../../../firewall/index.js';
import { countFurtherOperation } from '../../../http/index.js';
import { executePrepared, subscribePrepared } from '../../../graphql/index.js';
import type { PodContext } from '../../context.js';
import type { RefusedOperation } from '../../federation/federated-admission.js';
import { bearerToken } from '../../auth/owner-token.js';
import { delegateOf, OWNER, ownerProvedOnSocket } from '../../auth/requester.js';
import { isScopedToken } from '../../auth/scoped-tokens.js';
import { requestState } from '../request-state.js';
import { errorCodes, withErrorCode } from './graphql-errors.js';
import { prepareFor } from './graphql-operation.js';
import type { GraphqlRouteOptions, Prepared } from './graphql-operation.js';
import { graphqlWsHandler } from './graphql-ws-socket.js';
import type { WsExtra } from './graphql-ws-socket.js';
import { clientKey, SubscriptionSlots } from './subscription-slots.js';
import type { SubscriptionSlot } from './subscription-slots.js';

/** WebSocket keep-alive ping interval (graphql-ws default 12 s). */
const KEEP_ALIVE_MS = 12_000;

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

export function createWsHandler(options: GraphqlRouteOptions) {
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
