/**
 * `byoda proxy start`: run the browser proxy (spec §12; docs/protocol.md "Browser proxy") with a
 * certificate browsers trust for `proxy.<network>` (`--cert`, `--key`: from an ACME CA in production;
 * locally `byoda up` issues one from the network root). `--root-ca` is the network root that pods'
 * certificates are checked against, `--dns` the directory's DNS server where pods are found. The data
 * folder holds the lock and the log (`<data>/logs/proxy.log`).
 */
import { join, resolve } from 'node:path';
import { mkdir, readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ByodaError } from '../errors/index.js';
import { logFileHelp, parsePort, runServer } from './run-server.js';
import type { ServerCommandOptions } from './run-server.js';
import { parseHostPort, type HostPort } from './host-port.js';

interface StartOptions extends ServerCommandOptions {
  readonly data: string;
  readonly network: string;
  readonly rootCa: string;
  readonly cert: string;
  readonly key: string;
  readonly dns: HostPort;
  readonly host: string;
  readonly port: number;
}

export function registerProxyCommands(program: Command): void {
  const proxy = program.command('proxy').description("the browser proxy: pods' web apps at proxy.<network>");
  proxy
    .command('start')
    .description('run the browser proxy until interrupted (SIGINT/SIGTERM)')
    .requiredOption('--data <dir>', 'folder for the lock and the log (created)')
    .requiredOption('--network <name>', 'network domain, e.g. byoda.test')
    .requiredOption('--root-ca <file>', "the network root CA (PEM): pods' certificates must chain to it")
    .requiredOption('--cert <file>', 'certificate chain (PEM) for proxy.<network>, one browsers trust')
    .requiredOption('--key <file>', 'its private key (PEM, unencrypted; keep the file owner-only)')
    .requiredOption('--dns <host:port>', "the directory's DNS server", parseHostPort)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: a free one)', parsePort, 443)
    .option('--log-file <file>', logFileHelp('proxy'))
    .option('--json', 'print a JSON line once ready')
    .action((options: StartOptions) => startCommand(options));
}

async function startCommand(options: StartOptions): Promise<void> {
  const dataDir = resolve(options.data);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const [rootCaPem, cert, key] = await Promise.all([
    readText(options.rootCa, '--root-ca'),
    readText(options.cert, '--cert'),
    readText(options.key, '--key'),
  ]);
  const { ProxyServer } = await import('../proxy/index.js');
  const server = new ProxyServer();
  await runServer(options, {
    name: 'proxy',
    command: 'byoda proxy start',
    dataDir,
    logFile: join(dataDir, 'logs', 'proxy.log'),
    server,
    start: (logger) =>
      server.start({
        network: options.network,
        rootCaPem,
        tls: { cert, key },
        dnsServer: options.dns,
        host: options.host,
        port: options.port,
        logger,
      }),
    ready: (address) => ({
      json: { url: address.url, fqdn: address.fqdn, port: address.port },
      text: [`proxy ${address.fqdn} serving at ${address.url}/<account_id>/`],
    }),
  });
}

async function readText(path: string, option: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CONFIG', `${option}: cannot read ${path}`, { cause });
  }
}
