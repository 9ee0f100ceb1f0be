/**
 * What a membership shows its service for the service's search (spec §4, §6): per class, the values
 * of the fields whose effective rules grant `search` to the service (the firewall's `fieldDecision`
 * with the service as requester; `read` plays no part: the addressbook's `person.email` is searchable
 * but not readable by the service). Decisions, made here so that the service gets nothing the
 * contract does not grant:
 *
 * - top-level scalar fields only (strings, numbers, booleans, uuids, date-times, as stored: JSON
 *   scalars); an object or array value has no single text to match;
 * - the owner's own records only: a record with an `origin` is another member's data cached here
 *   (spec §8) and must not make this member findable by it;
 * - an object class gives its one record, an array class its records in storage order, at most
 *   MAX_SEARCH_RECORDS_PER_CLASS (paged through storage); records without a searchable value are left
 *   out, and so are classes without one.
 */
import type { Contract, DataClass } from '../../contract/index.js';
import { fieldDecision } from '../../firewall/index.js';
import { MAX_PAGE_SIZE } from '../../storage/index.js';
import type { DataRecord, DataStore, JsonValue, StoredRecord } from '../../storage/index.js';

/** Records of one array class sent at most (the rest is not searchable until some are deleted). */
export const MAX_SEARCH_RECORDS_PER_CLASS = 10_000;

export type SearchValue = string | number | boolean;

/** The answer of `GET /api/v1/pod/search-data/service-<S>`. */
export interface SearchData {
  readonly member_id: string;
  readonly contract_version: number;
  readonly classes: Readonly<Record<string, readonly Readonly<Record<string, SearchValue>>[]>>;
}

/** The names of the top-level scalar fields of `cls` that grant `search` to the service. */
export function searchableFieldNames(cls: DataClass, serviceId: number): readonly string[] {
  if (cls.obsolete) return [];
  const service = { kind: 'service', serviceId } as const;
  return cls.fields
    .filter((field) => field.type.kind === 'scalar' && fieldDecision(field, 'search', service).allowed)
    .map((field) => field.name);
}

/** Every class of `contract` with a searchable field, with those fields' names. */
export function searchableClasses(contract: Contract): ReadonlyMap<string, readonly string[]> {
  const classes = new Map<string, readonly string[]>();
  for (const cls of contract.classes) {
    const names = searchableFieldNames(cls, contract.serviceId);
    if (names.length > 0) classes.set(cls.name, names);
  }
  return classes;
}

/** The search data of one membership, read from its store below the GraphQL layer. */
export async function collectSearchData(
  store: DataStore,
  contract: Contract,
  memberId: string,
): Promise<SearchData> {
  const classes: Record<string, Readonly<Record<string, SearchValue>>[]> = {};
  for (const cls of contract.classes) {
    const names = searchableFieldNames(cls, contract.serviceId);
    if (names.length === 0) continue;
    const records =
      cls.kind === 'object' ? await objectRecord(store, cls.name) : await arrayRecords(store, cls.name);
    const values: Record<string, SearchValue>[] = [];
    for (const record of records) {
      const searchable = searchValues(record, names);
      if (searchable) values.push(searchable);
    }
    if (values.length > 0) classes[cls.name] = values;
  }
  return { member_id: memberId, contract_version: contract.version, classes };
}

async function objectRecord(store: DataStore, className: string): Promise<readonly StoredRecord[]> {
  const record = await store.getObject(className);
  return record ? [record] : [];
}

async function arrayRecords(store: DataStore, className: string): Promise<readonly StoredRecord[]> {
  const records: StoredRecord[] = [];
  let after: string | null = null;
  while (records.length < MAX_SEARCH_RECORDS_PER_CLASS) {
    const first = Math.min(MAX_PAGE_SIZE, MAX_SEARCH_RECORDS_PER_CLASS - records.length);
    const page = await store.query(className, { first, after });
    records.push(...page.records);
    if (!page.hasNextPage || page.endCursor === null) break;
    after = page.endCursor;
  }
  return records;
}

/** The record's searchable scalar values; none for remote data (it has an origin) or an empty record. */
function searchValues(
  record: StoredRecord,
  names: readonly string[],
): Record<string, SearchValue> | undefined {
  if (record.meta.origin !== undefined) return undefined;
  const values: Record<string, SearchValue> = {};
  for (const name of names) {
    const value = scalarOf(record.data, name);
    if (value !== undefined) values[name] = value;
  }
  return Object.keys(values).length > 0 ? values : undefined;
}

function scalarOf(data: DataRecord, name: string): SearchValue | undefined {
  const value: JsonValue | undefined = data[name];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? value
    : undefined;
}
