/**
 * In-process pub/sub of one membership (spec §7 `X_updates`): mutations publish what they changed and
 * each subscription reads its own bounded queue through an async iterator, the shape graphql-js
 * `subscribe()` and any WebSocket transport (graphql-ws) consume. Nothing here knows about GraphQL.
 *
 * Two checks, at two moments: an event is queued only when it matches the subscription's filter (fixed
 * at subscribe time), and it is delivered only when the subscriber may still read it when it is pulled
 * (spec §6: rights are evaluated when data leaves the pod, and a link may be gone by then).
 */
import { ByodaError } from '../errors/index.js';
import type { JsonObject } from '../storage/index.js';

export const UPDATE_ACTIONS = ['append', 'update', 'delete'] as const;
export type UpdateAction = (typeof UPDATE_ACTIONS)[number];

export interface DataEvent {
  readonly className: string;
  readonly action: UpdateAction;
  /**
   * The record after an append or update, or the removed record for a delete. Null when one mutation
   * changed more records than it publishes events for (MAX_EVENTS_PER_MUTATION): "re-read the class".
   */
  readonly node: JsonObject | null;
  /**
   * For an append: the new record's cursor, so that a follower can later ask for what came after it
   * (`X_connection(after: ...)`, e.g. to catch up after a lost connection). Absent otherwise.
   */
  readonly cursor?: string;
}

export interface EventSubscriptionOptions {
  /** The subscription's filter: events for which it is false are never queued. */
  readonly matches?: (event: DataEvent) => boolean;
  /** Checked when an event is pulled: false skips it (the subscriber's read rights at delivery). */
  readonly deliverable?: (event: DataEvent) => boolean;
}

export interface MembershipEventsOptions {
  /**
   * Events a subscriber may fall behind by. A subscriber that does not keep up is ended with
   * BYODA_ERR_RATE_LIMITED rather than silently missing events or growing the pod's memory.
   */
  readonly maxQueue?: number;
}

/**
 * Most events one mutation publishes (one page of storage, read before the write); beyond it, one
 * event with a null node stands for the rest, so a bulk delete costs one extra read, not thousands.
 */
export const MAX_EVENTS_PER_MUTATION = 100;

/** Well above MAX_EVENTS_PER_MUTATION, so that no single mutation can overflow a subscriber. */
export const DEFAULT_MAX_QUEUE = 1000;

type Waiter = {
  readonly resolve: (result: IteratorResult<DataEvent>) => void;
  readonly reject: (err: unknown) => void;
};

const DONE: IteratorResult<DataEvent> = { done: true, value: undefined };

/** One subscription: a bounded FIFO that is also the async iterator its consumer reads. */
class EventQueue implements AsyncIterableIterator<DataEvent> {
  private readonly buffered: DataEvent[] = [];
  private readonly waiters: Waiter[] = [];
  private failure: ByodaError | undefined;
  private ended = false;

  constructor(
    private readonly options: EventSubscriptionOptions,
    private readonly maxQueue: number,
    private readonly detach: (queue: EventQueue) => void,
  ) {}

  offer(event: DataEvent): void {
    if (this.ended || !this.isMatch(event)) return;
    if (this.buffered.length >= this.maxQueue) {
      this.fail(
        new ByodaError(
          'BYODA_ERR_RATE_LIMITED',
          `subscription fell more than ${this.maxQueue} events behind and was closed`,
        ),
      );
      return;
    }
    this.buffered.push(event);
    this.serveWaiters();
  }

  next(): Promise<IteratorResult<DataEvent>> {
    if (this.failure) return this.takeFailure();
    const event = this.takeDeliverable();
    if (event) return Promise.resolve({ done: false, value: event });
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<DataEvent>> {
    this.end();
    return Promise.resolve(DONE);
  }

  throw(): Promise<IteratorResult<DataEvent>> {
    return this.return();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<DataEvent> {
    return this;
  }

  /** Ends the subscription: pending and later reads finish, queued events are dropped. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.buffered.length = 0;
    this.detach(this);
    for (const waiter of this.waiters.splice(0)) waiter.resolve(DONE);
  }

  private fail(failure: ByodaError): void {
    this.failure = failure;
    const waiter = this.waiters.shift();
    this.end();
    if (waiter) waiter.reject(this.takeFailureError());
  }

  private takeFailureError(): ByodaError | undefined {
    const failure = this.failure;
    this.failure = undefined;
    return failure;
  }

  private takeFailure(): Promise<IteratorResult<DataEvent>> {
    return Promise.reject(this.takeFailureError());
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0) {
      const event = this.takeDeliverable();
      if (!event) return;
      this.waiters.shift()?.resolve({ done: false, value: event });
    }
  }

  private takeDeliverable(): DataEvent | undefined {
    for (let event = this.buffered.shift(); event; event = this.buffered.shift()) {
      if (this.isDeliverable(event)) return event;
    }
    return undefined;
  }

  // A predicate that throws must not break the publisher's loop or the consumer: the event is skipped.
  private isMatch(event: DataEvent): boolean {
    try {
      return this.options.matches?.(event) ?? true;
    } catch {
      return false;
    }
  }

  private isDeliverable(event: DataEvent): boolean {
    try {
      return this.options.deliverable?.(event) ?? true;
    } catch {
      return false;
    }
  }
}

/** The pub/sub of one membership; the pod server keeps one per membership, for its lifetime. */
export class MembershipEvents {
  private readonly byClass = new Map<string, Set<EventQueue>>();
  private readonly maxQueue: number;

  constructor(options: MembershipEventsOptions = {}) {
    this.maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    if (!Number.isSafeInteger(this.maxQueue) || this.maxQueue < 1) {
      throw new ByodaError('BYODA_ERR_CONFIG', 'maxQueue must be a whole number from 1');
    }
  }

  /** Hands `event` to every subscriber of its class; never blocks and never throws. */
  publish(event: DataEvent): void {
    for (const queue of [...(this.byClass.get(event.className) ?? [])]) queue.offer(event);
  }

  subscribe(className: string, options: EventSubscriptionOptions = {}): AsyncIterableIterator<DataEvent> {
    const queue = new EventQueue(options, this.maxQueue, (q) => this.detach(className, q));
    let queues = this.byClass.get(className);
    if (!queues) {
      queues = new Set();
      this.byClass.set(className, queues);
    }
    queues.add(queue);
    return queue;
  }

  /** Whether anyone listens to `className`: mutations skip collecting events when nobody does. */
  hasSubscribers(className: string): boolean {
    return (this.byClass.get(className)?.size ?? 0) > 0;
  }

  /** Ends every subscription (the membership is closing). */
  close(): void {
    for (const queues of [...this.byClass.values()]) for (const queue of [...queues]) queue.end();
  }

  private detach(className: string, queue: EventQueue): void {
    const queues = this.byClass.get(className);
    queues?.delete(queue);
    if (queues?.size === 0) this.byClass.delete(className);
  }
}
