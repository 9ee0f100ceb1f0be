/**
 * What the owner may do per class (docs/protocol.md "Owner capabilities"), as the web app asks it:
 * `GET /api/v1/pod/capabilities/service-<id>` on pod A's web port, for its owner only; and the
 * JSON Schema formats of the contract checked on writes, with an error that names the field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codes, send, tlsAgent } from './pod-clients.js';
import type { PodWorld } from './world.js';

interface ClassJson {
  name: string;
  kind: string;
  actions: string[];
  managed_by_pod: boolean;
  fields: { path: string; actions: string[] }[];
  formats: { path: string; format: string }[];
}

export function capabilitiesSuite(world: PodWorld): void {
  describe('pod: the owner capabilities of a membership', () => {
    const url = () => `${world.podA.webUrl}/api/v1/pod/capabilities/service-${world.serviceId}`;

    it("gives the owner each class's actions from the contract, the pod's own classes marked", async () => {
      const answer = await send(world.webA, url(), { headers: { authorization: `Bearer ${world.tokenA}` } });
      assert.equal(answer.status, 200, answer.text);
      const body = answer.json as { service_name: string; classes: ClassJson[] };
      assert.equal(body.service_name, world.contract.name);
      const byName = new Map(body.classes.map((c) => [c.name, c]));
      // The shared addressbook: `member` is read and update for the owner, no delete.
      assert.deepEqual(byName.get('member')?.actions, ['read', 'update']);
      assert.equal(byName.get('member')?.managed_by_pod, true);
      assert.deepEqual(byName.get('person')?.actions, ['read', 'update', 'delete']);
      assert.equal(byName.get('person')?.managed_by_pod, false);
      // listen_relations fills incoming_assets and feed_assets: the pod's, not the owner's to fill.
      assert.equal(byName.get('incoming_assets')?.managed_by_pod, true);
      assert.equal(byName.get('feed_assets')?.managed_by_pod, true);
      // The data log: the contract grants the owner read, delete, append; the pod leaves read only.
      assert.deepEqual(byName.get('datalogs')?.actions, ['read']);
      assert.equal(byName.get('datalogs')?.managed_by_pod, true);
      assert.ok(byName.get('network_links')?.actions.includes('append'));
      assert.deepEqual(
        byName.get('person')?.formats.find((f) => f.path === 'email'),
        { path: 'email', format: 'idn-email' },
      );
      assert.equal(byName.size, world.contract.classes.filter((c) => !c.obsolete).length);
    });

    it('refuses anyone without the owner token (401) and a malformed token', async () => {
      const anonymous = await send(world.webA, url());
      assert.equal(anonymous.status, 401);
      const forged = await send(world.webA, url(), { headers: { authorization: 'Bearer not.a.token' } });
      assert.equal(forged.status, 401);
      assert.doesNotMatch(forged.text, /"classes"/);
    });

    it('answers 404 for a service the pod is not a member of and 400 for a bad id', async () => {
      const auth = { authorization: `Bearer ${world.tokenA}` };
      const unknown = await send(world.webA, url().replace(/service-\d+$/, 'service-12345'), {
        headers: auth,
      });
      assert.equal(unknown.status, 404, unknown.text);
      const bad = await send(world.webA, url().replace(/service-\d+$/, 'service-x1'), { headers: auth });
      assert.equal(bad.status, 400, bad.text);
    });

    it('is not on the member port, not even with the owner token', async () => {
      const member = tlsAgent(world.rootCaPem, world.memberFqdnA);
      try {
        const answer = await send(
          member,
          `${world.podA.memberUrl}/api/v1/pod/capabilities/service-${world.serviceId}`,
          { headers: { authorization: `Bearer ${world.tokenA}` } },
        );
        assert.equal(answer.status, 404, answer.text);
      } finally {
        await member.close();
      }
    });

    it('refuses an email field that is not an email address, naming the field', async () => {
      const answer = await world.dataA(
        'mutation ($i: person_input!) { mutate_person(input: $i) { email } }',
        { i: { given_name: 'Ada', family_name: 'One', email: 'not-an-email' } },
      );
      assert.deepEqual(codes(answer), ['BYODA_ERR_VALUE']);
      assert.match(JSON.stringify(answer.errors), /person\.email: expected an email address/);
    });
  });
}
