/**
 * Helpers of the feed and cache tests with real pod processes (not a test file): variants of the
 * project's example contract with short cache times (tests cannot wait days), an owner's asset and
 * reads of a class, a pod's rows read straight from its SQLite file, and waiting for a condition.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { podPaths } from '../../../src/pod/index.js';
import { EXAMPLE_CONTRACT, connectionOf, podLogLines } from '../federation/owner-session.js';
import type { PodInfo } from '../../fixtures/network-harness.js';
import { graphql, ownerToken, tlsAgent } from '../pod/pod-clients.js';

type Json = Record<string, unknown>;

/** Whoever can ask a pod's GraphQL as its owner: an `OwnerSession`, or an `OwnerReader`. */
export interface OwnerQueries {
  data(query: string, variables?: Json): Promise<Json>;
}

/** The owner of an already joined pod, logged in on its web port (e.g. after a restart). */
export interface OwnerReader extends OwnerQueries {
  close(): Promise<void>;
}

export async function ownerReader(pod: PodInfo, rootCaPem: string, serviceId: number): Promise<OwnerReader> {
  const agent = tlsAgent(rootCaPem, pod.fqdn);
  const token = await ownerToken(agent, pod);
  return {
    async data(query, variables) {
      const answer = await graphql(agent, pod.webUrl, serviceId, query, {
        token,
        ...(variables ? { variables } : {}),
      });
      assert.deepEqual(answer.errors, [], `${pod.name}: ${answer.text}`);
      assert.ok(answer.data, `${pod.name}: no data in ${answer.text}`);
      return answer.data;
    },
    close: () => agent.close(),
  };
}

/** Waits for `condition` to give a value (generous: the machine runs other tests too). */
export async function waitFor<T>(
  what: string,
  condition: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<T> {
  const giveUp = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined) return value;
    if (Date.now() > giveUp) assert.fail(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * The example contract (contracts/addressbook.json) changed by `change`, written to a temporary file:
 * its path. The service signs it when it starts, as it does the original.
 */
export async function writeContractVariant(change: (document: Json) => void): Promise<string> {
  const document = JSON.parse(await readFile(EXAMPLE_CONTRACT, 'utf8')) as Json;
  change(document);
  const dir = await mkdtemp(join(tmpdir(), 'byoda-contract-'));
  const path = join(dir, 'addressbook-variant.json');
  await writeFile(path, JSON.stringify(document, null, 2));
  return path;
}

/** The document's data classes (`jsonschema.properties`), to change in place. */
export function classesOf(document: Json): Record<string, Json> {
  const schema = document['jsonschema'] as Json;
  return schema['properties'] as Record<string, Json>;
}

/** Sets a class's `cache_only` time, e.g. `"4s"`. */
export function setCacheOnly(document: Json, className: string, duration: string): void {
  const cls = classesOf(document)[className];
  assert.ok(cls, `no class ${className}`);
  cls['#properties'] = [['cache_only', duration]];
}

/** Appends an asset to the owner's `public_assets`; its asset id. */
export async function publishAsset(owner: OwnerQueries, title: string): Promise<string> {
  const assetId = randomUUID();
  await owner.data('mutation($input: asset_input!) { append_public_assets(input: $input) { asset_id } }', {
    input: { asset_id: assetId, created_timestamp: new Date().toISOString(), asset_type: 'note', title },
  });
  return assetId;
}

export interface AssetEdge {
  readonly origin: string | null;
  readonly assetId: string;
  readonly title: string | undefined;
}

/** The owner's read of an asset class (first page of 100, enough for these tests). */
export async function readAssets(owner: OwnerQueries, className: string): Promise<AssetEdge[]> {
  const field = `${className}_connection`;
  const data = await owner.data(`{ ${field}(first: 100) { edges { origin node { asset_id title } } } }`);
  return connectionOf(data, field).edges.map((edge) => ({
    origin: edge.origin,
    assetId: String(edge.node['asset_id']),
    title: typeof edge.node['title'] === 'string' ? edge.node['title'] : undefined,
  }));
}

/** The asset with `assetId` in the owner's read of `className`, or undefined. */
export async function findAsset(
  owner: OwnerQueries,
  className: string,
  assetId: string,
): Promise<AssetEdge | undefined> {
  return (await readAssets(owner, className)).find((edge) => edge.assetId === assetId);
}

/** A row as the pod's SQLite file holds it (bookkeeping columns included). */
export interface StoredRow {
  readonly origin: string | null;
  readonly expiresAt: string | null;
}

/** The membership's SQLite file of a pod (`<data>/memberships/service-<S>.db`). */
export function membershipDb(dataDir: string, serviceId: number): string {
  return join(podPaths(dataDir).membershipsDir, `service-${serviceId}.db`);
}

/**
 * The rows of `className` with `assetId`, read from the file directly (read-only), whatever the pod
 * serves: so a test sees whether an expired row has left the disk, not only the reads.
 */
export function storedRows(dbFile: string, className: string, assetId: string): StoredRow[] {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(`SELECT _origin AS origin, _expires_at AS expiresAt FROM "${className}" WHERE asset_id = ?`)
      .all(assetId) as StoredRow[];
    return rows;
  } finally {
    db.close();
  }
}

/** The pod's log lines with `msg` (and the given fields), e.g. `feed subscribed` for a member. */
export async function logLinesOf(dataDir: string, msg: string, fields: Json = {}): Promise<Json[]> {
  return (await podLogLines(dataDir)).filter(
    (line) => line['msg'] === msg && Object.entries(fields).every(([key, value]) => line[key] === value),
  );
}

/**
 * How many times the follower's log says it subscribed to `memberId`'s `public_assets` for the listen
 * relation into `destination` (default: the example contract's `incoming_assets`).
 */
export async function subscriptionCount(
  dataDir: string,
  memberId: string,
  destination = 'incoming_assets',
): Promise<number> {
  const fields = { class: 'public_assets', member_id: memberId, destination };
  return (await logLinesOf(dataDir, 'feed subscribed', fields)).length;
}

/** Waits until the follower's log says it subscribed to `memberId`'s pod (at least `count` times). */
export async function waitForSubscription(
  dataDir: string,
  memberId: string,
  count = 1,
  destination = 'incoming_assets',
): Promise<void> {
  await waitFor(`feed subscription ${count} to ${memberId} for ${destination}`, async () =>
    (await subscriptionCount(dataDir, memberId, destination)) >= count ? true : undefined,
  );
}
