/**
 * `X_updates(filter)` (spec §7): a stream of the appends, updates and deletes of an array class.
 *
 * Rights are checked twice (spec §6): at subscribe time (`subscribe`, and `read`, since every event is
 * a read, so a subscription that could never deliver anything is refused up front rather than left
 * silent) and for every event when it is delivered, with the requester as it is then. The fields of
 * each event's record go through the node resolver like any read.
 */
import type { DataClass } from '../contract/index.js';
import { classDecision } from '../firewall/index.js';
import { evaluateFilter } from '../storage/index.js';
import { assertClassAllowed, readableFilter } from './access.js';
import { jsonBytes } from './answer-meter.js';
import type { MembershipContext } from './context.js';
import { guarded, guardedSync, type Resolver } from './errors.js';
import type { DataEvent, UpdateAction } from './events.js';
import { nodeSource, type NodeSource } from './node.js';
import type { FilterArgs } from './queries.js';

/** The source of a `T_update_event`. */
export interface UpdateEventSource {
  readonly action: UpdateAction;
  readonly cursor: string | null;
  readonly node: NodeSource | null;
}

export function updatesSubscriber(
  cls: DataClass,
): Resolver<unknown, FilterArgs, Promise<AsyncIterable<DataEvent>>> {
  return guarded(async (_source, args, context: MembershipContext) => {
    assertClassAllowed(cls, 'subscribe', context);
    assertClassAllowed(cls, 'read', context);
    const filter = readableFilter(cls, args.filter, context.requester);
    return context.events.subscribe(cls.name, {
      // A null node ("more changed than events carry") concerns every subscriber of the class.
      matches: (event) => event.node === null || evaluateFilter(filter, event.node),
      deliverable: () => classDecision(cls, 'read', context.requester).allowed,
    });
  });
}

/**
 * Turns a published event into the event type's source. Its record counts in the event's answer
 * bytes (the meter starts afresh for each event, execute.ts), like a record read for a query.
 */
export function updateEventResolver(cls: DataClass): Resolver<unknown, unknown, UpdateEventSource> {
  return guardedSync((payload, _args, context) => {
    const event = payload as DataEvent; // the payloads are what our own event queue yields
    if (event.node) context.answer?.charge(jsonBytes(event.node));
    return {
      action: event.action,
      cursor: event.cursor ?? null,
      node: event.node ? nodeSource(cls.fields, event.node) : null,
    };
  });
}
