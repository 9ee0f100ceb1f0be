/**
 * The firewall checks the resolvers make (spec §6), phrased once so that every resolver says the same
 * thing the same way.
 */
import type { Action, DataClass } from '../contract/index.js';
import {
  assertAllowed,
  assertWriteAllowed,
  classDecision,
  fieldDecision,
  type Decision,
  type Requester,
} from '../firewall/index.js';
import { parseFilter, type FilterInput, type ValidFilter } from '../storage/index.js';
import type { MembershipContext } from './context.js';

/** What a check needs of the context: who asks, and who is told of the decision. */
export type DecisionContext = Pick<MembershipContext, 'requester' | 'decisions'>;

/**
 * Throws BYODA_ERR_FORBIDDEN unless the context's requester may do `action` on the class; else the
 * grant. Either way the decision goes to the context's observer (the data log).
 */
export function assertClassAllowed(cls: DataClass, action: Action, context: DecisionContext): Decision {
  const { requester } = context;
  const decision = classDecision(cls, action, requester);
  context.decisions?.(cls.name, action, requester, decision.allowed);
  assertAllowed(decision, cls.name);
  return decision;
}

/**
 * The firewall's write check (class and every field the input sets), told to the observer as one
 * decision on the class: a write refused for one field is a denied write.
 */
export function assertWriteChecked(
  cls: DataClass,
  action: 'update' | 'append' | 'delete',
  input: Record<string, unknown> | undefined,
  context: DecisionContext,
): void {
  const { requester } = context;
  try {
    assertWriteAllowed(cls, action, input, requester);
  } catch (err) {
    context.decisions?.(cls.name, action, requester, false);
    throw err;
  }
  context.decisions?.(cls.name, action, requester, true);
}

/**
 * Checks a filter against the class (BYODA_ERR_FILTER naming the field at fault) and against the
 * requester: a condition on a field they may not read would reveal its value through which records
 * match (or how many), so it is refused as that read would be.
 */
export function readableFilter(
  cls: DataClass,
  input: FilterInput | null | undefined,
  requester: Requester,
): ValidFilter {
  const filter = parseFilter(cls, input);
  const conditioned = new Set(filter.conditions.map((c) => c.field));
  for (const field of cls.fields) {
    if (!conditioned.has(field.name)) continue;
    assertAllowed(fieldDecision(field, 'read', requester), `${cls.name}.${field.name} (in a filter)`);
  }
  return filter;
}
