/**
 * Fuzzed GraphQL requests to pod A (not a test file): operations generated from the membership's schema
 * (test/fixtures/graphql-documents.ts), as they are or with their text or variables edited, over POST
 * (JSON body) or GET (query string), to the web port (as the owner or anonymous, or with a forged
 * token) and to the member port (anonymous, member B, the service).
 *
 * `mayChangeData` tells whether a request could legitimately change pod A's data: then it is kept out
 * of the snapshot phase. A document that does not parse changes nothing; one with a mutation does when
 * the requester may write: the owner anything, other members the classes the contract lets them write.
 */
import fc from 'fast-check';
import { Kind, parse } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import type { AccessRules, Contract, Field } from '../../src/contract/index.js';
import { operationArbitrary } from '../fixtures/graphql-documents.js';
import type { GeneratedOperation } from '../fixtures/graphql-documents.js';
import { mutatedJson, mutatedText } from '../fixtures/json-mutations.js';
import type { Identity, Target } from './fuzz-network.js';
import { jwtArbitrary } from './jwt-cases.js';
import type { JwtBases } from './jwt-cases.js';

export interface GraphqlCase {
  readonly target: Target;
  readonly identity: Identity;
  /** A forged `Authorization` header (web port), if any. */
  readonly authorization: string | undefined;
  readonly method: 'GET' | 'POST';
  readonly operation: GeneratedOperation;
  /** The POST body's text, when it is not the operation as JSON. */
  readonly rawBody: string | undefined;
  readonly accept: string;
}

const CALLERS: readonly { target: Target; identity: Identity }[] = [
  { target: 'web', identity: 'owner' },
  { target: 'web', identity: 'anonymous' },
  { target: 'member', identity: 'anonymous' },
  { target: 'member', identity: 'memberB' },
  { target: 'member', identity: 'service' },
];

export function graphqlCaseArbitrary(
  schema: GraphQLSchema,
  jwt: JwtBases,
  options: { readonly mutations: boolean },
): fc.Arbitrary<GraphqlCase> {
  const operation = operationArbitrary(schema, options);
  const edited = fc.oneof(
    { weight: 6, arbitrary: operation },
    {
      weight: 2,
      arbitrary: fc
        .tuple(operation, fc.integer({ min: 1, max: 3 }))
        .chain(([op, edits]) => mutatedText(op.query, edits).map((query) => ({ ...op, query }))),
    },
    {
      weight: 2,
      arbitrary: operation.chain((op) =>
        mutatedJson(op.variables, 2).map((variables) => ({
          ...op,
          variables: variables as Record<string, unknown>,
        })),
      ),
    },
  );
  return fc
    .record({
      caller: fc.constantFrom(...CALLERS),
      authorization: fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: jwtArbitrary(jwt) },
      ),
      method: fc.constantFrom<'GET' | 'POST'>('POST', 'POST', 'POST', 'GET'),
      operation: edited,
      rawBody: fc.oneof(
        { weight: 9, arbitrary: fc.constant(undefined) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            '{"query": 42}',
            '{"query": null}',
            '[]',
            '{"query":"{__typename}","variables":"x"}',
            '{',
          ),
        },
      ),
      accept: fc.constantFrom('application/graphql-response+json', 'application/json', '*/*', 'text/html'),
    })
    .map(({ caller, authorization, method, operation: op, rawBody, accept }): GraphqlCase => ({
      target: caller.target,
      identity: caller.identity,
      // The owner sends its own token; a forged one goes with anonymous callers of the web port only.
      authorization: caller.target === 'web' && caller.identity === 'anonymous' ? authorization : undefined,
      method,
      operation: op,
      rawBody,
      accept,
    }));
}

/** Classes that requesters other than the owner may write in some way (by the contract's rules). */
export function classesOthersMayWrite(contract: Contract): string[] {
  const writes = new Set(['append', 'update', 'delete']);
  const othersWrite = (rules: AccessRules): boolean =>
    Object.entries(rules).some(
      ([entity, permissions]) => entity !== 'member' && (permissions ?? []).some((p) => writes.has(p.action)),
    );
  const anyField = (fields: readonly Field[]): boolean =>
    fields.some((field) => {
      const type = field.type.kind === 'array' ? field.type.items : field.type;
      return othersWrite(field.rules) || (type.kind === 'object' && anyField(type.fields));
    });
  return contract.classes
    .filter((cls) => othersWrite(cls.rules) || anyField(cls.fields))
    .map((cls) => cls.name);
}

/** Whether the case could legitimately change pod A's data (see the file comment). */
export function mayChangeData(c: GraphqlCase, othersMayWrite: readonly string[]): boolean {
  if (c.rawBody !== undefined) return false;
  let hasMutation = false;
  try {
    const document = parse(c.operation.query);
    hasMutation = document.definitions.some(
      (d) => d.kind === Kind.OPERATION_DEFINITION && d.operation !== 'query',
    );
  } catch {
    return false;
  }
  if (!hasMutation) return false;
  if (c.identity === 'owner') return true;
  return othersMayWrite.some((name) => c.operation.query.includes(name));
}
