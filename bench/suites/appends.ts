/**
 * Appends per second: the owner appending one record a request through GraphQL (`append_network_invites`,
 * a list class without listeners, feeds or search, so that the figure is the write path alone)
 * against the bare server inserting the same request body as a row, each with the same SQLite
 * durability: the pragmas the pod's store opens its file with, read from its source so that the
 * figure always names the setting it was measured with.
 */
import { readFile } from 'node:fs/promises';
import { CONNECTIONS } from '../load/concurrency.js';
import { compare } from '../load/load-generator.js';
import type { LoadSuiteResult } from '../measure.js';
import type { Comparison } from '../stats.js';
import { bareJob, bareServer, benchNetwork, loadGenerator } from '../servers/network.js';

const STORE_SOURCE = new URL('../../src/storage/sqlite/file.ts', import.meta.url);

const APPEND =
  'mutation($input: network_invite_input!) { append_network_invites(input: $input) { member_id } }';

/** `journal_mode=WAL, synchronous=NORMAL`, as the pod's store sets them. */
export async function storeDurability(): Promise<string> {
  const source = await readFile(STORE_SOURCE, 'utf8');
  const pragma = (name: string): string =>
    new RegExp(`pragma\\('${name}\\s*=\\s*(\\w+)'\\)`).exec(source)?.[1] ?? 'the SQLite default';
  return `journal_mode=${pragma('journal_mode')}, synchronous=${pragma('synchronous')}`;
}

export async function appendsSuite(): Promise<LoadSuiteResult> {
  const { a } = await benchNetwork();
  const bare = await bareServer();
  const input = {
    member_id: '__UUID__',
    relation: 'friend',
    created_timestamp: '__NOW__',
    text: 'x'.repeat(100),
  };
  const subject = a.job(APPEND, { input });
  const baseline = bareJob(bare, bare.appendUrl, subject);
  const comparisons: Comparison[] = [];
  for (const connections of CONNECTIONS) {
    comparisons.push(
      await compare(
        loadGenerator(),
        {
          baseline: { name: 'bare https + better-sqlite3 INSERT of the request body', job: baseline },
          subject: { name: 'pod, owner GraphQL append_network_invites', job: subject },
        },
        connections,
      ),
    );
  }
  return {
    benchmark: 'appends/s vs bare',
    comparisons,
    notes: { durability: await storeDurability(), mutation: APPEND },
  };
}
