/**
 * `byoda pod totp status|enable|confirm|disable`: the owner's second factor (spec §12; docs/protocol.md
 * "Second factor (TOTP)") through the pod's owner API. `enable` prints the otpauth URI, a QR code for
 * the terminal and the recovery codes, once: the pod keeps only their hashes.
 */
import type { Command } from 'commander';
import { ByodaError } from '../errors/index.js';
import type { OwnerApi, TotpStatus } from '../network/index.js';
import { withOwnerApi } from './owner-session.js';
import { print, printJson, stdoutColors } from './output.js';
import { POD_TARGET_HELP, addPodTargetOptions, resolvePodTarget } from './pod-target.js';
import type { PodTargetOptions } from './pod-target.js';

interface TotpOptions extends PodTargetOptions {
  readonly json?: boolean;
}

const HELP = `${POD_TARGET_HELP}

Examples:
  $ byoda pod totp enable                # scan the QR code with an authenticator app
  $ byoda pod totp confirm 123456        # its first code: from now on 'byoda login' needs one
  $ byoda pod totp disable 654321        # a current code or a recovery code
`;

/** Adds `totp` under the `pod` command (registered before by pod.ts). */
export function registerPodTotpCommands(program: Command): void {
  const pod = program.commands.find((command) => command.name() === 'pod');
  if (!pod) throw new Error('the pod command is registered first');
  const totp = pod.command('totp').description("the owner's one-time code (a second factor of the login)");
  const sub = (name: string, description: string) =>
    addPodTargetOptions(totp.command(name).description(description))
      .option('--json', 'print the result as one JSON line')
      .addHelpText('after', HELP);
  sub('status', 'show whether a second factor is enrolled').action((options: TotpOptions) =>
    run(options, async (api) => report(options, 'totp_status', await api.totpStatus())),
  );
  sub('enable', 'begin an enrolment: print the otpauth URI, a QR code and the recovery codes')
    .argument('[code]', 'a current code (or recovery code) when a second factor is enrolled already')
    .action((code: string | undefined, options: TotpOptions) =>
      run(options, async (api) => enable(options, await api.totpEnable(code))),
    );
  sub('confirm', 'enrol the pending second factor with its first code')
    .argument('<code>', 'the code the authenticator app shows')
    .action((code: string, options: TotpOptions) =>
      run(options, async (api) => report(options, 'totp_enrolled', await api.totpConfirm(code))),
    );
  sub('disable', 'turn the second factor off')
    .argument('<code>', 'a current code or a recovery code')
    .action((code: string, options: TotpOptions) =>
      run(options, async (api) => report(options, 'totp_disabled', await api.totpDisable(code))),
    );
}

async function run(options: TotpOptions, work: (api: OwnerApi) => Promise<void>): Promise<void> {
  const target = await resolvePodTarget(options);
  await withOwnerApi(target, work);
}

async function enable(
  options: TotpOptions,
  enrolment: { otpauthUri: string; recoveryCodes: readonly string[] },
): Promise<void> {
  if (options.json) {
    printJson({
      event: 'totp_pending',
      otpauth_uri: enrolment.otpauthUri,
      recovery_codes: enrolment.recoveryCodes,
    });
    return;
  }
  // qrcode is loaded only here: the other commands need not pay for it. A CommonJS package: in the
  // bundle (bin/compiled.mjs) its lazy chunk exports only `default`, which is its exports under Node's
  // own ESM loader too; named exports would be undefined there.
  const { default: qrcode } = await import('qrcode');
  const qr = await qrcode.toString(enrolment.otpauthUri, { type: 'terminal', small: true }).catch((cause) => {
    throw new ByodaError('BYODA_ERR_INTERNAL', 'cannot draw the QR code', { cause });
  });
  const c = stdoutColors();
  print(qr);
  print(`otpauth URI (for an app that cannot scan): ${enrolment.otpauthUri}`);
  print(c.bold('Recovery codes (each works once; keep them safe, they are not shown again):'));
  for (const code of enrolment.recoveryCodes) print(`  ${code}`);
  print(`Then: ${c.cyan('byoda pod totp confirm <code>')} with the code the app shows.`);
}

function report(options: TotpOptions, event: string, status: TotpStatus): void {
  if (options.json) {
    printJson({
      event,
      enrolled: status.enrolled,
      pending: status.pending,
      recovery_codes_left: status.recoveryCodesLeft,
    });
    return;
  }
  const c = stdoutColors();
  if (!status.enrolled) {
    print(
      `${c.bold('second factor: off')}${status.pending ? ' (an enrolment waits for its first code)' : ''}`,
    );
    return;
  }
  print(`${c.green('✔')} second factor: on, ${status.recoveryCodesLeft ?? 0} recovery codes left`);
  if (status.pending) print('  a new enrolment waits for its first code');
}
