import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kind, type GraphQLError } from 'graphql';
import { DateTimeScalar, UUIDScalar } from '../../../src/graphql/index.js';

const refused =
  (code = 'BYODA_ERR_BAD_REQUEST') =>
  (err: GraphQLError) =>
    err.extensions['code'] === code;

describe('the UUID scalar', () => {
  it('accepts any case and returns lower case', () => {
    assert.equal(
      UUIDScalar.parseValue('0B7F1A9E-2C3D-4E5F-8A9B-0C1D2E3F4A5B'),
      '0b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
    );
    assert.equal(
      UUIDScalar.serialize('0B7F1A9E-2C3D-4E5F-8A9B-0C1D2E3F4A5B'),
      '0b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
    );
    const literal = { kind: Kind.STRING, value: '0b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b' } as const;
    assert.equal(UUIDScalar.parseLiteral(literal), '0b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b');
  });

  it('refuses what is not a UUID, on input and output', () => {
    assert.throws(() => UUIDScalar.parseValue('0b7f1a9e'), refused());
    assert.throws(() => UUIDScalar.parseValue(42), refused());
    assert.throws(() => UUIDScalar.serialize('nope'), refused());
    assert.throws(() => UUIDScalar.parseLiteral({ kind: Kind.INT, value: '1' }), /UUID cannot represent/);
  });
});

describe('the DateTime scalar', () => {
  it('accepts ISO 8601 with a zone and returns UTC with milliseconds', () => {
    assert.equal(DateTimeScalar.parseValue('2024-01-31T13:00:00+01:00'), '2024-01-31T12:00:00.000Z');
    assert.equal(DateTimeScalar.parseValue('2024-01-31T12:00:00.123456Z'), '2024-01-31T12:00:00.123Z');
    assert.equal(DateTimeScalar.serialize('2024-01-31T12:00:00Z'), '2024-01-31T12:00:00.000Z');
  });

  it('refuses dates without a zone, impossible dates and non-strings', () => {
    for (const bad of ['2024-01-31T12:00:00', '2023-02-29T00:00:00Z', '2024-01-31', 1706702400000, null]) {
      assert.throws(() => DateTimeScalar.parseValue(bad), refused(), String(bad));
    }
  });
});
