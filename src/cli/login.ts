/**
 * `byoda login`: get an owner token from a pod (spec §10) and keep it for the other owner commands, in
 * the pod's data folder or `--token-file` (mode 0600). It always logs in, also when a valid token is
 * kept: that is how a token is refreshed, and how a password is checked. An owner with a second factor
 * (spec §12) gives its code with `--totp` or types it when asked.
 */
import type { Command } from 'commander';
import { ByodaError } from '../errors/index.js';
import { loginAndKeep } from './owner-session.js';
import { print, printJson, stdoutColors } from './output.js';
import { POD_TARGET_HELP, addPodTargetOptions, resolvePodTarget } from './pod-target.js';
import type { PodTargetOptions } from './pod-target.js';

interface LoginOptions extends PodTargetOptions {
  readonly json?: boolean;
  readonly totp?: string;
}

const HELP = `${POD_TARGET_HELP}

Examples:
  $ byoda login                                  # pod1 of a 'byoda up' in this folder
  $ byoda login --network /tmp/net/network.json --pod pod2 --json
  $ byoda login --totp 123456                    # an owner with a second factor, in a script
  $ byoda login --url https://127.0.0.1:8443 --fqdn <account_id>.accounts.byoda.test \\
      --root-ca root-ca.pem --username owner --password-file pw --token-file token
`;

export function registerLoginCommand(program: Command): void {
  const command = program
    .command('login')
    .description("log in to a pod as its owner and keep the token for 'query' and 'link'");
  addPodTargetOptions(command)
    .option('--json', 'print the result as one JSON line')
    .option(
      '--totp <code>',
      'the one-time code (or a recovery code) of an owner with a second factor; asked for on a terminal when needed',
    )
    .addHelpText('after', HELP)
    .action((options: LoginOptions) => loginCommand(options));
}

async function loginCommand(options: LoginOptions): Promise<void> {
  const target = await resolvePodTarget(options);
  if (target.tokenFile === undefined) {
    throw new ByodaError('BYODA_ERR_CONFIG', `give --token-file to keep the token of ${target.label}`);
  }
  // Alone, not through src/local/index.ts (see owner-api.ts), and lazily (owner-session.ts).
  const { OwnerApi } = await import('../network/index.js');
  const api = new OwnerApi(target.endpoint);
  try {
    const token = await loginAndKeep(api, target, options.totp);
    const result = {
      pod: target.label,
      fqdn: target.endpoint.fqdn,
      username: target.username ?? null,
      token_file: target.tokenFile,
      expires_at: token.expiresAt.toISOString(),
    };
    if (options.json) {
      printJson({ event: 'logged_in', ...result });
      return;
    }
    const c = stdoutColors();
    print(`${c.green('✔')} logged in to ${c.bold(result.pod)} (${result.fqdn}) as '${result.username}'`);
    print(`  token in ${c.cyan(result.token_file)}, valid until ${result.expires_at}`);
  } finally {
    await api.close();
  }
}
