/**
 * Who may do what in a contract, as a Markdown table: one row per class and one per field with rules
 * of its own (its effective access, merged over its class's), one column per entity. docs/protocol.md
 * shows the example contract's table (`npm run docs:access` writes it), so that what the notes say
 * about the addressbook is what the contract says, and a test fails when they drift apart.
 */
import type { AccessRules, Contract, Field, Permission } from './model.js';
import { ENTITIES } from './model.js';

/** Column headings: the entity and who it is (docs/protocol.md, "Requesters and the entities they are"). */
const ENTITY_HEADINGS: Readonly<Record<(typeof ENTITIES)[number], string>> = {
  member: '`member` (the owner)',
  network: '`network` (linked members)',
  any_member: '`any_member`',
  service: '`service`',
  app: '`app`',
  anonymous: '`anonymous`',
};

export function accessTable(contract: Contract): string {
  const rows: string[][] = [];
  for (const dataClass of contract.classes) {
    if (dataClass.obsolete) continue;
    rows.push([`\`${dataClass.name}\``, ...accessCells(dataClass.rules)]);
    for (const field of fieldsWithOwnRules(dataClass.fields)) {
      rows.push([`\`${dataClass.name}.${field.path}\``, ...accessCells(field.rules)]);
    }
  }
  return markdownTable(['class or field', ...ENTITIES.map((entity) => ENTITY_HEADINGS[entity])], rows);
}

/** Fields (nested ones by their dotted path) whose rules are their own, not only their parent's. */
function fieldsWithOwnRules(fields: readonly Field[], prefix = ''): { path: string; rules: AccessRules }[] {
  return fields.flatMap((field) => {
    if (field.obsolete) return [];
    const path = `${prefix}${field.name}`;
    const own = field.ownRules ? [{ path, rules: field.rules }] : [];
    const object =
      field.type.kind === 'object'
        ? field.type
        : field.type.kind === 'array' && field.type.items.kind === 'object'
          ? field.type.items
          : undefined;
    return [...own, ...(object ? fieldsWithOwnRules(object.fields, `${path}.`) : [])];
  });
}

function accessCells(rules: AccessRules): string[] {
  return ENTITIES.map((entity) => {
    const permissions = rules[entity];
    return permissions && permissions.length > 0 ? permissions.map(permissionText).join(', ') : '—';
  });
}

/** `read`, or `read (distance 1, relation family or friend, origin signature)`: no `|` in a table. */
function permissionText(permission: Permission): string {
  const conditions = [
    ...(permission.distance !== undefined ? [`distance ${permission.distance}`] : []),
    ...(permission.relations ? [`relation ${permission.relations.join(' or ')}`] : []),
    ...(permission.match !== undefined ? [`match ${permission.match}`] : []),
    ...(permission.caseSensitive !== undefined
      ? [permission.caseSensitive ? 'case-sensitive' : 'case-insensitive']
      : []),
    ...(permission.sourceSignatureRequired ? ['origin signature'] : []),
    ...(permission.anonymizedResponses ? ['anonymized'] : []),
  ];
  return conditions.length > 0 ? `${permission.action} (${conditions.join(', ')})` : permission.action;
}

/** A table laid out as Prettier lays Markdown tables out, so that formatting the doc changes nothing. */
function markdownTable(headings: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headings.map((heading, column) =>
    Math.max(3, heading.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(headings), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
