/**
 * Test factory for the GraphQL layer: a membership (contract, schema, in-memory SQLite store, event
 * bus) and a way to run a request in it as a given requester; plus inputs and selection sets generated
 * from the contract model, so tests cover every class without listing fields.
 */
import assert from 'node:assert/strict';
import type { ExecutionResult, GraphQLSchema } from 'graphql';
import type { Contract, DataClass, Field } from '../../../src/contract/index.js';
import type { Requester } from '../../../src/firewall/index.js';
import {
  MembershipEvents,
  buildMembershipSchema,
  executeMembershipQuery,
  subscribeMembership,
  type ErrorLogger,
  type MembershipContext,
  type ProxyHook,
  type RemoteAppendHook,
} from '../../../src/graphql/index.js';
import type { RecordSignatures } from '../../../src/signing/index.js';
import { openSqliteStore, type DataStore, type JsonObject } from '../../../src/storage/index.js';
import { loadSharedContract, type SharedContractName } from '../../fixtures/contracts.js';
import { sampleRecord } from '../../fixtures/sample-values.js';

export const POD_MEMBER_ID = '11111111-1111-4111-8111-111111111111';
export const OTHER_MEMBER_ID = '22222222-2222-4222-8222-222222222222';

export const OWNER: Requester = { kind: 'owner' };
export const ANONYMOUS: Requester = { kind: 'anonymous' };
export const SERVICE: Requester = { kind: 'service', serviceId: 4294929430 };

/** A member of the service; by default without a network link. */
export function member(link: Partial<Extract<Requester, { kind: 'member' }>> = {}): Requester {
  return {
    kind: 'member',
    memberId: OTHER_MEMBER_ID,
    relations: [],
    distance: 1,
    originSignatureVerified: false,
    ...link,
  };
}

/** A logger that remembers what it was given, so tests can see that internals were logged, not sent. */
export function recordingLogger(): ErrorLogger & { readonly entries: string[] } {
  const entries: string[] = [];
  return { entries, error: (details, message) => entries.push(`${message} ${JSON.stringify(details)}`) };
}

export interface ContextOptions {
  readonly proxy?: ProxyHook;
  readonly logger?: ErrorLogger;
  readonly signatures?: RecordSignatures;
  readonly remoteAppend?: RemoteAppendHook;
}

export interface Membership {
  readonly contract: Contract;
  readonly schema: GraphQLSchema;
  readonly store: DataStore;
  readonly events: MembershipEvents;
  context(requester: Requester, options?: ContextOptions): MembershipContext;
  /** Runs a query or mutation; the result is plain JSON (graphql-js builds null-prototype objects). */
  run(
    requester: Requester,
    query: string,
    variables?: Record<string, unknown>,
    options?: ContextOptions,
  ): Promise<ExecutionResult>;
  subscribe(
    requester: Requester,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<AsyncIterableIterator<ExecutionResult>>;
  close(): Promise<void>;
}

const schemas = new Map<string, { contract: Contract; schema: GraphQLSchema }>();

/** The schema is built once per contract, as a pod does; every membership of a test file shares it. */
async function contractAndSchema(name: SharedContractName) {
  let known = schemas.get(name);
  if (!known) {
    const contract = await loadSharedContract(name);
    known = { contract, schema: buildMembershipSchema(contract) };
    schemas.set(name, known);
  }
  return known;
}

export function plain(result: ExecutionResult): ExecutionResult {
  return JSON.parse(JSON.stringify(result)) as ExecutionResult;
}

export async function openMembership(name: SharedContractName = 'addressbook'): Promise<Membership> {
  const { contract, schema } = await contractAndSchema(name);
  const store = await openSqliteStore(':memory:', contract);
  const events = new MembershipEvents();
  const context = (requester: Requester, options: ContextOptions = {}): MembershipContext => ({
    contract,
    store,
    requester,
    memberId: POD_MEMBER_ID,
    events,
    ...options,
  });
  return {
    contract,
    schema,
    store,
    events,
    context,
    run: async (requester, query, variables, options) =>
      plain(await executeMembershipQuery(schema, context(requester, options), { query, variables })),
    subscribe: async (requester, query, variables) => {
      const result = await subscribeMembership(schema, context(requester), { query, variables });
      if (!(Symbol.asyncIterator in result)) assert.fail(`subscription refused: ${JSON.stringify(result)}`);
      return result;
    },
    close: async () => {
      events.close();
      await store.close();
    },
  };
}

/** The `extensions.code` of each error, in order. */
export function codes(result: ExecutionResult): unknown[] {
  return (result.errors ?? []).map((e) => e.extensions?.['code']);
}

// ---------------------------------------------------------------------------------------------------
// Values and selections from the model (served fields only: obsolete ones are not in the schema)

const served = (fields: readonly Field[]): readonly Field[] => fields.filter((f) => !f.obsolete);

/** An input with every served field of `cls` set; values canonical, so they read back equal. */
export function sampleInput(cls: DataClass, seed: number): JsonObject {
  return sampleRecord(cls, seed, { servedOnly: true });
}

/** `{ a b c { d } }` selecting every served field. */
export function selectionOf(fields: readonly Field[]): string {
  const parts = served(fields).map((f) => {
    const type = f.type.kind === 'array' ? f.type.items : f.type;
    return type.kind === 'object' ? `${f.name} ${selectionOf(type.fields)}` : f.name;
  });
  return `{ ${parts.join(' ')} }`;
}
