/**
 * Naming rules. Class, field and `$defs` names become GraphQL names (spec §7), so they must be valid
 * GraphQL names, must not use the `__` prefix GraphQL reserves for introspection, and must not collide
 * with the names the API generates from other classes (`X_connection`, `mutate_X`, `X_input`, ...).
 */
import type { DataClass } from './model.js';
import { invalidAt } from './contract-error.js';

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/**
 * The class the pod fills with its data log (the name the real contracts use): the owner reads it,
 * nobody writes it through the API (src/firewall/pod-kept.ts, src/pod/datalog).
 */
export const DATALOG_CLASS = 'datalogs';

/** Type names the GraphQL schema defines itself: built-in scalars, our scalars, the root types. */

export const RESERVED_TYPE_NAMES = [
  'Query',
  'Mutation',
  'Subscription',
  'String',
  'Int',
  'Float',
  'Boolean',
  'ID',
  'UUID',
  'DateTime',
] as const;

/** `what` names the thing in the message: `class`, `field`, `$defs type`. */
export function checkGraphqlName(name: string, path: string, what: string): void {
  if (!GRAPHQL_NAME.test(name)) {
    throw invalidAt(
      path,
      `${what} name ${JSON.stringify(name)} is not a valid GraphQL name: use letters, digits and _, ` +
        'not starting with a digit',
    );
  }
  if (name.startsWith('__')) {
    throw invalidAt(
      path,
      `${what} name "${name}" starts with "__", which GraphQL reserves for introspection`,
    );
  }
}

/** The root fields spec §7 generates for a class, with what each one is (for messages). */
export function generatedRootFields(className: string): readonly { name: string; what: string }[] {
  // Every form is reserved for every class, whether or not it applies to the class's kind today, so
  // that a later version can change nothing about which names are free.
  return [
    { name: `${className}_connection`, what: 'query' },
    { name: `${className}_counter`, what: 'counter query' },
    { name: `${className}_updates`, what: 'subscription' },
    { name: `mutate_${className}`, what: 'mutation' },
    { name: `append_${className}`, what: 'mutation' },
    { name: `update_${className}`, what: 'mutation' },
    { name: `delete_from_${className}`, what: 'mutation' },
  ];
}

/** Refuses a class whose name, or whose generated root fields, collide with those of another class. */
export function checkRootFieldCollisions(classes: readonly DataClass[]): void {
  const owners = new Map<string, { owner: DataClass; what: string }>();
  for (const dataClass of classes) owners.set(dataClass.name, { owner: dataClass, what: 'class' });
  for (const dataClass of classes) {
    for (const { name, what } of generatedRootFields(dataClass.name)) {
      const known = owners.get(name);
      if (known && known.owner !== dataClass) throw rootCollision(name, what, dataClass, known);
      owners.set(name, { owner: dataClass, what });
    }
  }
}

function rootCollision(
  name: string,
  what: string,
  generator: DataClass,
  known: { owner: DataClass; what: string },
): Error {
  if (known.what === 'class') {
    return invalidAt(
      known.owner.path,
      `class name "${name}" collides with the ${what} "${name}" generated for class "${generator.name}" ` +
        '(spec §7); choose another name',
    );
  }
  return invalidAt(
    generator.path,
    `the ${what} "${name}" generated for class "${generator.name}" collides with the ${known.what} ` +
      `generated for class "${known.owner.name}" (spec §7); rename one of the classes`,
  );
}

/** An object type of the generated schema: its name and where the contract defines it. */
export interface TypeDefinition {
  readonly name: string;
  readonly path: string;
}

/** Refuses type names that are reserved or that collide with the `_input`/`_filter` types of others. */
export function checkTypeNameCollisions(types: readonly TypeDefinition[]): void {
  const owners = new Map<string, TypeDefinition>();
  for (const type of types) {
    if ((RESERVED_TYPE_NAMES as readonly string[]).includes(type.name)) {
      throw invalidAt(
        type.path,
        `type name "${type.name}" is reserved by the GraphQL schema; choose another name`,
      );
    }
    owners.set(type.name, type);
  }
  for (const type of types) {
    for (const derived of [`${type.name}_input`, `${type.name}_filter`]) {
      const known = owners.get(derived);
      if (known && known !== type) {
        throw invalidAt(
          known.path,
          `type name "${derived}" collides with the type generated from "${type.name}" (spec §7)`,
        );
      }
    }
  }
}
