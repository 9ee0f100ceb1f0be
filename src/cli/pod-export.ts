/**
 * `byoda pod export [--out FILE]` and `byoda pod import FILE`: the owner's data as JSON (docs/backup.md,
 * "Export and import"), through the pod's owner API. `import` first joins the services of the document
 * that the pod has not joined yet, so that a new pod takes a whole export.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ByodaError } from '../errors/index.js';
import type { OwnerApi } from '../network/index.js';
import { withOwnerApi } from './owner-session.js';
import { print, printJson } from './output.js';
import { POD_TARGET_HELP, addPodTargetOptions, resolvePodTarget } from './pod-target.js';
import type { PodTargetOptions } from './pod-target.js';

interface ExportOptions extends PodTargetOptions {
  readonly out?: string;
  readonly json?: boolean;
}

export function registerPodExportCommands(program: Command): void {
  const pod = program.commands.find((command) => command.name() === 'pod');
  if (!pod) throw new Error('the pod command is registered first');
  addPodTargetOptions(pod.command('export').description("every membership's data as JSON"))
    .option('--out <file>', 'write it to this file (mode 0600) instead of stdout')
    .option('--json', 'print the result as one JSON line (with --out)')
    .addHelpText('after', POD_TARGET_HELP)
    .action((options: ExportOptions) => run(options, (api) => exportData(api, options)));
  addPodTargetOptions(
    pod.command('import').description('write an export into this pod (joins its services first)'),
  )
    .argument('<file>', 'a file made by `byoda pod export` (- for stdin)')
    .option('--json', 'print the result as one JSON line')
    .addHelpText('after', POD_TARGET_HELP)
    .action((file: string, options: ExportOptions) => run(options, (api) => importData(api, file, options)));
}

async function run(options: PodTargetOptions, work: (api: OwnerApi) => Promise<void>): Promise<void> {
  await withOwnerApi(await resolvePodTarget(options), work);
}

async function exportData(api: OwnerApi, options: ExportOptions): Promise<void> {
  const text = `${JSON.stringify(await api.exportData(), null, 2)}\n`;
  if (options.out === undefined) {
    process.stdout.write(text);
    return;
  }
  await writeFile(options.out, text, { mode: 0o600 });
  if (options.json) printJson({ event: 'exported', file: options.out, bytes: text.length });
  else print(`exported to ${options.out}`);
}

async function importData(api: OwnerApi, file: string, options: ExportOptions): Promise<void> {
  const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', `${file} is not JSON`, { cause });
  }
  const joined = new Set((await api.memberships()).map((m) => m.serviceId));
  const wanted = documentServices(document);
  for (const serviceId of wanted) {
    if (!joined.has(serviceId)) await api.join(serviceId);
  }
  const imported = await api.importData(document);
  if (options.json) printJson({ event: 'imported', imported });
  else
    for (const [serviceId, count] of Object.entries(imported))
      print(`service ${serviceId}: ${count} records`);
}

/** The service ids an export names (the pod checks the rest). */
function documentServices(document: unknown): number[] {
  const list =
    typeof document === 'object' && document !== null
      ? (document as Record<string, unknown>).memberships
      : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((m: unknown) => {
    const id = typeof m === 'object' && m !== null ? (m as Record<string, unknown>).service_id : undefined;
    return typeof id === 'number' ? [id] : [];
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
