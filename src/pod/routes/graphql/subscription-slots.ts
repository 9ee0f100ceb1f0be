/**
 * How many graphql-ws operations may be open at once: per client (over all its connections) and per
 * membership (over all clients). Each open subscription holds a queue and a listener on the
 * membership's event bus and costs work on every write, so one anonymous client must not hold
 * hundreds of them. A client is who the requester is: the owner, a member by member id, the service,
 * or an anonymous client by its address.
 */
import { ByodaError } from '../../../errors/index.js';
import type { Requester } from '../../../firewall/index.js';

export interface SubscriptionLimits {
  /** Open operations per client (default 32). */
  readonly perClient: number;
  /** Open operations per membership, all clients together (default 1000). */
  readonly perMembership: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = { perClient: 32, perMembership: 1000 };

/** One held place; `release` is idempotent. */
export interface SubscriptionSlot {
  release(): void;
}

/** The key a requester's subscriptions are counted under. */
export function clientKey(requester: Requester, address: string): string {
  switch (requester.kind) {
    case 'owner':
      return 'owner';
    case 'delegate':
      return `delegate:${requester.scope.tokenId}`;
    case 'member':
      return `member:${requester.memberId.toLowerCase()}`;
    case 'service':
      return `service:${requester.serviceId}`;
    case 'app':
      return `app:${requester.appId}`;
    case 'anonymous':
      return `ip:${address}`;
  }
}

interface MembershipCount {
  total: number;
  readonly perClient: Map<string, number>;
}

export class SubscriptionSlots {
  readonly #counts = new WeakMap<object, MembershipCount>();

  constructor(private readonly limits: SubscriptionLimits = DEFAULT_SUBSCRIPTION_LIMITS) {}

  /** A place for one more operation of `client` on `membership`, or the refusal. */
  acquire(membership: object, client: string): SubscriptionSlot | ByodaError {
    let count = this.#counts.get(membership);
    if (!count) {
      count = { total: 0, perClient: new Map() };
      this.#counts.set(membership, count);
    }
    const held = count.perClient.get(client) ?? 0;
    if (held >= this.limits.perClient) {
      return tooMany(`this client has ${held} subscriptions open, the most one client may hold`);
    }
    if (count.total >= this.limits.perMembership) {
      return tooMany(`this membership has ${count.total} subscriptions open, the most it serves at once`);
    }
    count.total += 1;
    count.perClient.set(client, held + 1);
    const owner = count;
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        owner.total -= 1;
        const left = (owner.perClient.get(client) ?? 1) - 1;
        if (left > 0) owner.perClient.set(client, left);
        else owner.perClient.delete(client);
      },
    };
  }
}

function tooMany(message: string): ByodaError {
  return new ByodaError('BYODA_ERR_TOO_MANY_SUBSCRIPTIONS', `${message}: complete one first`);
}

const LIMIT_ENV = {
  perClient: 'BYODA_SUBSCRIPTIONS_PER_CLIENT',
  perMembership: 'BYODA_SUBSCRIPTIONS_PER_MEMBERSHIP',
} as const;

/** Limits from the environment (whole numbers, at least 1); unset ones are left out. */
export function subscriptionLimitsFromEnv(env: NodeJS.ProcessEnv): Partial<SubscriptionLimits> {
  const limits: { perClient?: number; perMembership?: number } = {};
  for (const key of ['perClient', 'perMembership'] as const) {
    const text = env[LIMIT_ENV[key]]?.trim();
    if (text === undefined || text === '') continue;
    limits[key] = checkLimit(/^\d+$/.test(text) ? Number(text) : NaN, LIMIT_ENV[key]);
  }
  return limits;
}

/** `value` as a limit, or BYODA_ERR_CONFIG naming `name`. */
export function checkLimit(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ByodaError('BYODA_ERR_CONFIG', `${name} must be a whole number, at least 1`);
  }
  return value;
}
