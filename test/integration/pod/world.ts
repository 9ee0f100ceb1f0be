/**
 * The shared setting of the pod tests (not a test file): one network (directory, addressbook service,
 * pods A and B as real processes) that the suites of `pod-network.test.ts` use in turn, so that the
 * processes start once. Suites record what they establish (A's token, A's member id) here.
 */
import type { Agent } from 'undici';
import type { Contract } from '../../../src/contract/index.js';
import { memberFqdn } from '../../../src/pki/index.js';
import { loadSharedContract } from '../../fixtures/contracts.js';
import { NetworkHarness, NETWORK } from '../../fixtures/network-harness.js';
import type { PodInfo } from '../../fixtures/network-harness.js';
import { graphql, tlsAgent } from './pod-clients.js';
import type { GraphqlAnswer } from './pod-clients.js';

export class PodWorld {
  #net: NetworkHarness | undefined;
  #contract: Contract | undefined;
  #webA: Agent | undefined;
  /** Pod A's owner token, once the owner suite logged in. */
  tokenA = '';
  /** Pod A's member id in the service, once it joined. */
  memberIdA = '';

  async start(): Promise<void> {
    this.#contract = await loadSharedContract('addressbook');
    this.#net = await NetworkHarness.start({ pods: 2 });
    this.#webA = tlsAgent(this.rootCaPem, this.podA.fqdn);
  }

  async stop(): Promise<void> {
    await this.#webA?.close();
    await this.#net?.stop();
  }

  get net(): NetworkHarness {
    if (!this.#net) throw new Error('the network is not started');
    return this.#net;
  }

  get contract(): Contract {
    if (!this.#contract) throw new Error('the network is not started');
    return this.#contract;
  }

  get serviceId(): number {
    return this.net.service.serviceId;
  }

  get rootCaPem(): string {
    return this.net.directory.rootCaPem;
  }

  /** Pod A: joined through the owner API; the one the tests mostly ask. */
  get podA(): PodInfo {
    return this.net.pods[0]!;
  }

  /** Pod B: joined with `byoda pod join`; asks pod A as a member. */
  get podB(): PodInfo {
    return this.net.pods[1]!;
  }

  /** An HTTPS agent for pod A's web port. */
  get webA(): Agent {
    if (!this.#webA) throw new Error('the network is not started');
    return this.#webA;
  }

  get memberFqdnA(): string {
    return memberFqdn(NETWORK, this.serviceId, this.memberIdA);
  }

  /** Pod A was restarted (new ports): a fresh agent for its web port. */
  async renewWebAgent(): Promise<void> {
    await this.#webA?.close();
    this.#webA = tlsAgent(this.rootCaPem, this.podA.fqdn);
  }

  /** GraphQL on pod A's web port as its owner. */
  dataA(query: string, variables?: Record<string, unknown>): Promise<GraphqlAnswer> {
    return graphql(this.webA, this.podA.webUrl, this.serviceId, query, {
      token: this.tokenA,
      ...(variables ? { variables } : {}),
    });
  }
}
