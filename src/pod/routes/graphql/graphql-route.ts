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
import type { GraphQLError } from 'graphql';
import { createHandler } from 'graphql-http/lib/use/fastify';
import type { Response as GraphqlHttpResponse } from 'graphql-http';
import { executePrepared } from '../../../graphql/index.js';
import type { RefusedOperation } from '../../federation/federated-admission.js';
import { codedRefusal, errorCodes, withErrorCode } from './graphql-errors.js';
import { prepareFor } from './graphql-operation.js';
import type { GraphqlRouteOptions } from './graphql-operation.js';
import { createWsHandler } from './graphql-ws-route.js';
import { requestState } from '../request-state.js';
import { parseServiceIdParam } from '../route-params.js';
import type { ServiceParams } from '../route-params.js';

export type { GraphqlRouteOptions, RequesterOf } from './graphql-operation.js';

export const DATA_PATH = '/api/v1/data/service-:serviceId';

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
