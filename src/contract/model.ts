/**
 * The typed model of a service contract (spec §5): what a parsed, validated contract document becomes.
 * Everything downstream (storage, firewall, GraphQL, federation) works on this model, never on the raw
 * JSON. The model is plain, immutable data so that it can be compared, serialised and tested easily.
 */

/** Who a rule is for (spec §5). `member` is the pod owner (the membership itself). */
export const ENTITIES = ['member', 'network', 'any_member', 'service', 'app', 'anonymous'] as const;
export type Entity = (typeof ENTITIES)[number];

/** What a rule allows (spec §5, §6). */
export const ACTIONS = ['read', 'update', 'append', 'delete', 'search', 'persist', 'subscribe'] as const;
export type Action = (typeof ACTIONS)[number];

/** How the service's search matches a value (original BYODA uses `exact`; we also accept `prefix`). */
export const SEARCH_MATCHES = ['exact', 'prefix'] as const;
export type SearchMatch = (typeof SEARCH_MATCHES)[number];

/**
 * One permission: an action plus the conditions under which it holds. A bare action string in the
 * contract (`"read"`) becomes a permission with no conditions beyond the documented defaults.
 */
export interface Permission {
  readonly action: Action;
  /** `network` rules except search (always set; 1 when the contract does not say): the most hops covered. */
  readonly distance?: number;
  /** `network` rules: link relations (lower-cased) the rule covers; absent = any relation. */
  readonly relations?: readonly string[];
  /** The request must carry a valid origin signature (spec §8). */
  readonly sourceSignatureRequired: boolean;
  /** `search` rules only, and set on every one (default `exact`). */
  readonly match?: SearchMatch;
  /** `search` rules only, and set on every one (default false). */
  readonly caseSensitive?: boolean;
  /** Original BYODA's (misspelt) `anonimized_responses`: answers do not reveal the origin. */
  readonly anonymizedResponses?: boolean;
  /** `app` rules: the apps (by app id) the rule grants to; absent = every app of the service. */
  readonly appIds?: readonly string[];
}

/** Rules of one class or field: per entity, the permissions it has. An entity that is absent has none. */
export type AccessRules = Readonly<Partial<Record<Entity, readonly Permission[]>>>;

/** Scalar types of the contracts (JSON Schema type + format folded into one). */
export const SCALAR_TYPES = ['string', 'integer', 'number', 'boolean', 'uuid', 'date-time'] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];

export interface ScalarFieldType {
  readonly kind: 'scalar';
  readonly scalar: ScalarType;
  /** A string format kept for validation and display (`uri`, `email`, `idn-email`, `ipv4`, ...). */
  readonly format?: string;
  /** Allowed values, when the contract gives an `enum`. */
  readonly enum?: readonly (string | number)[];
}

export interface ObjectFieldType {
  readonly kind: 'object';
  /** Name of the GraphQL type: the `$defs` name when the object comes from a `$ref`, else derived. */
  readonly typeName: string;
  readonly fields: readonly Field[];
}

export interface ArrayFieldType {
  readonly kind: 'array';
  readonly items: ScalarFieldType | ObjectFieldType;
}

export type FieldType = ScalarFieldType | ObjectFieldType | ArrayFieldType;

/** `#properties` of a field. */
export interface FieldProperties {
  readonly counter: boolean;
  readonly index: boolean;
  readonly primaryKey: boolean;
}

export interface Field {
  readonly name: string;
  readonly type: FieldType;
  readonly description?: string;
  readonly required: boolean;
  /**
   * Effective rules: inherited from the class/parent field, with the entities named in the field's own
   * `#accesscontrol` replaced by what it gives them (per-entity inheritance, see docs/protocol.md).
   */
  readonly rules: AccessRules;
  /** True when the field has its own `#accesscontrol` (merged into `rules`). */
  readonly ownRules: boolean;
  readonly properties: FieldProperties;
  /** `#obsolete`: kept in storage for compatibility, not served. */
  readonly obsolete: boolean;
  /** JSON path of the field's definition in the contract document (for error messages). */
  readonly path: string;
}

/** `#properties` of a class. Durations are in seconds. */
export interface ClassProperties {
  /** `cache_only`: records are remote data kept at most this long, then deleted. */
  readonly cacheOnlySeconds?: number;
  /** `cache`: remote data read from this class may be cached this long. */
  readonly cacheSeconds?: number;
}

/**
 * A data class: a top-level property of the contract's `jsonschema`. An `object` class holds one record
 * per membership; an `array` class holds many records, each of the item type.
 */
export interface DataClass {
  readonly name: string;
  readonly kind: 'object' | 'array';
  /** GraphQL object type name (spec §7): the class name, or for arrays the `$defs` name of the items. */
  readonly typeName: string;
  /** Fields of the record (for an array class, of each item). */
  readonly fields: readonly Field[];
  readonly description?: string;
  /** Effective class rules (fields without their own rules inherit these). */
  readonly rules: AccessRules;
  readonly properties: ClassProperties;
  readonly obsolete: boolean;
  readonly path: string;
}

/** `listen_relations`: follow `className` of pods linked with `relations`, copy into `destinationClass`. */
export interface ListenRelation {
  readonly className: string;
  readonly relations: readonly string[];
  readonly destinationClass: string;
  readonly feedClass?: string;
}

/** One signature of a contract (spec §5). */
export interface ContractSignature {
  /** CN of the signer's data certificate. */
  readonly certificate: string;
  readonly hashAlgorithm: string;
  /** Base64 signature. */
  readonly signature: string;
  readonly timestamp: string;
}

export interface ContractSignatures {
  readonly service?: ContractSignature;
  readonly network?: ContractSignature;
}

/**
 * Something odd in a contract that does not stop it from loading (e.g. a `$defs` type nothing uses).
 * Parsing reports warnings through a callback so that the `Contract` itself stays pure data.
 */
export interface ContractWarning {
  /** JSON pointer of the oddity in the contract document. */
  readonly path: string;
  readonly message: string;
}

export interface Contract {
  readonly serviceId: number;
  readonly version: number;
  readonly name: string;
  readonly description?: string;
  readonly owner?: string;
  readonly website?: string;
  readonly supportEmail?: string;
  /** Greatest depth of a recursive query (spec §8); 1 when the contract does not say. */
  readonly maxQueryDepth: number;
  readonly corsOrigins: readonly string[];
  readonly listenRelations: readonly ListenRelation[];
  readonly signatures: ContractSignatures;
  /** Data classes in document order. */
  readonly classes: readonly DataClass[];
  /** The document as parsed from JSON, unmodified (needed to verify and re-publish signatures). */
  readonly document: Readonly<Record<string, unknown>>;
}
