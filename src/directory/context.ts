/**
 * What every directory route needs, built once by the server and passed down (no globals): the network
 * PKI, the directory store, the registrar that publishes names, and the verified identity of each request's client.
 */
import type { FastifyRequest } from 'fastify';
import type { AddressPolicy } from '../dns/index.js';
import type { NetworkPki } from '../pki/index.js';
import type { Requester } from './authorization.js';
import type { Registrar } from './registrar.js';
import type { DirectoryStore } from './store/directory-store.js';

export interface DirectoryContext {
  readonly network: string;
  readonly pki: NetworkPki;
  readonly store: DirectoryStore;
  /** Saves registrations with their DNS records (registrar.ts). */
  readonly registrar: Registrar;
  /** Which addresses it publishes (src/dns publishable.ts): loopback only in a local network. */
  readonly addressPolicy: AddressPolicy;
  /** The client certificate's verified identity; throws 401 for a chain that does not verify. */
  readonly requesterOf: (request: FastifyRequest) => Promise<Requester>;
}
