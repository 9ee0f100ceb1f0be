/**
 * A pod over time: it follows a new contract version (spec §5), comes back after a restart with its
 * memberships, data and DNS records current, and survives a login storm (spec §10) still serving.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { byodaSrvName, createResolver } from '../../../src/dns/index.js';
import { sharedContractPath } from '../../fixtures/contracts.js';
import { runByodaJson } from '../../fixtures/network-harness.js';
import { Agent } from 'undici';
import { login, postJson, send } from './pod-clients.js';
import type { PodWorld } from './world.js';

export function lifecycleSuite(world: PodWorld): void {
  const upgrade = () =>
    postJson(
      world.webA,
      `${world.podA.webUrl}/api/v1/pod/member/service-${world.serviceId}/upgrade`,
      undefined,
      {
        authorization: `Bearer ${world.tokenA}`,
      },
    );

  describe('pod: upgrading a membership (spec §5)', () => {
    it('follows a new contract version the service publishes, keeping the data', async () => {
      const before = await world.dataA('{ network_links_connection { total_count } }');
      const file = join(world.net.root, 'addressbook-v2.json');
      await writeFile(file, JSON.stringify(await addressbookWithNotes()));
      await runByodaJson(['service', 'publish', file, '--data', world.net.service.dataDir]);
      const answer = await upgrade();
      assert.equal(answer.status, 200, answer.text);
      const outcome = answer.json as Record<string, unknown>;
      assert.deepEqual(
        [outcome['from_version'], outcome['to_version'], outcome['upgraded'], outcome['added_classes']],
        [1, 2, true, ['notes']],
      );
      const after = await world.dataA(
        '{ notes_connection { total_count } network_links_connection { total_count } }',
      );
      assert.deepEqual(after.errors, []);
      assert.deepEqual(after.data?.['network_links_connection'], before.data?.['network_links_connection']);
    });

    it('changes nothing when it already follows the newest version', async () => {
      const answer = await upgrade();
      assert.equal((answer.json as { upgraded: boolean }).upgraded, false);
    });
  });

  describe('pod: restart', () => {
    it('reopens its memberships and data on new ports, and publishes them at the directory', async () => {
      const marker = randomUUID();
      const written = await world.dataA(
        `mutation($input: network_link_input!) { append_network_links(input: $input) { member_id } }`,
        { input: { member_id: marker, relation: 'family', created_timestamp: new Date().toISOString() } },
      );
      assert.deepEqual(written.errors, []);
      await world.net.restartPod(world.podA);
      await world.renewWebAgent();
      const read = await world.dataA(
        `query($id: UUID!) { network_links_connection(filter: {member_id: {eq: $id}}) { total_count }
           notes_connection { total_count } }`,
        { id: marker },
      );
      assert.deepEqual(read.errors, [], 'the token survives a restart: the signing key is the same');
      assert.deepEqual(read.data?.['network_links_connection'], { total_count: 1 });
      // The owner's labels for members (link-labels-suite.ts) are in account.db: they outlive it too.
      const labels = await send(
        world.webA,
        `${world.podA.webUrl}/api/v1/pod/link-labels/service-${world.serviceId}`,
        { headers: { authorization: `Bearer ${world.tokenA}` } },
      );
      assert.equal(labels.status, 200, labels.text);
      assert.ok((labels.json as { labels: unknown[] }).labels.length > 0, labels.text);
      const resolver = createResolver(world.net.directory.dns);
      const [member] = await resolver.resolveSrv(byodaSrvName(world.memberFqdnA));
      assert.equal(member?.port, Number(new URL(world.podA.memberUrl).port));
      const [account] = await resolver.resolveSrv(byodaSrvName(world.podA.fqdn));
      assert.equal(account?.port, Number(new URL(world.podA.webUrl).port));
    });
  });

  describe('pod: login rate limit (spec §10)', () => {
    it('backs a guessing address off with 429 and Retry-After, without locking the owner out', async () => {
      const { podA } = world;
      // A stranger on another loopback address; its failures are its own (docs/protocol.md, "Owner
      // login and its limits"), and they outlive the restart above.
      const stranger = new Agent({
        localAddress: '127.0.0.2',
        connect: { ca: world.rootCaPem, servername: podA.fqdn },
      });
      try {
        let last = await login(stranger, podA, podA.username, 'wrong password');
        for (let i = 0; i < 6 && last.status !== 429; i++) {
          last = await login(stranger, podA, podA.username, 'wrong password');
        }
        assert.equal(last.status, 429);
        assert.equal((last.json as { error: { code: string } }).error.code, 'BYODA_ERR_RATE_LIMITED');
        assert.ok(Number(last.headers['retry-after']) > 0);
        const right = await login(stranger, podA, podA.username, podA.password);
        assert.equal(right.status, 429, 'even the right password waits on that address');
        const owner = await login(world.webA, podA, podA.username, podA.password);
        assert.equal(owner.status, 200, 'the owner, from their own address, is not held');
      } finally {
        await stranger.close();
      }
    });

    it('keeps serving after all of it', async () => {
      assert.ok(world.podA.process.running);
      assert.ok(world.podB.process.running);
      const answer = await world.dataA('{ channels_connection { total_count } }');
      assert.deepEqual(answer.errors, []);
    });
  });
}

/** Version 2 of the addressbook: one class more (spec §5: a new version may only add). */
async function addressbookWithNotes(): Promise<Record<string, unknown>> {
  const doc = JSON.parse(await readFile(sharedContractPath('addressbook'), 'utf8')) as {
    version: number;
    jsonschema: { properties: Record<string, unknown> };
  };
  doc.version = 2;
  doc.jsonschema.properties['notes'] = {
    type: 'array',
    '#accesscontrol': { member: { permissions: ['read', 'append'] } },
    items: { $ref: '/schemas/network_link' },
  };
  return doc;
}
