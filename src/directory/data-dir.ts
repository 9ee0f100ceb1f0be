/**
 * The directory's data folder. Everything the directory keeps is under one folder, so that a network
 * is moved, backed up or thrown away as a whole:
 *
 * | path            | what                                                         |
 * |-----------------|--------------------------------------------------------------|
 * | `pki/`          | the network PKI (src/pki/network-pki.ts), keys encrypted      |
 * | `directory.db`  | accounts, services, memberships (SQLite, WAL)                  |
 * | `dns.db`        | the DNS zone (SQLite, WAL)                                     |
 * | `passphrase`    | local networks only: the generated key passphrase (mode 0600)  |
 * | `logs/`         | the server's JSON log lines                                    |
 */
import { join, resolve } from 'node:path';

export interface DirectoryPaths {
  readonly dataDir: string;
  readonly pkiDir: string;
  readonly rootCa: string;
  readonly database: string;
  readonly dnsDatabase: string;
  readonly passphrase: string;
  readonly logFile: string;
}

export function directoryPaths(dataDir: string): DirectoryPaths {
  const root = resolve(dataDir);
  const pkiDir = join(root, 'pki');
  return {
    dataDir: root,
    pkiDir,
    rootCa: join(pkiDir, 'root-ca.pem'),
    database: join(root, 'directory.db'),
    dnsDatabase: join(root, 'dns.db'),
    passphrase: join(root, 'passphrase'),
    logFile: join(root, 'logs', 'directory.log'),
  };
}
