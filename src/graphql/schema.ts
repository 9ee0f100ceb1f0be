/**
 * The GraphQL schema of a membership, generated from its service contract (spec §7): built once per
 * contract version with graphql-js type objects (never by pasting contract text into SDL) and shared
 * by every request; per-request state comes in through the `MembershipContext`.
 */
import {
  GraphQLBoolean,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  assertValidSchema,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLInputObjectType,
  type ThunkObjMap,
} from 'graphql';
import type { Contract, DataClass } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import type { MembershipContext } from './context.js';
import {
  appendResolver,
  deleteObjectResolver,
  deleteResolver,
  mutateResolver,
  updateResolver,
} from './mutations.js';
import { rootFieldNames } from './names.js';
import { counterEventResolver, counterSubscriber } from './counters.js';
import { connectionResolver, counterResolver, objectResolver } from './queries.js';
import { DateTimeScalar, UUIDScalar } from './scalars.js';
import { SchemaTypes, servedFields, type ObjectTypeSet } from './schema-types.js';
import { updateEventResolver, updatesSubscriber } from './subscriptions.js';

type RootField = GraphQLFieldConfig<unknown, MembershipContext>;
type RootFields = Record<string, RootField>;

interface Roots {
  readonly query: RootFields;
  readonly mutation: RootFields;
  readonly subscription: RootFields;
}

/** What a built schema remembers of its contract, to catch a context of another version. */
export interface SchemaContractInfo {
  readonly serviceId: number;
  readonly version: number;
}

const CONTRACT_EXTENSION = 'byodaContract';

/** The contract a schema was built for, if `buildMembershipSchema` built it. */
export function schemaContractInfo(schema: GraphQLSchema): SchemaContractInfo | undefined {
  return schema.extensions[CONTRACT_EXTENSION] as SchemaContractInfo | undefined;
}

/** Classes the API serves: not `#obsolete` (spec §5) and with at least one served field. */
function servedClasses(contract: Contract): readonly DataClass[] {
  return contract.classes.filter((cls) => !cls.obsolete && servedFields(cls.fields).length > 0);
}

function filterArg(
  filter: GraphQLInputObjectType | undefined,
  required: boolean,
): GraphQLFieldConfigArgumentMap {
  if (!filter) return {};
  return { filter: { type: required ? new GraphQLNonNull(filter) : filter } };
}

/** spec §7: the arguments every `X_connection` takes, federation ones included (spec §8). */
function connectionArgs(types: ObjectTypeSet): GraphQLFieldConfigArgumentMap {
  return {
    ...filterArg(types.filter, false),
    first: { type: GraphQLInt, description: 'Page size, 0 to 100; 20 when absent.' },
    after: { type: GraphQLString, description: 'The `end_cursor` of the previous page.' },
    depth: { type: GraphQLInt, description: 'Recursion depth (spec §8): 0 (default) answers locally.' },
    relations: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)) },
    remote_member_id: { type: UUIDScalar, description: 'Ask this member’s pod instead (owner only).' },
    query_id: { type: UUIDScalar },
    timestamp: { type: DateTimeScalar },
    origin_member_id: { type: UUIDScalar },
    origin_signature: { type: GraphQLString },
    trusted_claim: {
      type: GraphQLString,
      description:
        'Keep only records with a verified claim, by an app the owner trusts, stating this (owner only).',
    },
  };
}

/**
 * Puts a root field, refusing a name that another class already generated (e.g. an object class
 * `from_x`'s `delete_from_x` against array class `x`'s): silently replacing one would hide a class.
 */
function addRoot(fields: RootFields, name: string, cls: DataClass, field: RootField): void {
  if (Object.hasOwn(fields, name)) {
    throw new ByodaError(
      'BYODA_ERR_CONTRACT_PATH',
      `class "${cls.name}" generates the GraphQL field "${name}", which another class already has`,
      { path: cls.path },
    );
  }
  fields[name] = field;
}

function addQueries(cls: DataClass, contract: Contract, types: ObjectTypeSet, roots: Roots): void {
  const names = rootFieldNames(cls.name);
  if (cls.kind === 'object') {
    addRoot(roots.query, names.object, cls, {
      type: types.object,
      description: cls.description,
      resolve: objectResolver(cls),
    });
  }
  addRoot(roots.query, names.connection, cls, {
    type: types.connection,
    description: cls.description,
    args: connectionArgs(types),
    resolve: connectionResolver(cls, contract),
  });
  // Every array class gets a counter, not only those with `counter` fields: counting needs no index, and a
  // client should not have to read the contract's `#properties` to know whether it may count.
  if (cls.kind === 'array') {
    addRoot(roots.query, names.counter, cls, {
      type: GraphQLInt,
      args: filterArg(types.filter, false),
      resolve: counterResolver(cls),
    });
  }
}

/** spec §9: how a written record is signed (ours; docs/protocol.md, "Signed data"). */
const SIGNING_ARGS: GraphQLFieldConfigArgumentMap = {
  signature: {
    type: GraphQLString,
    description: 'A data signature made elsewhere (compact JWS, detached payload) to keep with the record.',
  },
  sign: {
    type: GraphQLBoolean,
    description: 'This pod signs the record as its owner’s membership (owner only).',
  },
};

function addObjectMutations(cls: DataClass, types: ObjectTypeSet, roots: Roots): void {
  addRoot(roots.mutation, rootFieldNames(cls.name).mutate, cls, {
    type: types.object,
    description: `Creates or replaces the ${cls.name} record.`,
    args: { input: { type: new GraphQLNonNull(types.input) }, ...SIGNING_ARGS },
    resolve: mutateResolver(cls),
  });
  addRoot(roots.mutation, rootFieldNames(cls.name).deleteObject, cls, {
    type: new GraphQLNonNull(GraphQLBoolean),
    description: `Removes the ${cls.name} record; false when there was none.`,
    resolve: deleteObjectResolver(cls),
  });
}

function addArrayMutations(cls: DataClass, types: ObjectTypeSet, roots: Roots): void {
  const names = rootFieldNames(cls.name);
  addRoot(roots.mutation, names.append, cls, {
    type: types.object,
    args: {
      input: { type: new GraphQLNonNull(types.input) },
      ...SIGNING_ARGS,
      remote_member_id: {
        type: UUIDScalar,
        description: 'Append in this member’s pod instead; returns its answer (owner only).',
      },
    },
    resolve: appendResolver(cls),
  });
  addRoot(roots.mutation, names.update, cls, {
    type: GraphQLInt,
    description: 'Sets the given fields (null clears one) on every matching record; returns how many.',
    args: { ...filterArg(types.filter, true), input: { type: new GraphQLNonNull(types.updateInput) } },
    resolve: updateResolver(cls),
  });
  addRoot(roots.mutation, names.deleteFrom, cls, {
    type: GraphQLInt,
    description: 'Removes every matching record (an empty filter matches all); returns how many.',
    args: filterArg(types.filter, true),
    resolve: deleteResolver(cls),
  });
}

function addSubscription(cls: DataClass, types: ObjectTypeSet, roots: Roots): void {
  const names = rootFieldNames(cls.name);
  addRoot(roots.subscription, names.updates, cls, {
    type: types.updateEvent,
    args: filterArg(types.filter, false),
    subscribe: updatesSubscriber(cls),
    resolve: updateEventResolver(cls),
  });
  // The reference's `<class>_counter` subscription: the query's count, pushed when it changes.
  addRoot(roots.subscription, names.counter, cls, {
    type: new GraphQLNonNull(GraphQLInt),
    description: `How many ${cls.name} records match (filter on counter fields only), sent at once and on every change.`,
    args: filterArg(types.filter, false),
    subscribe: counterSubscriber(cls),
    resolve: counterEventResolver,
  });
}

function rootType(name: string, fields: RootFields): GraphQLObjectType | undefined {
  if (Object.keys(fields).length === 0) return undefined;
  return new GraphQLObjectType<unknown, MembershipContext>({
    name,
    fields: fields as ThunkObjMap<RootField>,
  });
}

/**
 * The schema of a membership of the contract's service (spec §7). Throws BYODA_ERR_CONTRACT_PATH when
 * generated names collide, and BYODA_ERR_CONFIG when the contract serves no class at all.
 */
export function buildMembershipSchema(contract: Contract): GraphQLSchema {
  const types = new SchemaTypes();
  const roots: Roots = { query: {}, mutation: {}, subscription: {} };
  const classes = servedClasses(contract);
  if (classes.length === 0) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `contract of service ${contract.serviceId} serves no data class`,
    );
  }
  for (const cls of classes) {
    // An array class's item type may serve several classes, so only object classes describe their type.
    const description = cls.kind === 'object' ? cls.description : undefined;
    const set = types.typeSet(cls.typeName, cls.fields, cls.path, description);
    addQueries(cls, contract, set, roots);
    if (cls.kind === 'object') addObjectMutations(cls, set, roots);
    else {
      addArrayMutations(cls, set, roots);
      addSubscription(cls, set, roots);
    }
  }
  const info: SchemaContractInfo = { serviceId: contract.serviceId, version: contract.version };
  const schema = new GraphQLSchema({
    query: rootType('Query', roots.query),
    mutation: rootType('Mutation', roots.mutation),
    subscription: rootType('Subscription', roots.subscription),
    extensions: { [CONTRACT_EXTENSION]: info },
  });
  // Fail now, at build time, not on the first request.
  assertValidSchema(schema);
  return schema;
}
