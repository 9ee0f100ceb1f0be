/**
 * A compact notation for field types, shared by the summary and the diff: `string`, `uuid`,
 * `string(uri)`, `string{a|b}` (an enum), `claim` (an object type), `[string]`, `[claim]`.
 */
import type { FieldType } from './model.js';

/** The storage and GraphQL shape of a type: what must not change between versions. */
export function typeShape(type: FieldType): string {
  switch (type.kind) {
    case 'scalar':
      return type.scalar;
    case 'object':
      return type.typeName;
    case 'array':
      return `[${typeShape(type.items)}]`;
  }
}

/** The shape plus details that may change between versions (string formats, enums). */
export function typeLabel(type: FieldType): string {
  switch (type.kind) {
    case 'scalar': {
      const format = type.format !== undefined ? `(${type.format})` : '';
      const values = type.enum !== undefined ? `{${type.enum.join('|')}}` : '';
      return `${type.scalar}${format}${values}`;
    }
    case 'object':
      return type.typeName;
    case 'array':
      return `[${typeLabel(type.items)}]`;
  }
}
