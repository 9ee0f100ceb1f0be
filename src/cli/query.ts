/**
 * `byoda query`: one GraphQL operation on the owner's pod (spec §7), printed as JSON. Either the
 * document is given (an argument, or `-` for stdin) and sent as is, or `--class X` builds
 * `X_connection(...)` with every field and each edge's `origin`, with `--depth`, `--relations` and
 * `--remote-member` for proxied and recursive queries (spec §8).
 *
 * Exit code 1 when the answer has GraphQL errors: the `data` there is (partial data is still data),
 * and each error is one `byoda: ...` line on stderr. Pods that did not answer a recursive query are
 * the connection's `remote_errors`, reported as warnings: the query itself succeeded (spec §8).
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { ByodaError } from '../errors/index.js';
// Alone, not through src/local/index.ts: see owner-api.ts.
import type { GraphqlAnswer, OwnerApi } from '../network/index.js';
import { SCHEMA_QUERY, connectionQuery, parseSchemaTypes } from './class-query.js';
import type { ConnectionArgs } from './class-query.js';
import { isRelationName } from './link.js';
import { chooseService, withOwnerApi } from './owner-session.js';
import { print, printError, printJson, warn } from './output.js';
import {
  POD_TARGET_HELP,
  addPodTargetOptions,
  addServiceOption,
  parseMemberId,
  resolvePodTarget,
} from './pod-target.js';
import type { PodTargetOptions } from './pod-target.js';
import { isRecord } from './json-value.js';

interface QueryOptions extends PodTargetOptions {
  readonly service?: number;
  readonly variables?: Record<string, unknown>;
  readonly class?: string;
  readonly depth?: number;
  readonly relations?: string[];
  readonly remoteMember?: string;
  readonly json?: boolean;
}

const HELP = `
Output:
  The answer's "data" as JSON (indented; one line with --json). GraphQL errors are
  one line each on stderr, and the exit code is 1. Pods that could not answer a
  query sent on with --depth or --remote-member are warnings on stderr.
${POD_TARGET_HELP}

Examples:
  $ byoda query '{ person { given_name family_name } }'
  $ echo '{ network_links_connection { total_count } }' | byoda query - --json
  $ byoda query --class person --depth 1 --relations family
  $ byoda query --class person --remote-member 3f0c1d2e-8b7a-4c6d-9e5f-0a1b2c3d4e5f
`;

export function registerQueryCommand(program: Command): void {
  const command = program
    .command('query')
    .description("send a GraphQL query to your pod (as its owner) and print the answer's data");
  addServiceOption(addPodTargetOptions(command))
    .argument('[query]', "the GraphQL document, or '-' to read it from stdin")
    .option('--variables <json>', 'variables of the document, as a JSON object', parseVariables)
    .option(
      '--class <name>',
      'build X_connection(...) for this class: every field and the origin of each record',
    )
    .option('--depth <n>', 'with --class: also ask linked pods, this many hops on (spec §8)', parseDepth)
    .option(
      '--relations <list>',
      'with --class: only links with these relations, e.g. family,friend',
      parseRelations,
    )
    .option('--remote-member <member_id>', "with --class: ask that member's pod instead", parseMemberId)
    .option('--json', 'print the data as one JSON line')
    .addHelpText('after', HELP)
    .action((query: string | undefined, options: QueryOptions) => queryCommand(query, options));
}

async function queryCommand(query: string | undefined, options: QueryOptions): Promise<void> {
  const document = await documentSource(query, options);
  const target = await resolvePodTarget(options);
  const answer = await withOwnerApi(target, async (api) => {
    const serviceId = await chooseService(api, options.service);
    const text = typeof document === 'string' ? document : await classDocument(api, serviceId, document);
    return api.graphql(serviceId, text, options.variables);
  });
  report(answer, options.json === true);
}

/** The document as given, or what `--class` asks for; refuses options that would be ignored. */
async function documentSource(
  query: string | undefined,
  options: QueryOptions,
): Promise<string | { className: string; args: ConnectionArgs }> {
  const connectionArgs: ConnectionArgs = {
    ...(options.depth !== undefined ? { depth: options.depth } : {}),
    ...(options.relations !== undefined ? { relations: options.relations } : {}),
    ...(options.remoteMember !== undefined ? { remoteMemberId: options.remoteMember } : {}),
  };
  if (options.class === undefined) {
    if (Object.keys(connectionArgs).length > 0) {
      throw badInput('--depth, --relations and --remote-member build a query with --class');
    }
    if (query === undefined) throw badInput("give a query, '-' to read one from stdin, or --class");
    return query === '-' ? readStdin() : query;
  }
  if (query !== undefined) throw badInput('give either a query or --class, not both');
  if (options.variables !== undefined) throw badInput('--variables go with a query, not with --class');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.class)) throw badInput(`${options.class} is not a class name`);
  return { className: options.class, args: connectionArgs };
}

async function classDocument(
  api: OwnerApi,
  serviceId: number,
  source: { className: string; args: ConnectionArgs },
): Promise<string> {
  const introspection = await api.graphql(serviceId, SCHEMA_QUERY);
  const first = introspection.errors[0];
  if (first) throw new ByodaError('BYODA_ERR_BAD_REQUEST', `cannot read the pod's schema: ${first.message}`);
  return connectionQuery(parseSchemaTypes(introspection.data), source.className, source.args);
}

function report(answer: GraphqlAnswer, json: boolean): void {
  if (answer.data !== null) {
    if (json) printJson(answer.data);
    else print(JSON.stringify(answer.data, null, 2));
  }
  for (const { origin, message } of remoteErrors(answer.data)) warn(`${origin}: ${message}`);
  for (const error of answer.errors) {
    printError(error.path ? `${error.message} (at ${error.path})` : error.message);
  }
  if (answer.errors.length > 0) process.exitCode = 1;
}

/** The `remote_errors` of every connection at the root of the answer. */
function remoteErrors(data: GraphqlAnswer['data']): { origin: string; message: string }[] {
  return Object.values(data ?? {}).flatMap((value) => {
    const list = isRecord(value) ? value['remote_errors'] : undefined;
    return Array.isArray(list)
      ? list.filter(isRecord).map((e) => ({ origin: String(e['origin']), message: String(e['message']) }))
      : [];
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw badInput('the query read from stdin is empty');
  return text;
}

function parseVariables(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!isRecord(value)) throw new InvalidArgumentError('give the variables as a JSON object, e.g. {"n": 1}.');
  return value;
}

function parseDepth(text: string): number {
  if (!/^\d{1,2}$/.test(text)) throw new InvalidArgumentError('a depth is a whole number from 0.');
  return Number(text);
}

/** Relations are lower-case in contracts (spec §5); an empty list asks no linked pod. */
function parseRelations(text: string): string[] {
  const relations = text
    .split(',')
    .map((r) => r.trim().toLowerCase())
    .filter((r) => r !== '');
  if (!relations.every(isRelationName)) {
    throw new InvalidArgumentError('give relations as names separated by commas, e.g. family,friend.');
  }
  return relations;
}

function badInput(message: string): ByodaError {
  return new ByodaError('BYODA_ERR_BAD_REQUEST', message);
}
