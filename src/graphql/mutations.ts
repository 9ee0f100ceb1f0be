/**
 * Resolvers of the mutation root (spec §7) and the events they publish for `X_updates`.
 *
 * Each mutation asks the firewall first (`assertWriteChecked`, which weighs the class and every field
 * the input sets, and tells the data log) and touches storage only when that passes, so a denied
 * write changes nothing (spec §6). Events are collected only when someone subscribes to the class.
 */
import type { DataClass } from '../contract/index.js';
import {
  MAX_PAGE_SIZE,
  type DataStore,
  type FilterInput,
  type JsonObject,
  type JsonValue,
  type RecordInput,
  type StoredRecord,
  type WriteMeta,
} from '../storage/index.js';
import { assertWriteChecked, readableFilter } from './access.js';
import { appenderOf, assertSenderFields } from './appender.js';
import type { MembershipContext } from './context.js';
import { guarded, type Resolver } from './errors.js';
import { MAX_EVENTS_PER_MUTATION, type MembershipEvents, type UpdateAction } from './events.js';
import { appendRoute, forwardAppend, type RemoteAppendArgs } from './federation.js';
import { nodeSource, type NodeSource } from './node.js';
import { checkSigningArgs, signatureFor, type SigningArgs } from './signatures.js';

export interface InputArgs {
  readonly input: RecordInput;
}

/** `mutate_X`'s arguments: the input and how it is signed (spec §9). */
export type MutateArgs = SigningArgs;
/** `append_X`'s arguments: the input, how it is signed, and whose pod it goes to. */
export type AppendArgs = SigningArgs & RemoteAppendArgs;

export interface FilterInputArgs {
  readonly filter?: FilterInput | null;
  readonly input: RecordInput;
}

export interface DeleteArgs {
  readonly filter?: FilterInput | null;
}

/**
 * `mutate_X(input)`: create or replace the object class's record. Creating the first record needs
 * `update` too: spec §6 maps `mutate_X` to `update` whatever the record's state, and a separate
 * "create" right would be one the contracts cannot express.
 */
export function mutateResolver(cls: DataClass): Resolver<unknown, MutateArgs, Promise<NodeSource>> {
  return guarded(async (_source, args, context) => {
    checkSigningArgs(args);
    assertWriteChecked(cls, 'update', args.input, context);
    assertSenderFields(cls, args.input, context.requester);
    const signature = await signatureFor(cls, args, context);
    const record = await context.store.putObject(cls.name, args.input, writeMeta(signature, context));
    return nodeSource(cls.fields, record.data);
  });
}

/**
 * `append_X(input)`: add a record; returns it (its fields then read under the requester's rights).
 * With `remote_member_id` (owner only) the record is appended in that member's pod instead, signed
 * here first for `sign: true`, and the remote pod's answer is returned.
 */
export function appendResolver(cls: DataClass): Resolver<unknown, AppendArgs, Promise<NodeSource>> {
  return guarded(async (_source, args, context) => {
    checkSigningArgs(args);
    const remote = appendRoute(args, context);
    if (remote !== undefined) {
      const signature = await signatureFor(cls, args, context);
      return nodeSource(cls.fields, await forwardAppend(cls.name, args.input, signature, remote, context));
    }
    assertWriteChecked(cls, 'append', args.input, context);
    assertSenderFields(cls, args.input, context.requester);
    const signature = await signatureFor(cls, args, context);
    const record = await context.store.append(cls.name, args.input, writeMeta(signature, context));
    context.events.publish({
      className: cls.name,
      action: 'append',
      node: record.data,
      cursor: record.cursor,
    });
    return nodeSource(cls.fields, record.data);
  });
}

/** The bookkeeping of a write: its signature, if any, and its authenticated appender (appender.ts). */
function writeMeta(signature: string | undefined, context: MembershipContext): WriteMeta {
  const appender = appenderOf(context.requester, context.memberId);
  return { ...(signature ? { signature } : {}), ...(appender === undefined ? {} : { appender }) };
}

/**
 * `delete_X` for an object class (ours: spec §7 lists no delete for object classes, but contracts grant
 * `delete` on them, e.g. the owner's `person`); needs `delete` on the class. True when a record went.
 */
export function deleteObjectResolver(cls: DataClass): Resolver<unknown, unknown, Promise<boolean>> {
  return guarded(async (_source, _args, context) => {
    assertWriteChecked(cls, 'delete', undefined, context);
    return context.store.deleteObject(cls.name);
  });
}

/** `update_X(filter, input)`: set the input's fields on every matching record; returns how many. */
export function updateResolver(cls: DataClass): Resolver<unknown, FilterInputArgs, Promise<number>> {
  return guarded(async (_source, args, context) => {
    assertWriteChecked(cls, 'update', args.input, context);
    assertSenderFields(cls, args.input, context.requester);
    readableFilter(cls, args.filter, context.requester);
    const filter = args.filter ?? {};
    const before = await collectForEvents(context.events, context.store, cls, filter);
    const count = await context.store.update(cls.name, filter, args.input);
    if (before) {
      const after = before.records.map((record) => applyPatch(record.data, args.input));
      publishAll(context.events, cls, 'update', after, before.overflow);
    }
    return count;
  });
}

/** `delete_from_X(filter)`: remove every matching record (`{}` matches all); returns how many. */
export function deleteResolver(cls: DataClass): Resolver<unknown, DeleteArgs, Promise<number>> {
  return guarded(async (_source, args, context) => {
    assertWriteChecked(cls, 'delete', undefined, context);
    readableFilter(cls, args.filter, context.requester);
    const filter = args.filter ?? {};
    const before = await collectForEvents(context.events, context.store, cls, filter);
    const count = await context.store.delete(cls.name, filter);
    if (before) {
      publishAll(
        context.events,
        cls,
        'delete',
        before.records.map((record) => record.data),
        before.overflow,
      );
    }
    return count;
  });
}

interface Collected {
  readonly records: readonly StoredRecord[];
  /** More records matched than events are published for. */
  readonly overflow: boolean;
}

/**
 * The records an update or delete is about to change, for the events (storage reports only a count).
 * Read just before the write; a write of another request in between can make the events slightly
 * stale, which subscribers tolerate: events are notifications, the store is the truth.
 */
async function collectForEvents(
  events: MembershipEvents,
  store: DataStore,
  cls: DataClass,
  filter: FilterInput,
): Promise<Collected | undefined> {
  if (!events.hasSubscribers(cls.name)) return undefined;
  const records: StoredRecord[] = [];
  let after: string | null = null;
  for (;;) {
    const first = Math.min(MAX_PAGE_SIZE, MAX_EVENTS_PER_MUTATION - records.length);
    const page = await store.query(cls.name, { filter, first, after });
    records.push(...page.records);
    if (!page.hasNextPage) return { records, overflow: false };
    if (records.length >= MAX_EVENTS_PER_MUTATION) {
      return { records, overflow: true };
    }
    after = page.endCursor;
  }
}

/** The record as storage now holds it: the patch's fields set, its nulls cleared (as `update` does). */
function applyPatch(data: JsonObject, patch: RecordInput): JsonObject {
  const result: Record<string, JsonValue> = { ...data };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete result[key];
    else result[key] = value as JsonValue;
  }
  return result;
}

function publishAll(
  events: MembershipEvents,
  cls: DataClass,
  action: UpdateAction,
  nodes: readonly JsonObject[],
  overflow: boolean,
): void {
  for (const node of nodes) events.publish({ className: cls.name, action, node });
  if (overflow) events.publish({ className: cls.name, action, node: null });
}
