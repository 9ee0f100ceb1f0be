/**
 * `HOST:PORT` options of the server commands (`byoda pod start --dns`, `byoda service start --dns`).
 */
import { InvalidArgumentError } from 'commander';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Commander parser of `HOST:PORT` or `[IPv6]:PORT`, port 1 to 65535 (a DNS server to ask). */
export function parseHostPort(text: string): HostPort {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 1 && port <= 65535)) {
    throw new InvalidArgumentError('give the DNS server as HOST:PORT, e.g. 127.0.0.1:5353.');
  }
  return { host: match[1] ?? match[2] ?? '', port };
}
