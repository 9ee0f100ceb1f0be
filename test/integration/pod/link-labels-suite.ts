/**
 * The owner's labels for members (docs/protocol.md "Link labels") on pod A's web port: set, replace,
 * list and remove (the lifecycle suite checks later that they outlive a restart), for the owner only
 * and never on the member port; bad input gets 400 naming the field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { MAX_LINK_LABEL_LENGTH } from '../../../src/pod/lifecycle/link-label-ledger.js';
import { send, tlsAgent } from './pod-clients.js';
import type { HttpAnswer } from './pod-clients.js';
import type { PodWorld } from './world.js';

interface LabelJson {
  member_id: string;
  label: string;
  updated_at: string;
}

export function linkLabelsSuite(world: PodWorld): void {
  describe('pod: the owner’s labels for members', () => {
    const base = () => `${world.podA.webUrl}/api/v1/pod/link-labels/service-${world.serviceId}`;
    const auth = () => ({ authorization: `Bearer ${world.tokenA}` });
    const put = (memberId: string, body: unknown, headers: Record<string, string> = auth()) =>
      send(world.webA, `${base()}/${memberId}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const list = async (): Promise<LabelJson[]> => {
      const answer = await send(world.webA, base(), { headers: auth() });
      assert.equal(answer.status, 200, answer.text);
      return (answer.json as { labels: LabelJson[] }).labels;
    };
    const errorOf = (answer: HttpAnswer) =>
      (answer.json as { error?: { code?: string; message?: string } }).error;
    const mum = randomUUID();
    const colleague = randomUUID();

    it('sets, replaces and lists labels, trimmed, for members linked or not', async () => {
      const first = await put(mum, { label: '  Mum ' });
      assert.equal(first.status, 200, first.text);
      assert.equal((first.json as LabelJson).label, 'Mum');
      assert.ok(Date.parse((first.json as LabelJson).updated_at) > 0);
      assert.equal((await put(colleague, { label: 'Jan from work' })).status, 200);
      assert.equal((await put(mum, { label: 'Mam 👩' })).status, 200);
      const labels = await list();
      assert.deepEqual(
        labels.map((l) => [l.member_id, l.label]).sort(),
        [
          [mum, 'Mam 👩'],
          [colleague, 'Jan from work'],
        ].sort(),
      );
    });

    it('removes a label, and answers 404 for one that is not there', async () => {
      const removed = await send(world.webA, `${base()}/${colleague}`, { method: 'DELETE', headers: auth() });
      assert.equal(removed.status, 204, removed.text);
      assert.deepEqual(
        (await list()).map((l) => l.member_id),
        [mum],
      );
      const again = await send(world.webA, `${base()}/${colleague}`, { method: 'DELETE', headers: auth() });
      assert.equal(again.status, 404, again.text);
      assert.match(errorOf(again)?.message ?? '', /memberId/);
    });

    for (const [what, body, field] of [
      ['an empty label', { label: '   ' }, 'body/label'],
      ['a label that is not a string', { label: 42 }, 'body/label'],
      ['a missing label', {}, 'body/label'],
      ['a label too long', { label: 'x'.repeat(MAX_LINK_LABEL_LENGTH + 1) }, 'body/label'],
      ['a control character', { label: 'two\nlines' }, 'body/label'],
      ['an unknown field', { label: 'ok', colour: 'red' }, 'body/colour'],
      ['a body that is not an object', ['Mum'], 'body'],
    ] as const) {
      it(`refuses ${what} with 400 naming ${field}`, async () => {
        const answer = await put(mum, body);
        assert.equal(answer.status, 400, answer.text);
        assert.equal(errorOf(answer)?.code, 'BYODA_ERR_BAD_REQUEST');
        assert.match(errorOf(answer)?.message ?? '', new RegExp(field.replace('body/', '')));
      });
    }

    it('refuses a bad member id, a bad service id and a service the pod is no member of', async () => {
      const badMember = await put('not-a-uuid', { label: 'x' });
      assert.equal(badMember.status, 400, badMember.text);
      assert.match(errorOf(badMember)?.message ?? '', /memberId/);
      const upper = await put(mum.toUpperCase(), { label: 'x' });
      assert.equal(upper.status, 400, upper.text);
      const badService = await send(world.webA, base().replace(/service-\d+$/, 'service-x'), {
        headers: auth(),
      });
      assert.equal(badService.status, 400, badService.text);
      const other = await send(world.webA, base().replace(/service-\d+$/, 'service-12345'), {
        headers: auth(),
      });
      assert.equal(other.status, 404, other.text);
      assert.deepEqual(
        (await list()).map((l) => l.label),
        ['Mam 👩'],
        'nothing changed',
      );
    });

    it('refuses anyone without the owner token, and is not on the member port', async () => {
      const anonymous = await send(world.webA, base());
      assert.equal(anonymous.status, 401, anonymous.text);
      assert.doesNotMatch(anonymous.text, /Mam/);
      const forged = await put(mum, { label: 'Hacked' }, { authorization: 'Bearer not.a.token' });
      assert.equal(forged.status, 401, forged.text);
      const member = tlsAgent(world.rootCaPem, world.memberFqdnA);
      try {
        const answer = await send(
          member,
          `${world.podA.memberUrl}/api/v1/pod/link-labels/service-${world.serviceId}`,
          { headers: auth() },
        );
        assert.equal(answer.status, 404, answer.text);
      } finally {
        await member.close();
      }
      assert.deepEqual(
        (await list()).map((l) => l.label),
        ['Mam 👩'],
      );
    });
  });
}
