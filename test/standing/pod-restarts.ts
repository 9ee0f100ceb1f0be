/**
 * Helpers of the durability suite (not a test file): a pod process killed while it starts, the
 * asset ids a pod holds, and `PRAGMA integrity_check` over every SQLite file of a stopped pod's
 * folder.
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Agent } from 'undici';
import { podPaths } from '../../src/pod/index.js';
import { BYODA } from '../fixtures/network-harness.js';
import type { NetworkHarness, PodInfo } from '../fixtures/network-harness.js';
import { graphql } from '../integration/pod/pod-clients.js';

/**
 * Starts the pod of `pod.dataDir` as its own process and kills it with SIGKILL after `delayMs`,
 * whether or not it got as far as serving: a crash in the middle of opening the folder, migrating,
 * or registering at the directory must not leave it unable to start again.
 */
export async function killDuringStartup(net: NetworkHarness, pod: PodInfo, delayMs: number): Promise<void> {
  const { host, port } = net.directory.dns;
  const child = spawn(
    process.execPath,
    [BYODA, 'pod', 'start', '--data', pod.dataDir, '--dns', `${host}:${port}`, '--json'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, delayMs))]);
  child.kill('SIGKILL');
  await exited;
}

export interface OwnerClient {
  readonly agent: Agent;
  readonly token: string;
  readonly serviceId: number;
}

const PAGE =
  'query($after: String) { public_assets_connection(first: 100, after: $after) { ' +
  'edges { node { asset_id } } page_info { end_cursor has_next_page } } }';

interface AssetPage {
  readonly edges: readonly { readonly node: { readonly asset_id: string } }[];
  readonly page_info: { readonly end_cursor: string | null; readonly has_next_page: boolean };
}

/** Every `asset_id` in the pod's `public_assets`, read page by page through the owner's GraphQL. */
export async function readAllAssetIds(client: OwnerClient, pod: PodInfo): Promise<Set<string>> {
  const ids = new Set<string>();
  let after: string | null = null;
  for (;;) {
    const answer = await graphql(client.agent, pod.webUrl, client.serviceId, PAGE, {
      token: client.token,
      variables: after === null ? {} : { after },
    });
    const page = answer.data?.['public_assets_connection'] as AssetPage | undefined;
    if (answer.status !== 200 || !page) throw new Error(`reading the assets failed: ${answer.text}`);
    for (const edge of page.edges) ids.add(edge.node.asset_id);
    if (!page.page_info.has_next_page || page.page_info.end_cursor === null) return ids;
    after = page.page_info.end_cursor;
  }
}

export interface IntegrityResult {
  /** The file's path inside the pod's folder. */
  readonly file: string;
  /** `ok`, or SQLite's list of problems. */
  readonly result: string;
}

/** `PRAGMA integrity_check` of account.db and every memberships/*.db, each opened read-only. */
export async function integrityChecks(dataDir: string): Promise<IntegrityResult[]> {
  const paths = podPaths(dataDir);
  const memberships = (await readdir(paths.membershipsDir)).filter((name) => name.endsWith('.db'));
  const files = [paths.accountDb, ...memberships.map((name) => join(paths.membershipsDir, name))];
  return files.map((file) => {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const rows = db.pragma('integrity_check') as { integrity_check: string }[];
      return {
        file: file.slice(paths.dataDir.length + 1),
        result: rows.map((r) => r.integrity_check).join('; '),
      };
    } finally {
      db.close();
    }
  });
}
