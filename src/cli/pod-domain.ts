/**
 * `byoda pod start --domain NAME --acme-directory URL [--acme-email E] [--acme-http-port P]` (spec §12
 * "custom domain"; docs/protocol.md, docs/deploy.md): the web port also serves NAME with a certificate
 * from that ACME CA, validated by HTTP-01 on P (default 80). The CA's own TLS certificate is checked
 * against Node's trust store; a private test CA (pebble) is added with NODE_EXTRA_CA_CERTS.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { ByodaError } from '../errors/index.js';
import type { PodCustomDomain } from '../pod/index.js';
import { parsePort } from './run-server.js';

export interface CustomDomainCommandOptions {
  readonly domain?: string;
  readonly acmeDirectory?: string;
  readonly acmeEmail?: string;
  readonly acmeHttpPort?: number;
}

export function addCustomDomainOptions(command: Command): Command {
  return command
    .option(
      '--domain <name>',
      'serve the web port also as this DNS name, with a certificate from --acme-directory',
    )
    .option('--acme-directory <url>', "the ACME CA's directory URL (with --domain)", parseHttpsUrl)
    .option('--acme-email <address>', 'contact address given to the ACME CA (with --domain)', parseEmail)
    .option(
      '--acme-http-port <port>',
      'port of the HTTP-01 challenge responder on --host (with --domain; default 80)',
      parsePort,
    );
}

/**
 * The pod's custom domain from the options, or undefined; both halves or neither. `isDomainName` is
 * the pod module's (loaded with the command, as every pod command loads it).
 */
export function customDomainOf(
  options: CustomDomainCommandOptions,
  isDomainName: (name: string) => boolean,
): PodCustomDomain | undefined {
  const { domain, acmeDirectory } = options;
  if (domain === undefined && acmeDirectory === undefined) {
    if (options.acmeEmail !== undefined || options.acmeHttpPort !== undefined) {
      throw new ByodaError('BYODA_ERR_CONFIG', '--acme-email and --acme-http-port need --domain');
    }
    return undefined;
  }
  if (domain === undefined) throw new ByodaError('BYODA_ERR_CONFIG', '--acme-directory needs --domain');
  if (acmeDirectory === undefined)
    throw new ByodaError('BYODA_ERR_CONFIG', '--domain needs --acme-directory');
  if (!isDomainName(domain.toLowerCase())) {
    throw new ByodaError('BYODA_ERR_CONFIG', `--domain: '${domain}' is not a DNS name`);
  }
  return {
    domain: domain.toLowerCase(),
    directoryUrl: acmeDirectory,
    ...(options.acmeEmail !== undefined ? { email: options.acmeEmail } : {}),
    ...(options.acmeHttpPort !== undefined ? { challengePort: options.acmeHttpPort } : {}),
  };
}

function parseHttpsUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(
      'give the CA directory as a URL, e.g. https://acme-v02.api.letsencrypt.org/directory.',
    );
  }
  if (url.protocol !== 'https:')
    throw new InvalidArgumentError('the ACME directory must be an https:// URL.');
  return url.href;
}

function parseEmail(text: string): string {
  // The CA checks the address; this only catches a value that cannot be one (a flag, a blank).
  if (!/^[^\s@]+@[^\s@]+$/.test(text))
    throw new InvalidArgumentError('give one e-mail address, e.g. owner@example.org.');
  return text;
}
