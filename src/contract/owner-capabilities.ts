/**
 * What a contract lets the pod's owner (the `member` entity, spec §6) do with each class, for the web
 * app's forms: read-only where only `read` is granted, no add or delete where those are not granted
 * (issue 15: the app offered Delete on `member` and the pod then refused). Pure: from the contract only.
 *
 * A class is "managed by the pod" when the pod writes it itself rather than its owner: the `member`
 * class (the membership, written on joining) and the classes `listen_relations` fill from followed
 * pods, and the data log (`datalogs`, which the owner may only read). The app shows those as such instead of offering forms a person cannot sensibly fill in.
 */
import type { Action, AccessRules, Contract, DataClass, Field } from './model.js';
import { DATALOG_CLASS } from './names.js';

export interface FieldCapabilities {
  /** Dotted path of a field whose own `#accesscontrol` differs from its class's (`email`). */
  readonly path: string;
  readonly actions: readonly Action[];
}

export interface ClassCapabilities {
  readonly name: string;
  readonly kind: 'object' | 'array';
  readonly description?: string;
  /** The owner's actions on the class, in the contract's order of `ACTIONS`. */
  readonly actions: readonly Action[];
  readonly managedByPod: boolean;
  readonly fields: readonly FieldCapabilities[];
  /** String fields with a JSON Schema `format` (`email`, `uri`), by dotted path: the app checks them too. */
  readonly formats: readonly { readonly path: string; readonly format: string }[];
  /**
   * Fields with a JSON Schema `enum`, by dotted path, with their allowed values: the app offers a
   * choice of exactly these (the GraphQL schema types such a field as its scalar, spec §7, so the
   * values are not in the schema the app reads).
   */
  readonly enums: readonly { readonly path: string; readonly values: readonly (string | number)[] }[];
}

export interface OwnerCapabilities {
  readonly serviceId: number;
  readonly serviceName: string;
  readonly description?: string;
  readonly maxQueryDepth: number;
  readonly classes: readonly ClassCapabilities[];
}

/** The name of the object class that holds the membership itself (src/pod/memberships/join.ts). */
const MEMBERSHIP_CLASS = 'member';

function ownerActions(rules: AccessRules): Action[] {
  return [...new Set((rules.member ?? []).map((p) => p.action))];
}

function podManagedClasses(contract: Contract): Set<string> {
  const names = new Set([MEMBERSHIP_CLASS, DATALOG_CLASS]);
  for (const listen of contract.listenRelations) {
    names.add(listen.destinationClass);
    if (listen.feedClass !== undefined) names.add(listen.feedClass);
  }
  return names;
}

function fieldCapabilities(fields: readonly Field[], prefix = ''): FieldCapabilities[] {
  return fields.flatMap((field) => {
    if (field.obsolete) return [];
    const path = `${prefix}${field.name}`;
    const own = field.ownRules ? [{ path, actions: ownerActions(field.rules) }] : [];
    return field.type.kind === 'object' ? [...own, ...fieldCapabilities(field.type.fields, `${path}.`)] : own;
  });
}

function fieldFormats(fields: readonly Field[], prefix = ''): { path: string; format: string }[] {
  return fields.flatMap((field) => {
    if (field.obsolete) return [];
    const path = `${prefix}${field.name}`;
    const type = field.type.kind === 'array' ? field.type.items : field.type;
    if (type.kind === 'object') return fieldFormats(type.fields, `${path}.`);
    return type.format !== undefined ? [{ path, format: type.format }] : [];
  });
}

function fieldEnums(fields: readonly Field[], prefix = ''): { path: string; values: (string | number)[] }[] {
  return fields.flatMap((field) => {
    if (field.obsolete) return [];
    const path = `${prefix}${field.name}`;
    const type = field.type.kind === 'array' ? field.type.items : field.type;
    if (type.kind === 'object') return fieldEnums(type.fields, `${path}.`);
    return type.enum !== undefined ? [{ path, values: [...type.enum] }] : [];
  });
}

function classCapabilities(cls: DataClass, managed: ReadonlySet<string>): ClassCapabilities {
  return {
    name: cls.name,
    kind: cls.kind,
    ...(cls.description !== undefined ? { description: cls.description } : {}),
    // The pod's firewall leaves the owner only `read` of the data log, whatever the contract grants.
    actions:
      cls.name === DATALOG_CLASS
        ? ownerActions(cls.rules).filter((action) => action === 'read')
        : ownerActions(cls.rules),
    managedByPod: managed.has(cls.name),
    fields: fieldCapabilities(cls.fields),
    formats: fieldFormats(cls.fields),
    enums: fieldEnums(cls.fields),
  };
}

export function ownerCapabilities(contract: Contract): OwnerCapabilities {
  const managed = podManagedClasses(contract);
  return {
    serviceId: contract.serviceId,
    serviceName: contract.name,
    ...(contract.description !== undefined ? { description: contract.description } : {}),
    maxQueryDepth: contract.maxQueryDepth,
    classes: contract.classes.filter((c) => !c.obsolete).map((c) => classCapabilities(c, managed)),
  };
}
