/**
 * Small hand-made contracts for storage tests: just the parts of the model storage reads (classes,
 * fields, types, properties), with neutral defaults for the rest.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ClassProperties,
  Contract,
  DataClass,
  Field,
  FieldProperties,
  FieldType,
  ObjectFieldType,
  ScalarFieldType,
  ScalarType,
} from '../../../src/contract/model.js';
import type { ByodaError, ErrorCode } from '../../../src/errors/index.js';
import type { DataStore } from '../../../src/storage/index.js';

export const scalar = (name: ScalarType, extra: Partial<ScalarFieldType> = {}): ScalarFieldType => ({
  kind: 'scalar',
  scalar: name,
  ...extra,
});

export const objectType = (typeName: string, fields: readonly Field[]): ObjectFieldType => ({
  kind: 'object',
  typeName,
  fields,
});

export const arrayOf = (items: ScalarFieldType | ObjectFieldType): FieldType => ({ kind: 'array', items });

export interface FieldOptions {
  readonly required?: boolean;
  readonly properties?: Partial<FieldProperties>;
}

export function field(name: string, type: FieldType, options: FieldOptions = {}): Field {
  return {
    name,
    type,
    required: options.required ?? false,
    rules: {},
    ownRules: false,
    properties: { counter: false, index: false, primaryKey: false, ...options.properties },
    obsolete: false,
    path: `/test/${name}`,
  };
}

export function dataClass(
  name: string,
  kind: 'object' | 'array',
  fields: readonly Field[],
  properties: ClassProperties = {},
): DataClass {
  return {
    name,
    kind,
    typeName: name,
    fields,
    rules: {},
    properties,
    obsolete: false,
    path: `/test/${name}`,
  };
}

export function contract(version: number, classes: readonly DataClass[], serviceId = 4242): Contract {
  return {
    serviceId,
    version,
    name: 'storage-test',
    maxQueryDepth: 1,
    corsOrigins: [],
    listenRelations: [],
    signatures: {},
    classes,
    document: { service_id: serviceId, version, name: 'storage-test' },
  };
}

/** A class with one field of each scalar type plus nested data, used across the storage tests. */
export const ITEM_FIELDS: readonly Field[] = [
  field('name', scalar('string'), { required: true }),
  field('rank', scalar('integer'), { properties: { index: true } }),
  field('score', scalar('number')),
  field('active', scalar('boolean')),
  field('item_id', scalar('uuid'), { properties: { primaryKey: true } }),
  field('seen', scalar('date-time')),
  field('tags', arrayOf(scalar('string'))),
  field(
    'owner',
    objectType('owner', [field('id', scalar('uuid'), { required: true }), field('note', scalar('string'))]),
  ),
];

/** v1 of the test contract: an object class `profile` and an array class `items`. */
export function testContractV1(): Contract {
  return contract(1, [
    dataClass('profile', 'object', [
      field('given_name', scalar('string'), { required: true }),
      field('age', scalar('integer')),
      field('joined', scalar('date-time')),
    ]),
    dataClass('items', 'array', ITEM_FIELDS),
  ]);
}

/** A temp dir per test file, removed in `after`. */
export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'byoda-storage-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Registers, in the calling `describe`, one temp dir made in `before` and removed in `after`. */
export function tempDirPerSuite(): { readonly path: string } {
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await dir?.remove();
  });
  return {
    get path() {
      if (!dir) throw new Error('the temp dir is made in `before`');
      return dir.path;
    },
  };
}

/** What `storePerTest` gives a `describe`: the temp dir, and a way to have it close another store. */
export interface StoreFiles {
  /** The temp dir of the `describe` (valid from its `before` on). */
  readonly dir: string;
  /** Has `store` (opened by a test itself) closed before the next test and at the end; returns it. */
  track(store: DataStore): DataStore;
}

/**
 * Registers, in the calling `describe`, the hooks of tests that each need a new store: one temp dir,
 * `open` called before each test with a new file in it, every store closed before the next test and
 * at the end, and the dir removed at the end.
 */
export function storePerTest(open: (file: string) => Promise<DataStore>): StoreFiles {
  let opened: DataStore[] = [];
  let n = 0;
  const closeAll = async (): Promise<void> => {
    await Promise.all(opened.map((store) => store.close()));
    opened = [];
  };
  after(closeAll); // registered before the dir's own `after`, so it runs first
  const dir = tempDirPerSuite();
  beforeEach(async () => {
    await closeAll();
    opened.push(await open(join(dir.path, `s${++n}`, 'store.db')));
  });
  return {
    get dir() {
      return dir.path;
    },
    track(store) {
      opened.push(store);
      return store;
    },
  };
}

/** A store clock that tests move by hand. */
export interface TestClock {
  readonly now: () => Date;
  set(iso: string): void;
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
}

export function testClock(start: string): TestClock {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (iso) => {
      current = new Date(iso);
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

/** For `assert.rejects`: the error has `code` and, if given, a message matching `pattern`. */
export function rejectsWith(code: ErrorCode, pattern?: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    const e = err as ByodaError;
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}
