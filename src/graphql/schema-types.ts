/**
 * The named types of a generated schema (spec §7), made from the contract model and kept by name.
 *
 * One GraphQL type per contract type name: a `$defs` type used by several classes or fields is built
 * once. Names the generator derives (`T_input`, `T_connection`, ...) could still meet a name from the
 * contract (a `$defs` type called `post_update`, say, owns `post_update_input` too), so every type is
 * registered under the role it plays and a second role for one name is refused with a clear error at
 * build time, before graphql-js would refuse the schema with a vaguer one.
 */
import {
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLString,
  type GraphQLFieldConfigMap,
  type GraphQLInputFieldConfigMap,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLScalarType,
} from 'graphql';
import type { Field, FieldType, ScalarFieldType, ScalarType } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import { OPERATORS_BY_SCALAR } from '../storage/index.js';
import type { MembershipContext } from './context.js';
import { DATA_SIGNATURE_TYPE, PAGE_INFO_TYPE, REMOTE_ERROR_TYPE, typeNames } from './names.js';
import { resolveNodeField, type NodeSource } from './node.js';
import { DateTimeScalar, UUIDScalar } from './scalars.js';
import { claimCheckType, CLAIM_CHECK_TYPE, resolveEdgeClaims } from './claims.js';
import { dataSignatureType, resolveEdgeSignature } from './signatures.js';

const SCALARS: Readonly<Record<ScalarType, GraphQLScalarType>> = {
  string: GraphQLString,
  // GraphQL's Int is 32-bit: larger contract integers are refused on input (docs/protocol.md).
  integer: GraphQLInt,
  number: GraphQLFloat,
  boolean: GraphQLBoolean,
  uuid: UUIDScalar,
  'date-time': DateTimeScalar,
};

/** `date-time` is not a GraphQL name; the operator type is `datetime_filter`. */
const OPERATOR_TYPE_NAMES: Readonly<Record<ScalarType, string>> = {
  string: 'string_filter',
  integer: 'integer_filter',
  number: 'number_filter',
  boolean: 'boolean_filter',
  uuid: 'uuid_filter',
  'date-time': 'datetime_filter',
};

/**
 * Fields the schema serves: not `#obsolete` (spec §5), and with something to show (an object whose
 * fields are all obsolete would be an empty GraphQL type, which GraphQL forbids).
 */
export function servedFields(fields: readonly Field[]): readonly Field[] {
  return fields.filter((f) => !f.obsolete && isServable(f.type));
}

function isServable(type: FieldType): boolean {
  if (type.kind === 'object') return servedFields(type.fields).length > 0;
  if (type.kind === 'array') return isServable(type.items);
  return true;
}

function describeField(field: Field): string | undefined {
  const type = field.type.kind === 'array' ? field.type.items : field.type;
  const allowed =
    type.kind === 'scalar' && type.enum
      ? `One of: ${type.enum.map((v) => JSON.stringify(v)).join(', ')}.`
      : '';
  return [field.description, allowed].filter((part) => part).join(' ') || undefined;
}

/** Every type generated from one object type `T` (spec §7 names and ours, see names.ts). */
export interface ObjectTypeSet {
  readonly object: GraphQLObjectType<NodeSource, MembershipContext>;
  readonly input: GraphQLInputObjectType;
  readonly updateInput: GraphQLInputObjectType;
  /** Undefined when the type has no scalar field to filter on. */
  readonly filter: GraphQLInputObjectType | undefined;
  readonly connection: GraphQLObjectType;
  readonly updateEvent: GraphQLObjectType;
}

export class SchemaTypes {
  private readonly registered = new Map<string, { role: string; type: GraphQLNamedType }>();
  private readonly pageInfo: GraphQLObjectType;
  private readonly remoteError: GraphQLObjectType;
  private readonly dataSignature: GraphQLObjectType;
  private readonly claimCheck: GraphQLObjectType;

  constructor() {
    this.pageInfo = this.register(PAGE_INFO_TYPE, 'page info', undefined, () => pageInfoType());
    this.remoteError = this.register(REMOTE_ERROR_TYPE, 'remote error', undefined, () => remoteErrorType());
    this.dataSignature = this.register(DATA_SIGNATURE_TYPE, 'data signature', undefined, () =>
      dataSignatureType(),
    );
    this.claimCheck = this.register(CLAIM_CHECK_TYPE, 'claim check', undefined, () => claimCheckType());
  }

  /** Every type of object type `typeName`, built on first use. `path` names it in errors. */
  typeSet(typeName: string, fields: readonly Field[], path: string, description?: string): ObjectTypeSet {
    const object = this.objectType(typeName, fields, path, description);
    const names = typeNames(typeName);
    return {
      object,
      input: this.inputType(typeName, fields, path),
      updateInput: this.register(names.updateInput, `update input of ${typeName}`, path, () =>
        inputObject(names.updateInput, servedFields(fields), (f) => this.inputFieldType(f.type, path)),
      ),
      filter: this.filterType(typeName, fields, path),
      connection: this.connectionType(object, path),
      updateEvent: this.register(names.updateEvent, `update event of ${typeName}`, path, () =>
        updateEventType(names.updateEvent, object),
      ),
    };
  }

  private objectType(
    typeName: string,
    fields: readonly Field[],
    path: string,
    description?: string,
  ): GraphQLObjectType<NodeSource, MembershipContext> {
    return this.register(typeName, `object ${typeName}`, path, () => {
      const served = servedFields(fields);
      return new GraphQLObjectType<NodeSource, MembershipContext>({
        name: typeName,
        description,
        // Every output field is nullable, even required ones: a field the requester may not read must be
        // able to become null with an error on it alone (spec §6), not null out the whole record.
        fields: (): GraphQLFieldConfigMap<NodeSource, MembershipContext> =>
          Object.fromEntries(
            served.map((f) => [
              f.name,
              {
                type: this.outputFieldType(f.type, path),
                description: describeField(f),
                resolve: resolveNodeField,
              },
            ]),
          ),
      });
    });
  }

  private outputFieldType(type: FieldType, path: string): GraphQLOutputType {
    switch (type.kind) {
      case 'scalar':
        return SCALARS[type.scalar];
      case 'object':
        return this.objectType(type.typeName, type.fields, path);
      case 'array':
        return new GraphQLList(this.outputFieldType(type.items, path));
    }
  }

  private inputType(typeName: string, fields: readonly Field[], path: string): GraphQLInputObjectType {
    const name = typeNames(typeName).input;
    return this.register(name, `input of ${typeName}`, path, () =>
      inputObject(name, servedFields(fields), (f) => {
        const type = this.inputFieldType(f.type, path);
        return f.required ? new GraphQLNonNull(type) : type;
      }),
    );
  }

  private inputFieldType(type: FieldType, path: string): GraphQLInputType {
    switch (type.kind) {
      case 'scalar':
        return SCALARS[type.scalar];
      case 'object':
        return this.inputType(type.typeName, type.fields, path);
      case 'array':
        // Storage refuses null items (values.ts), so the schema says so up front.
        return new GraphQLList(new GraphQLNonNull(this.inputFieldType(type.items, path)));
    }
  }

  private filterType(
    typeName: string,
    fields: readonly Field[],
    path: string,
  ): GraphQLInputObjectType | undefined {
    const filterable = servedFields(fields).filter((f) => f.type.kind === 'scalar');
    if (filterable.length === 0) return undefined;
    const name = typeNames(typeName).filter;
    return this.register(name, `filter of ${typeName}`, path, () =>
      inputObject(name, filterable, (f) => this.operatorType((f.type as ScalarFieldType).scalar, path)),
    );
  }

  /** `string_filter` etc.: the operators storage allows for the scalar (spec §7), nothing more. */
  private operatorType(scalar: ScalarType, path: string): GraphQLInputObjectType {
    const name = OPERATOR_TYPE_NAMES[scalar];
    return this.register(name, `operators of ${scalar}`, path, () => {
      const valueType = SCALARS[scalar];
      const fields: GraphQLInputFieldConfigMap = {};
      for (const op of OPERATORS_BY_SCALAR[scalar]) {
        fields[op] = {
          type: op === 'in' || op === 'nin' ? new GraphQLList(new GraphQLNonNull(valueType)) : valueType,
        };
      }
      return new GraphQLInputObjectType({
        name,
        fields,
        description: `Conditions on a ${scalar} field (ANDed).`,
      });
    });
  }

  private connectionType(object: GraphQLObjectType, path: string): GraphQLObjectType {
    const names = typeNames(object.name);
    const edge = this.register(names.edge, `edge of ${object.name}`, path, () =>
      edgeType(names.edge, object, this.dataSignature, this.claimCheck),
    );
    return this.register(names.connection, `connection of ${object.name}`, path, () =>
      connectionType(names.connection, edge, this.pageInfo, this.remoteError),
    );
  }

  /** The type called `name`, created on first use; `role` tells a reuse from a collision. */
  private register<T extends GraphQLNamedType>(
    name: string,
    role: string,
    path: string | undefined,
    create: () => T,
  ): T {
    const known = this.registered.get(name);
    if (known && known.role !== role) {
      throw new ByodaError(
        'BYODA_ERR_CONTRACT_PATH',
        `GraphQL type name "${name}" is needed both as the ${known.role} and as the ${role} (spec §7); ` +
          'rename one of the contract types',
        path === undefined ? {} : { path },
      );
    }
    if (known) return known.type as T;
    const type = create();
    this.registered.set(name, { role, type });
    return type;
  }
}

function inputObject(
  name: string,
  fields: readonly Field[],
  typeOf: (field: Field) => GraphQLInputType,
): GraphQLInputObjectType {
  return new GraphQLInputObjectType({
    name,
    fields: (): GraphQLInputFieldConfigMap =>
      Object.fromEntries(fields.map((f) => [f.name, { type: typeOf(f), description: describeField(f) }])),
  });
}

function pageInfoType(): GraphQLObjectType {
  return new GraphQLObjectType({
    name: PAGE_INFO_TYPE,
    fields: {
      end_cursor: { type: GraphQLString, description: 'Cursor of the last edge; pass it as `after`.' },
      has_next_page: { type: new GraphQLNonNull(GraphQLBoolean) },
    },
  });
}

function remoteErrorType(): GraphQLObjectType {
  return new GraphQLObjectType({
    name: REMOTE_ERROR_TYPE,
    description: 'A pod that did not answer a proxied query (spec §8); the other results still count.',
    fields: {
      origin: { type: new GraphQLNonNull(UUIDScalar), description: 'Member id of the pod.' },
      message: { type: new GraphQLNonNull(GraphQLString) },
      code: {
        type: GraphQLString,
        description:
          'The failure’s BYODA_ERR_* code (`BYODA_ERR_FORBIDDEN`: the pod refused under its contract); ' +
          'null when the failing pod sent none.',
      },
    },
  });
}

function edgeType(
  name: string,
  node: GraphQLObjectType,
  signature: GraphQLObjectType,
  claimCheck: GraphQLObjectType,
): GraphQLObjectType {
  return new GraphQLObjectType({
    name,
    fields: {
      cursor: { type: new GraphQLNonNull(GraphQLString) },
      origin: { type: UUIDScalar, description: 'Member id of the pod that holds the record (spec §7).' },
      appender: {
        type: UUIDScalar,
        description:
          'Member id of the client certificate that appended the record to this pod (the owner’s own ' +
          'id for the owner’s writes). Shown to the owner only; null for records of other pods and ' +
          'for records written before it was kept.',
      },
      node: { type: node },
      signature: {
        type: signature,
        description: 'A member’s signature over the record (spec §9); null when it has none.',
        resolve: resolveEdgeSignature,
      },
      claims: {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(claimCheck))),
        description: 'The claims in the record’s `claims` field (apps’ reviews, confirmations), checked.',
        resolve: resolveEdgeClaims,
      },
    },
  });
}

function connectionType(
  name: string,
  edge: GraphQLObjectType,
  pageInfo: GraphQLObjectType,
  remoteError: GraphQLObjectType,
): GraphQLObjectType {
  return new GraphQLObjectType({
    name,
    fields: {
      total_count: { type: new GraphQLNonNull(GraphQLInt), description: 'Matching records over all pages.' },
      edges: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(edge))) },
      page_info: { type: new GraphQLNonNull(pageInfo) },
      remote_errors: {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(remoteError))),
        description: 'Pods of a proxied or recursive query that failed; empty for a local query.',
      },
    },
  });
}

function updateEventType(name: string, node: GraphQLObjectType): GraphQLObjectType {
  return new GraphQLObjectType({
    name,
    fields: {
      action: { type: new GraphQLNonNull(GraphQLString), description: '`append`, `update` or `delete`.' },
      cursor: {
        type: GraphQLString,
        description: 'For an append, the new record’s cursor (`after` it comes what was appended later).',
      },
      node: {
        type: node,
        description: 'The record after the change (the removed one for a delete); null: re-read the class.',
      },
    },
  });
}
