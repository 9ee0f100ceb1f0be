/**
 * The owner's data log (docs/protocol.md, "The owner's data log"), on the network of
 * review-app.test.ts, after the other suites ran against B's pod: B's `datalogs` hold their allowed
 * and denied requests, by requester kind (owner, member, app, delegate, anonymous), and only B's owner
 * reads them; nobody writes them, B's owner included.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Agent } from 'undici';
import type { PodInfo } from '../../fixtures/network-harness.js';
import type { OwnerSession } from '../federation/owner-session.js';
import { codes, graphql } from '../pod/pod-clients.js';

export interface DataLogWorld {
  /** B: the pod whose log is read. */
  readonly owner: () => OwnerSession;
  readonly pod: () => PodInfo;
  /** A member of the service other than B (A's member TLS), on B's member port. */
  readonly memberAgent: () => Agent;
  /** No client certificate, on B's web port. */
  readonly anonymousAgent: () => Agent;
  readonly serviceId: () => number;
}

interface Row {
  readonly remote_id_type: string;
  readonly remote_id: string | null;
  readonly operation: string;
  readonly object: string;
  readonly message: string;
  readonly remote_addr: string;
  readonly created_timestamp: string;
}

const ROWS =
  'query($kind: String!) { datalogs_connection(first: 100, filter: {remote_id_type: {eq: $kind}}) ' +
  '{ edges { node { remote_id_type remote_id operation object message remote_addr created_timestamp } } } }';

/** Flushes come within a second (DEFAULT_DATALOG_SETTINGS.flushMs); wait for the rows `wanted` names. */
async function rowsUntil(
  owner: OwnerSession,
  kind: string,
  wanted: (rows: readonly Row[]) => boolean,
): Promise<readonly Row[]> {
  let rows: readonly Row[] = [];
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const data = await owner.data(ROWS, { kind });
    rows = (data['datalogs_connection'] as { edges: { node: Row }[] }).edges.map((edge) => edge.node);
    if (wanted(rows)) return rows;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`no such ${kind} rows in the data log: ${JSON.stringify(rows)}`);
}

const has =
  (object: string, operation: string, outcome: 'allowed' | 'denied', id?: string) =>
  (rows: readonly Row[]): boolean =>
    rows.some(
      (row) =>
        row.object === object &&
        row.operation === operation &&
        row.message.split(' ')[0] === outcome &&
        (id === undefined || row.remote_id === id),
    );

export function datalogSuite(world: DataLogWorld): void {
  describe('the owner’s data log', () => {
    it('holds the allowed and denied requests of the owner, members, apps, delegates and strangers', async () => {
      const owner = world.owner();
      const member = await graphql(
        world.memberAgent(),
        world.pod().memberUrl,
        world.serviceId(),
        '{ network_links_connection { total_count } }',
      );
      assert.deepEqual(codes(member), ['BYODA_ERR_FORBIDDEN'], member.text);
      const anonymous = await graphql(
        world.anonymousAgent(),
        world.pod().webUrl,
        world.serviceId(),
        '{ network_links_connection { total_count } }',
      );
      assert.deepEqual(codes(anonymous), ['BYODA_ERR_FORBIDDEN'], anonymous.text);
      await owner.data('{ public_assets_connection { total_count } }');

      const owners = await rowsUntil(owner, 'owner', has('public_assets', 'read', 'allowed'));
      assert.equal(owners[0]?.remote_id, null);
      assert.match(owners[0]?.remote_addr ?? '', /^127\.0\.0\.1$/);
      assert.ok(!Number.isNaN(Date.parse(owners[0]?.created_timestamp ?? '')));
      const members = await rowsUntil(owner, 'member', has('network_links', 'read', 'denied'));
      // A's pod read B's assets for A's owner (the review suite): allowed, under A's member id.
      assert.ok(has('public_assets', 'read', 'allowed')(members), JSON.stringify(members));
      await rowsUntil(owner, 'app', (rows) =>
        [has('public_assets', 'read', 'allowed'), has('network_links', 'read', 'denied')].every((f) =>
          f(rows),
        ),
      );
      await rowsUntil(owner, 'delegate', (rows) =>
        [has('public_assets', 'read', 'allowed'), has('network_links', 'read', 'denied')].every((f) =>
          f(rows),
        ),
      );
      // Anonymous clients read public assets (the review suite) and are refused the network links.
      await rowsUntil(owner, 'anonymous', (rows) =>
        [has('public_assets', 'read', 'allowed'), has('network_links', 'read', 'denied')].every((f) =>
          f(rows),
        ),
      );
    });

    it('is read by the owner only', async () => {
      const member = await graphql(
        world.memberAgent(),
        world.pod().memberUrl,
        world.serviceId(),
        '{ datalogs_connection { total_count } }',
      );
      assert.deepEqual(codes(member), ['BYODA_ERR_FORBIDDEN'], member.text);
      assert.match(member.text, /data log is kept by the pod/);
      const anonymous = await graphql(
        world.anonymousAgent(),
        world.pod().webUrl,
        world.serviceId(),
        '{ datalogs_connection { total_count } }',
      );
      assert.deepEqual(codes(anonymous), ['BYODA_ERR_FORBIDDEN'], anonymous.text);
      // The refusals are in the log too, for the owner to see.
      await rowsUntil(world.owner(), 'anonymous', has('datalogs', 'read', 'denied'));
    });

    it('is written by nobody through the API, the owner included', async () => {
      const owner = world.owner();
      const append = await owner.query(
        'mutation { append_datalogs(input: {created_timestamp: "2026-01-01T00:00:00Z", remote_addr: "1.2.3.4", operation: "read", object: "person"}) { object } }',
      );
      assert.deepEqual(codes(append), ['BYODA_ERR_FORBIDDEN'], append.text);
      const wipe = await owner.query('mutation { delete_from_datalogs(filter: {}) }');
      assert.deepEqual(codes(wipe), ['BYODA_ERR_FORBIDDEN'], wipe.text);
      const rows = await rowsUntil(owner, 'owner', has('datalogs', 'delete', 'denied'));
      assert.ok(rows.length > 0);
    });

    it('refuses a bad filter, naming the field', async () => {
      const bad = await world
        .owner()
        .query('{ datalogs_connection(filter: {no_such_field: {eq: "x"}}) { total_count } }');
      assert.ok(bad.errors.length > 0, bad.text);
      assert.match(bad.text, /no_such_field/);
    });
  });
}
