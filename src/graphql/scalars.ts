/**
 * The two scalars spec §7 adds to GraphQL's own: `UUID` and `DateTime` (ISO 8601). Input is checked
 * with storage's canonical forms, so a value that passes here is one storage accepts, and output is
 * always the canonical spelling (lower-case UUIDs, UTC date-times with milliseconds), so clients and
 * pods compare values alike.
 */
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { canonicalDateTime, canonicalUuid } from '../storage/index.js';

type Canonicalize = (value: unknown) => string | undefined;

/** `shown` is how the bad value is named in the message (cut short: it is client input). */
function badValue(scalar: string, what: string, shown: string): GraphQLError {
  return new GraphQLError(`${scalar} cannot represent ${shown}: expected ${what}`, {
    extensions: { code: 'BYODA_ERR_BAD_REQUEST' },
  });
}

function canonicalScalarType(name: string, what: string, description: string, canonical: Canonicalize) {
  const check = (value: unknown): string => {
    const result = canonical(value);
    if (result === undefined) {
      throw badValue(
        name,
        what,
        typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : typeof value,
      );
    }
    return result;
  };
  return new GraphQLScalarType<string, string>({
    name,
    description,
    // Stored values are canonical already; re-checking on the way out keeps remote (proxied) data honest.
    serialize: check,
    parseValue: check,
    parseLiteral(node: ValueNode): string {
      if (node.kind !== Kind.STRING) throw badValue(name, what, `a ${node.kind} literal`);
      return check(node.value);
    },
  });
}

export const UUIDScalar = canonicalScalarType(
  'UUID',
  'a UUID such as "0b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"',
  'A UUID, always returned in lower case.',
  canonicalUuid,
);

export const DateTimeScalar = canonicalScalarType(
  'DateTime',
  'an ISO 8601 date-time with seconds and a time zone, such as "2024-01-31T12:00:00Z"',
  'An ISO 8601 date-time with a time zone; returned in UTC with milliseconds (2024-01-31T12:00:00.000Z).',
  canonicalDateTime,
);
