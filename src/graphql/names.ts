/**
 * Every name the generated schema uses, in one place. Root field names and the `_input` / `_filter`
 * suffixes are fixed by spec §7 (outside clients rely on them); the other type names are ours and are
 * recorded in docs/protocol.md ("GraphQL API").
 */

/** Root fields of a data class `X` (spec §7). */
export const rootFieldNames = (className: string) =>
  ({
    object: className,
    connection: `${className}_connection`,
    counter: `${className}_counter`,
    updates: `${className}_updates`,
    mutate: `mutate_${className}`,
    /** Ours (object classes): spec §7 names no delete for them, yet contracts grant `delete` on them. */
    deleteObject: `delete_${className}`,
    append: `append_${className}`,
    update: `update_${className}`,
    deleteFrom: `delete_from_${className}`,
  }) as const;

/** Types generated from an object type `T` (the class name, or the `$defs` name of array items). */
export const typeNames = (typeName: string) =>
  ({
    object: typeName,
    input: `${typeName}_input`,
    filter: `${typeName}_filter`,
    updateInput: `${typeName}_update_input`,
    connection: `${typeName}_connection`,
    edge: `${typeName}_edge`,
    updateEvent: `${typeName}_update_event`,
  }) as const;

/** Shared types that do not depend on the contract. */
export const PAGE_INFO_TYPE = 'page_info';
export const REMOTE_ERROR_TYPE = 'remote_error';
/** An edge's data signature (spec §9; docs/protocol.md, "Signed data"). */
export const DATA_SIGNATURE_TYPE = 'DataSignature';
