/**
 * The memberships of a running pod, by service id. Joining adds one while the pod serves, so the
 * member port subscribes to additions to start serving the new member certificate (SNI).
 */
import { ByodaError } from '../../errors/index.js';
import type { Membership } from './membership.js';

export type MembershipListener = (membership: Membership) => void;

export class MembershipRegistry {
  readonly #byService = new Map<number, Membership>();
  readonly #listeners: MembershipListener[] = [];

  get(serviceId: number): Membership | undefined {
    return this.#byService.get(serviceId);
  }

  /** The membership of `serviceId`, or BYODA_ERR_NOT_FOUND (404). */
  require(serviceId: number): Membership {
    const membership = this.#byService.get(serviceId);
    if (!membership) {
      throw new ByodaError('BYODA_ERR_NOT_FOUND', `this pod is not a member of service ${serviceId}`);
    }
    return membership;
  }

  /** In the order they were added (at start: the order they were joined). */
  list(): Membership[] {
    return [...this.#byService.values()];
  }

  add(membership: Membership): void {
    if (this.#byService.has(membership.serviceId)) {
      throw new ByodaError('BYODA_ERR_CONFLICT', `already a member of service ${membership.serviceId}`);
    }
    this.#byService.set(membership.serviceId, membership);
    for (const listener of this.#listeners) listener(membership);
  }

  onAdd(listener: MembershipListener): void {
    this.#listeners.push(listener);
  }

  async closeAll(): Promise<void> {
    const all = this.list();
    this.#byService.clear();
    await Promise.all(all.map((membership) => membership.close()));
  }
}
