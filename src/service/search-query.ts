/**
 * The query of `GET /api/v1/service/search/<class>?<field>=<value>` (spec §4), checked against the
 * contract: exactly one parameter, naming a top-level field of the class that grants the service
 * `search`, with a value of 1 to MAX_QUERY_VALUE_LENGTH characters and no NUL. Every refusal is 400
 * BYODA_ERR_BAD_REQUEST naming the parameter (`querystring/<field>`), like the service's other routes.
 */
import type { DataClass } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import { MAX_QUERY_VALUE_LENGTH, searchGrant, searchableFields } from './search-values.js';
import type { SearchableField } from './search-values.js';

export interface SearchRequest extends SearchableField {
  readonly value: string;
}

/** Parameter names are echoed in messages; one longer than a field name can be is cut short. */
const MAX_ECHOED_NAME = 64;

/** `query` is fastify's parsed query string: a string per parameter, an array for a repeated one. */
export function readSearchQuery(cls: DataClass, query: unknown, serviceId: number): SearchRequest {
  const params = typeof query === 'object' && query !== null ? Object.entries(query) : [];
  const searchable = searchableFields(cls, serviceId).map(({ field }) => field.name);
  const hint =
    searchable.length > 0
      ? `the searchable fields of ${cls.name}: ${searchable.join(', ')}`
      : `${cls.name} has no field the service may search`;
  const [first, ...more] = params;
  if (first === undefined) {
    throw badQuery('querystring', `give one field of ${cls.name} to search, as ?<field>=<value> (${hint})`);
  }
  if (more.length > 0) {
    const names = params.map(([name]) => echo(name)).join(', ');
    throw badQuery('querystring', `search one field at a time, not ${names} (${hint})`);
  }
  const [name, raw] = first;
  const path = `querystring/${echo(name)}`;
  const field = cls.fields.find((candidate) => candidate.name === name);
  if (!field) throw badQuery(path, `${cls.name} has no field '${echo(name)}' (${hint})`);
  const grant = searchGrant(cls, field, serviceId);
  if (!grant) {
    throw badQuery(
      path,
      `${cls.name}.${field.name} is not searchable: the contract grants the service no search on it (${hint})`,
    );
  }
  if (Array.isArray(raw)) throw badQuery(path, 'is given more than once');
  if (typeof raw !== 'string') throw badQuery(path, 'must be a text value');
  if (raw === '') throw badQuery(path, 'must not be empty');
  // Nothing indexed holds one (search-collector.ts), and PostgreSQL's text cannot.
  if (raw.includes('\u0000')) throw badQuery(path, 'must not contain a NUL character');
  if ([...raw].length > MAX_QUERY_VALUE_LENGTH) {
    throw badQuery(path, `must be at most ${MAX_QUERY_VALUE_LENGTH} characters long`);
  }
  return { ...grant, value: raw };
}

function echo(name: string): string {
  return name.length > MAX_ECHOED_NAME ? `${name.slice(0, MAX_ECHOED_NAME)}...` : name;
}

function badQuery(path: string, reason: string): ByodaError {
  return new ByodaError('BYODA_ERR_BAD_REQUEST', `invalid ${path}: ${reason}`, { status: 400, path });
}
