/**
 * `byoda search <class> <field> <value>`: the member ids the service finds for a searchable field
 * (docs/protocol.md "Search"), e.g. a friend's member id by their email address, to link them
 * (`byoda link add`). The service answers members only, so the owner asks through their pod, which
 * presents the membership's member TLS cert (`GET /api/v1/pod/search/service-<S>/<class>`).
 *
 * One member id a line (none: a line saying so); `--json` prints one JSON line for scripts.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { chooseService, withOwnerApi } from './owner-session.js';
import { print, printJson } from './output.js';
import { POD_TARGET_HELP, addPodTargetOptions, addServiceOption, resolvePodTarget } from './pod-target.js';
import type { PodTargetOptions } from './pod-target.js';

interface SearchOptions extends PodTargetOptions {
  readonly service?: number;
  readonly json?: boolean;
}

/** The service's limit on a searched value (docs/protocol.md "Search"). */
const MAX_VALUE_LENGTH = 256;

const HELP = `
Only fields the contract lets the service search are searchable (in the
addressbook: person.email, exact and case-insensitive). The service answers
member ids only, never data.
${POD_TARGET_HELP}

Examples:
  $ byoda search person email suzie@example.org
  $ byoda search person email suzie@example.org --pod pod2 --json
`;

export function registerSearchCommand(program: Command): void {
  const command = program
    .command('search')
    .description("find members of the service by a searchable field, e.g. a friend's email address");
  addServiceOption(addPodTargetOptions(command))
    .argument('<class>', 'the data class, e.g. person', parseName)
    .argument('<field>', 'the searchable field of the class, e.g. email', parseName)
    .argument('<value>', 'the value to look for, e.g. suzie@example.org', parseValue)
    .option('--json', 'print the result as one JSON line')
    .addHelpText('after', HELP)
    .action((className: string, field: string, value: string, options: SearchOptions) =>
      searchCommand(className, field, value, options),
    );
}

async function searchCommand(
  className: string,
  field: string,
  value: string,
  options: SearchOptions,
): Promise<void> {
  const target = await resolvePodTarget(options);
  const { serviceId, memberIds } = await withOwnerApi(target, async (api) => {
    const serviceId = await chooseService(api, options.service);
    return { serviceId, memberIds: await api.search(serviceId, className, field, value) };
  });
  if (options.json) {
    printJson({
      event: 'found',
      service_id: serviceId,
      class: className,
      field,
      results: memberIds.map((memberId) => ({ member_id: memberId })),
    });
    return;
  }
  if (memberIds.length === 0) {
    print(`no member of service ${serviceId} has ${className}.${field} = ${value}`);
    return;
  }
  for (const memberId of memberIds) print(memberId);
}

/** Class and field names as contracts write them. */
export function parseName(text: string): string {
  if (!/^[_A-Za-z][_0-9A-Za-z]{0,127}$/.test(text)) {
    throw new InvalidArgumentError('a class or field name is a word such as person or email.');
  }
  return text;
}

export function parseValue(text: string): string {
  if (text === '') throw new InvalidArgumentError('give a value to look for.');
  if ([...text].length > MAX_VALUE_LENGTH) {
    throw new InvalidArgumentError(`a value is at most ${MAX_VALUE_LENGTH} characters long.`);
  }
  return text;
}
