/**
 * Parses and validates a contract document (spec §5) into the typed model. Everything is checked and
 * anything unknown is refused, because a contract decides who may read a person's data: a typo must
 * fail loudly at load time rather than silently change access. The first fault found is thrown as a
 * `BYODA_ERR_CONTRACT_PATH` error carrying its JSON pointer.
 */
import type { Contract, ContractWarning, DataClass } from './model.js';
import { invalidAt } from './contract-error.js';
import {
  checkKeys,
  optional,
  readInteger,
  readObject,
  readString,
  readStringList,
  readText,
  requireKeys,
} from './json-readers.js';
import type { JsonObject } from './json-readers.js';
import { parseJsonSchema } from './jsonschema.js';
import { parseListenRelations } from './listen-relations.js';
import { parseSignatures } from './signatures.js';

/** spec §8 leaves the default open: without `max_query_depth` a query may go one hop, to direct links. */
export const DEFAULT_MAX_QUERY_DEPTH = 1;

const MAX_SERVICE_ID = 2 ** 32 - 1;

const NEEDS = {
  service_id: `the service's number, 0 to ${MAX_SERVICE_ID}`,
  version: 'the contract version, a whole number from 0',
  name: "the service's name",
  jsonschema: 'the data classes, as JSON Schema',
};
const OPTIONAL_KEYS = [
  'description',
  'owner',
  'website',
  'supportemail',
  'max_query_depth',
  'cors_origins',
  'listen_relations',
  'signatures',
];

export interface ParseOptions {
  /** Called for each oddity that does not stop the contract from loading. */
  readonly onWarning?: (warning: ContractWarning) => void;
}

export function parseContract(doc: unknown, options: ParseOptions = {}): Contract {
  const warn = options.onWarning ?? ((): void => undefined);
  const root = readObject(doc, '', 'a JSON object (a service contract)');
  checkKeys(root, '', [...Object.keys(NEEDS), ...OPTIONAL_KEYS]);
  requireKeys(root, '', NEEDS);
  // Read in document order of importance: identity first, then the data model, then what refers to it.
  const serviceId = readInteger(root.service_id, '/service_id', 0, MAX_SERVICE_ID);
  const version = readInteger(root.version, '/version', 0);
  const name = readString(root.name, '/name');
  const service = describeService(root);
  const maxQueryDepth = optional(root, 'max_query_depth', '', (v, p) => readInteger(v, p, 0));
  const corsOrigins = optional(root, 'cors_origins', '', readStringList) ?? [];
  const signatures = optional(root, 'signatures', '', parseSignatures) ?? {};
  const classes = parseJsonSchema(root.jsonschema, '/jsonschema', warn);
  const listenRelations = optional(root, 'listen_relations', '', (v, p) =>
    parseListenRelations(v, p, classes, warn),
  );
  const contract: Contract = {
    serviceId,
    version,
    name,
    ...service,
    maxQueryDepth: maxQueryDepth ?? DEFAULT_MAX_QUERY_DEPTH,
    corsOrigins,
    listenRelations: listenRelations ?? [],
    signatures,
    classes,
    document: structuredClone(root),
  };
  return deepFreeze(contract);
}

/** The optional descriptive members; present in the model only when present in the document. */
function describeService(
  root: JsonObject,
): Pick<Contract, 'description' | 'owner' | 'website' | 'supportEmail'> {
  const description = optional(root, 'description', '', readText);
  const owner = optional(root, 'owner', '', readString);
  const website = optional(root, 'website', '', readWebsite);
  const supportEmail = optional(root, 'supportemail', '', readEmail);
  return {
    ...(description !== undefined ? { description } : {}),
    ...(owner !== undefined ? { owner } : {}),
    ...(website !== undefined ? { website } : {}),
    ...(supportEmail !== undefined ? { supportEmail } : {}),
  };
}

function readWebsite(value: unknown, path: string): string {
  const text = readString(value, path);
  if (!URL.canParse(text) || !['http:', 'https:'].includes(new URL(text).protocol)) {
    throw invalidAt(path, `"${text}" is not an http(s) URL`);
  }
  return text;
}

function readEmail(value: unknown, path: string): string {
  const text = readString(value, path);
  if (!/^[^@\s]+@[^@\s]+$/.test(text)) throw invalidAt(path, `"${text}" is not an email address`);
  return text;
}

/** The model is shared by every module of a pod; freezing it makes accidental edits fail at once. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** For tests and tools: the class named `name`, if the contract has one. */
export function findClass(contract: Contract, name: string): DataClass | undefined {
  return contract.classes.find((dataClass) => dataClass.name === name);
}
