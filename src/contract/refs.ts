/**
 * `$ref` resolution. The real contracts point into `jsonschema.$defs` with `#/schemas/<name>` and
 * `/schemas/<name>` (the `$id` the original gives each definition, though several `$id`s differ from
 * their key), so all three spellings below resolve by the `$defs` key; no other reference is followed.
 */
import { describeValue, invalidAt, pointer } from './contract-error.js';
import { readObject } from './json-readers.js';
import type { JsonObject } from './json-readers.js';

const REF_FORMS = [/^#\/schemas\/([^/]+)$/, /^#\/\$defs\/([^/]+)$/, /^\/schemas\/([^/]+)$/] as const;

export interface ResolvedRef {
  /** The `$defs` key, which is also the GraphQL type name. */
  readonly name: string;
  readonly schema: JsonObject;
  readonly path: string;
}

export function resolveRef(ref: unknown, path: string, defs: JsonObject, defsPath: string): ResolvedRef {
  const name = refName(ref);
  if (name === undefined) {
    throw invalidAt(
      path,
      `unsupported $ref ${describeValue(ref)}; write "#/schemas/<name>", "/schemas/<name>" or "#/$defs/<name>"`,
    );
  }
  if (!Object.hasOwn(defs, name)) {
    const known = Object.keys(defs);
    const listing = known.length > 0 ? `; defined: ${known.join(', ')}` : '; jsonschema has no $defs';
    throw invalidAt(
      path,
      `$ref "${String(ref)}" names "${name}", which is not in jsonschema.$defs${listing}`,
    );
  }
  const schemaPath = pointer(defsPath, name);
  return { name, schema: readObject(defs[name], schemaPath), path: schemaPath };
}

function refName(ref: unknown): string | undefined {
  if (typeof ref !== 'string') return undefined;
  for (const form of REF_FORMS) {
    const match = form.exec(ref);
    if (match) return match[1];
  }
  return undefined;
}
