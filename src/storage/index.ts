/**
 * Storage: a membership's namespace, built from its service contract (spec §5, §7). Other folders import
 * only this file.
 */
export type {
  DataRecord,
  DataStore,
  JsonObject,
  JsonValue,
  BatchItem,
  MigrationReport,
  OpenStore,
  Page,
  QueryOptions,
  RecordInput,
  RecordMeta,
  StoreChange,
  StoreChangeListener,
  StoreInfo,
  StoreOptions,
  StoredRecord,
  WriteMeta,
} from './types.js';
export { canonicalRecord } from './values.js';
export { startExpirySweeper, type ExpirySweeper, type ExpirySweeperOptions } from './expiry-sweeper.js';
export {
  FILTER_OPERATORS,
  OPERATORS_BY_SCALAR,
  compileFilter,
  evaluateFilter,
  parseFilter,
  type Condition,
  type FilterInput,
  type FilterOperator,
  type SqlCondition,
  type SqlParam,
  type ValidFilter,
} from './filter.js';
export { globMatch } from './glob.js';
export { canonicalDateTime, canonicalScalar, canonicalUuid, type ScalarValue } from './scalars.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export {
  DEFAULT_PAGE_SIZE,
  MAX_FILTER_LIST_LENGTH,
  MAX_PAGE_SIZE,
  MAX_PATTERN_LENGTH,
  MAX_SIGNATURE_LENGTH,
  MAX_STATE_KEY_LENGTH,
  MAX_STATE_VALUE_LENGTH,
} from './limits.js';
export { openSqliteStore, readSqliteStoreInfo } from './sqlite/open.js';
export { openMigratedDatabase, type MigratedDatabaseOptions } from './sqlite/database.js';
export { parseStoreUrl, type StoreLocation } from './store-url.js';
export { DEFAULT_POOL_SIZE, openPool, redactUrl, withTransaction } from './postgres/pool.js';
export type { Pool, PoolClient, QueryResult, QueryResultRow } from './postgres/pool.js';
export { migrate, type Migration } from './postgres/migrations.js';
