/**
 * How `byoda up` shows what it does: for people, a line per step, then a table of what runs and how to
 * log in (colours only on a terminal); with `--json`, one JSON object per line for programs:
 * `{"event":"progress","part","action","message"}` per step, `{"event":"ready","network_file",
 * ...network.json}` once everything answers, `{"event":"stopped","signal"}` at the end.
 */
import pc from 'picocolors';
import { DATA_PATH, POD_PATHS } from '../pod/index.js';
import type { NetworkJson, PodJson } from './network-file.js';
import type { ProgressEvent, ProgressListener } from './progress.js';

type Colors = ReturnType<typeof pc.createColors>;

export interface ConsoleReporterOptions {
  readonly json: boolean;
  /** Colours (only for people, and only on a terminal). */
  readonly color: boolean;
  readonly write: (text: string) => void;
}

export interface ConsoleReporter extends ProgressListener {
  stopping(signal: string): void;
  stopped(signal: string): void;
}

export function createConsoleReporter(options: ConsoleReporterOptions): ConsoleReporter {
  return options.json
    ? jsonReporter(options.write)
    : textReporter(options.write, pc.createColors(options.color));
}

function jsonReporter(write: (text: string) => void): ConsoleReporter {
  const line = (value: Record<string, unknown>): void => write(`${JSON.stringify(value)}\n`);
  return {
    starting: (dataDir) => line({ event: 'starting', data: dataDir }),
    step: (event) => line({ event: 'progress', ...event }),
    ready: (network, networkFile) => line({ event: 'ready', network_file: networkFile, ...network }),
    stopping: (signal) => line({ event: 'stopping', signal }),
    stopped: (signal) => line({ event: 'stopped', signal }),
  };
}

function textReporter(write: (text: string) => void, c: Colors): ConsoleReporter {
  const lines = (text: readonly string[]): void => write(`${text.join('\n')}\n`);
  return {
    starting: (dataDir) => lines([c.bold(`Starting a local BYODA network in ${dataDir}`)]),
    step: (event) => lines([stepLine(event, c)]),
    ready: (network, networkFile) => lines(readyText(network, networkFile, c)),
    stopping: (signal) => lines([c.bold(`Stopping (${signal})`)]),
    stopped: () => lines([c.bold('Stopped.')]),
  };
}

function stepLine(event: ProgressEvent, c: Colors): string {
  const mark = event.action === 'skipped' ? c.yellow('-') : c.green('✔');
  return `${mark} ${c.dim(event.action.padEnd(9))} ${event.message}`;
}

/** The summary: what runs where, and how the owner of pod1 logs in. */
export function readyText(network: NetworkJson, networkFile: string, c: Colors): string[] {
  return [
    '',
    c.bold(`BYODA network ${network.network} is up.`),
    '',
    ...serversTable(network, c),
    '',
    ...podsTable(network, c),
    '',
    ...loginHelp(network, c),
    '',
    `All of this is in ${c.cyan(networkFile)} while the network runs. ${c.bold('Ctrl-C')} stops it.`,
  ];
}

function serversTable(network: NetworkJson, c: Colors): string[] {
  const rows = [
    ['directory', network.directory.url, network.directory.fqdn],
    ['DNS', `${network.dns.host}:${network.dns.port}`, `authoritative for ${network.network}`],
    ...network.services.map((s) => [
      'service',
      s.url,
      `${s.fqdn}  ${s.name}, id ${s.service_id}, contract version ${s.version}`,
    ]),
    ['root CA', network.root_ca, 'trust only this for every server above and below'],
  ];
  return formatTable(rows, (column, text) =>
    column === 0 ? c.bold(text) : column === 1 ? c.cyan(text) : text,
  );
}

function podsTable(network: NetworkJson, c: Colors): string[] {
  const header = ['pod', 'account id', 'web URL', 'member URL', 'username', 'password file'];
  const rows = network.pods.map((pod) => [
    pod.name,
    pod.account_id,
    webUrlByName(pod),
    pod.member_url,
    pod.username,
    pod.password_file,
  ]);
  const table = formatTable([header, ...rows], (column, text, row) =>
    row === 0 ? c.bold(text) : column === 2 || column === 3 ? c.cyan(text) : text,
  );
  const members = network.pods.flatMap((pod) =>
    pod.memberships.map((m) => `  ${pod.name} is member ${m.member_id} of service ${m.service_id}`),
  );
  return [...table, ...members];
}

/**
 * The web URL with the pod's own name: its certificate names the FQDN, not 127.0.0.1, so that is the
 * URL a browser or curl must use (mapping the FQDN to 127.0.0.1, as the login example shows).
 * network.json keeps the 127.0.0.1 URL that programs connect to.
 */
export function webUrlByName(pod: PodJson): string {
  const url = new URL(pod.web_url);
  url.hostname = pod.fqdn;
  return url.origin;
}

/**
 * Certificates name FQDNs, not 127.0.0.1, so the example tells curl where the FQDN is (`--resolve`)
 * and to trust the network's root: TLS is then verified as a pod verifies it.
 */
function loginHelp(network: NetworkJson, c: Colors): string[] {
  const pod: PodJson | undefined = network.pods[0];
  if (!pod) return [];
  const { port } = new URL(pod.web_url);
  const base = `https://${pod.fqdn}:${port}`;
  const curl = `curl --cacert ${network.root_ca} --resolve ${pod.fqdn}:${port}:127.0.0.1`;
  const body = `"{\\"username\\":\\"${pod.username}\\",\\"password\\":\\"$(head -n1 ${pod.password_file})\\"}"`;
  const service = network.services[0];
  return [
    c.bold(`Log in to ${pod.name} as its owner`) + ' (the same for every pod, with its own names and files):',
    `  ${curl} -H 'content-type: application/json' \\`,
    `    -d ${body} ${base}${POD_PATHS.authToken}`,
    `Then send the auth_token as 'Authorization: Bearer <token>' to ${base}${POD_PATHS.account}` +
      (service
        ? ` or to GraphQL at ${base}${DATA_PATH.replace(':serviceId', String(service.service_id))}`
        : '') +
      '.',
  ];
}

/**
 * Columns padded to their widest cell (measured before styling, since colour codes take no room on
 * screen), two spaces apart, each line indented by two.
 */
export function formatTable(
  rows: readonly (readonly string[])[],
  style: (column: number, text: string, row: number) => string = (_column, text) => text,
): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map(
    (row, r) =>
      '  ' +
      row
        .map((cell, i) => style(i, i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0), r))
        .join('  ')
        .trimEnd(),
  );
}
