/**
 * `X_counter(filter)` as a subscription (docs/protocol.md, "Counters"): the number of records of an
 * array class that match the filter, pushed once at the start and again whenever an append, update
 * or delete of the class changes it. The filter may name only the class's `counter` fields (the
 * contract's `#properties: ["counter"]`): those are the values the contract declares worth counting
 * by, and the ones an owner may expect to be indexed.
 *
 * Rights as for `X_updates`: `subscribe` and `read` at subscribe time, `read` again for every change
 * (an event the subscriber may no longer read does not wake the counter).
 */
import type { DataClass } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import { classDecision } from '../firewall/index.js';
import type { FilterInput, ValidFilter } from '../storage/index.js';
import { assertClassAllowed, readableFilter } from './access.js';
import type { MembershipContext } from './context.js';
import { guarded, type Resolver } from './errors.js';
import type { DataEvent } from './events.js';
import type { FilterArgs } from './queries.js';

export function counterSubscriber(
  cls: DataClass,
): Resolver<unknown, FilterArgs, Promise<AsyncIterable<number>>> {
  return guarded(async (_source, args, context: MembershipContext) => {
    assertClassAllowed(cls, 'subscribe', context);
    assertClassAllowed(cls, 'read', context);
    const filter = readableFilter(cls, args.filter, context.requester);
    assertCounterFields(cls, filter);
    const events = context.events.subscribe(cls.name, {
      deliverable: () => classDecision(cls, 'read', context.requester).allowed,
    });
    return new CounterStream(events, () => context.store.count(cls.name, args.filter as FilterInput | null));
  });
}

/** The payload is the count itself. */
export function counterEventResolver(payload: unknown): number {
  return payload as number;
}

/** Conditions only on `counter` fields; BYODA_ERR_FILTER naming the first other one. */
function assertCounterFields(cls: DataClass, filter: ValidFilter): void {
  const counters = new Set(cls.fields.filter((field) => field.properties.counter).map((f) => f.name));
  for (const condition of filter.conditions) {
    if (counters.has(condition.field)) continue;
    const allowed = counters.size > 0 ? [...counters].join(', ') : 'none: filter nothing';
    throw new ByodaError(
      'BYODA_ERR_FILTER',
      `filter.${condition.field}: a counter subscription filters only on counter fields of ${cls.name} (${allowed})`,
    );
  }
}

/**
 * The counts as an async iterator over the class's events: the first `next` counts at once, each
 * later one waits for an event and yields when the count differs from the last one sent. Written by
 * hand rather than as an async generator so that `return` (the client unsubscribing) ends the wait
 * for an event at once instead of after the next one.
 */
class CounterStream implements AsyncIterableIterator<number> {
  readonly #events: AsyncIterableIterator<DataEvent>;
  readonly #count: () => Promise<number>;
  #last: number | undefined;

  constructor(events: AsyncIterableIterator<DataEvent>, count: () => Promise<number>) {
    this.#events = events;
    this.#count = count;
  }

  async next(): Promise<IteratorResult<number>> {
    if (this.#last === undefined) return this.#send(await this.#count());
    for (;;) {
      const event = await this.#events.next();
      if (event.done) return { done: true, value: undefined };
      const count = await this.#count();
      if (count !== this.#last) return this.#send(count);
    }
  }

  async return(): Promise<IteratorResult<number>> {
    await this.#events.return?.();
    return { done: true, value: undefined };
  }

  async throw(err: unknown): Promise<IteratorResult<number>> {
    await this.#events.return?.();
    throw err;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<number> {
    return this;
  }

  #send(count: number): IteratorResult<number> {
    this.#last = count;
    return { done: false, value: count };
  }
}
