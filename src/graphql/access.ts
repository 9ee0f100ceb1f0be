/**
 * The firewall checks the resolvers make (spec §6), phrased once so that every resolver says the same
 * thing the same way.
 */
import type { Action, DataClass } from '../contract/index.js';
import {
  assertAllowed,
  classDecision,
  fieldDecision,
  type Decision,
  type Requester,
} from '../firewall/index.js';
import { parseFilter, type FilterInput, type ValidFilter } from '../storage/index.js';

/** Throws BYODA_ERR_FORBIDDEN unless `requester` may do `action` on the class; else the grant. */
export function assertClassAllowed(cls: DataClass, action: Action, requester: Requester): Decision {
  const decision = classDecision(cls, action, requester);
  assertAllowed(decision, cls.name);
  return decision;
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
