/**
 * What the pod learns about a request on its way through the hooks: the membership it addresses, who
 * is asking, and how it ended. Kept beside the request (not on it) so that fastify's types stay as
 * they are; read by the GraphQL handlers and by the one log line per request.
 */
import type { FastifyRequest } from 'fastify';
import type { Requester } from '../../firewall/index.js';
import type { Membership } from '../memberships/membership.js';

export interface RequestState {
  membership?: Membership;
  requester?: Requester;
  /** The error code and reason of a refused request. */
  failure?: { readonly code: string; readonly reason: string };
  /** `extensions.code` of each GraphQL error in the answer. */
  graphqlErrors?: readonly string[];
}

const states = new WeakMap<FastifyRequest, RequestState>();

export function requestState(request: FastifyRequest): RequestState {
  let state = states.get(request);
  if (!state) {
    state = {};
    states.set(request, state);
  }
  return state;
}
