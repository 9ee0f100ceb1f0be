/**
 * `byoda pod rotate-keys --data DIR [--service S]`: new keys for the pod's certificates
 * (docs/protocol.md, "Key rotation"), through the running pod's owner API, so that the pod makes the
 * requests, writes the files and reloads its TLS contexts itself. A stopped pod is refused: rotating
 * its folder behind its back would leave a pod that starts with keys it never announced, and nothing
 * would serve the old data cert to the verifiers that still hold it.
 */
import type { Command } from 'commander';
import { ByodaError, isByodaError } from '../errors/index.js';
import { withOwnerApi } from './owner-session.js';
import { print, printJson } from './output.js';
import { parseServiceId } from './pod.js';
import { POD_TARGET_HELP, addPodTargetOptions, resolvePodTarget } from './pod-target.js';
import type { PodTargetOptions } from './pod-target.js';

interface RotateOptions extends PodTargetOptions {
  readonly service?: number;
  readonly json?: boolean;
}

const HELP = `${POD_TARGET_HELP}

The pod must be running: it asks the directory and the services for the new
certificates and starts using them at once. Certificates made with the old keys
stay valid until their end, and signatures made with the old data key keep
verifying (docs/protocol.md, "Key rotation").

Examples:
  $ byoda pod rotate-keys --data ./pod1                 # the account and every membership
  $ byoda pod rotate-keys --data ./pod1 --service 4294929430 --json
`;

export function registerPodRotateCommand(program: Command): void {
  const pod = program.commands.find((command) => command.name() === 'pod');
  if (!pod) throw new Error('the pod command is registered first');
  addPodTargetOptions(
    pod.command('rotate-keys').description("new keys for the account's and the memberships' certificates"),
  )
    .option('--service <id>', 'rotate only this membership (and the account)', parseServiceId)
    .option('--json', 'print the result as one JSON line')
    .addHelpText('after', HELP)
    .action((options: RotateOptions) => rotateKeys(options));
}

async function rotateKeys(options: RotateOptions): Promise<void> {
  const target = await resolvePodTarget(options).catch((err: unknown) => {
    throw stoppedPod(err);
  });
  const rotated = await withOwnerApi(target, (api) => api.rotateKeys(options.service));
  if (options.json) {
    printJson({
      event: 'keys_rotated',
      rotated: rotated.map((r) => ({ name: r.name, not_after: r.notAfter })),
    });
    return;
  }
  for (const r of rotated) print(`${r.name}: new key, certificate valid until ${r.notAfter}`);
}

/** The "not running" refusal of a data folder, saying why this command needs the running pod. */
function stoppedPod(err: unknown): unknown {
  if (!isByodaError(err) || !err.message.includes('is not running')) return err;
  return new ByodaError(
    'BYODA_ERR_CONFIG',
    `${err.message}: rotate-keys works on the running pod, which requests and reloads its new keys itself`,
    { cause: err },
  );
}
