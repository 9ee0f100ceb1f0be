/**
 * One GraphQL schema per contract document in the process, shared by every membership that follows
 * it. `buildMembershipSchema` is a pure function of the contract (resolvers reach the pod only through
 * the per-request GraphQL context), so pods of the same service can use one schema object: with a
 * thousand pods in one `byoda up`, building it per pod cost ~0.2 MB and ~20 ms of CPU each.
 */
import type { GraphQLSchema } from 'graphql';
import { BoundedMap } from '../../bounded/index.js';
import type { Contract } from '../../contract/index.js';
import { buildMembershipSchema } from '../../graphql/index.js';

/** A process follows a few contract versions at most; the bound only keeps a long run from growing. */
const SHARED_SCHEMA_LIMIT = 32;
const schemas = new BoundedMap<string, GraphQLSchema>(SHARED_SCHEMA_LIMIT);

/**
 * The schema of `contract`, built on first use. Keyed by the contract's document exactly as parsed,
 * from which every other field of `Contract` is derived: two documents that differ in any byte of
 * their JSON get schemas of their own.
 */
export function sharedMembershipSchema(contract: Contract): GraphQLSchema {
  const key = JSON.stringify(contract.document);
  const known = schemas.get(key);
  if (known) return known;
  const schema = buildMembershipSchema(contract);
  schemas.set(key, schema);
  return schema;
}
