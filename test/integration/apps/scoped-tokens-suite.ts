/**
 * Scoped tokens (docs/protocol.md, "Scoped tokens"), on the network of review-app.test.ts: B's owner
 * grants a front end a token for `public_assets` read; it reads only that, is refused everything else
 * (another class, another action, another membership, the owner's own API), and stops working when
 * revoked and when expired. Every endpoint refuses bad input and anyone but the owner.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Agent } from 'undici';
import type { PodInfo } from '../../fixtures/network-harness.js';
import { codes, graphql, postJson, send } from '../pod/pod-clients.js';

export interface ScopedTokenWorld {
  readonly pod: () => PodInfo;
  readonly agent: () => Agent;
  readonly ownerToken: () => string;
  readonly serviceId: () => number;
}

const TOKENS = '/api/v1/pod/tokens';

export function scopedTokensSuite(world: ScopedTokenWorld): void {
  describe('scoped tokens for third-party front ends', () => {
    const owner = () => ({ authorization: `Bearer ${world.ownerToken()}` });
    const grant = (body: unknown, headers: Record<string, string> = owner()) =>
      postJson(world.agent(), `${world.pod().webUrl}${TOKENS}`, body, headers);
    const ask = (token: string, query: string) =>
      graphql(world.agent(), world.pod().webUrl, world.serviceId(), query, { token });
    let readToken = '';
    let readTokenId = '';

    it('is granted by the owner for named classes and actions, and listed without the token', async () => {
      const answer = await grant({
        service_id: world.serviceId(),
        classes: ['public_assets'],
        actions: ['read'],
        label: 'photo frame',
      });
      assert.equal(answer.status, 201, answer.text);
      const body = answer.json as { token: string; token_id: string; expires_at: string };
      readToken = body.token;
      readTokenId = body.token_id;
      assert.match(readToken, /^st\./);
      const list = await send(world.agent(), `${world.pod().webUrl}${TOKENS}`, { headers: owner() });
      assert.equal(list.status, 200, list.text);
      const tokens = (list.json as { tokens: Record<string, unknown>[] }).tokens;
      const listed = tokens.find((t) => t['token_id'] === readTokenId);
      assert.deepEqual(listed?.['classes'], ['public_assets']);
      assert.equal(listed?.['label'], 'photo frame');
      assert.doesNotMatch(list.text, new RegExp(readToken.replace('.', '\\.')));
    });

    it('reads what it grants, and nothing outside its scope', async () => {
      const allowed = await ask(readToken, '{ public_assets_connection { total_count } }');
      assert.deepEqual(allowed.errors, [], allowed.text);
      const otherClass = await ask(readToken, '{ network_links_connection { total_count } }');
      assert.deepEqual(codes(otherClass), ['BYODA_ERR_FORBIDDEN'], otherClass.text);
      assert.match(otherClass.text, /covers only the classes public_assets/);
      const otherAction = await ask(readToken, 'mutation { delete_from_public_assets(filter: {}) }');
      assert.deepEqual(codes(otherAction), ['BYODA_ERR_FORBIDDEN'], otherAction.text);
      assert.match(otherAction.text, /grants only read/);
      const otherMembership = await send(
        world.agent(),
        `${world.pod().webUrl}/api/v1/data/service-${world.serviceId() + 1}`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${readToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ public_assets_connection { total_count } }' }),
        },
      );
      assert.equal(otherMembership.status, 404, otherMembership.text);
      // The owner's own API takes the owner's token alone.
      const account = await send(world.agent(), `${world.pod().webUrl}/api/v1/pod/account`, {
        headers: { authorization: `Bearer ${readToken}` },
      });
      assert.equal(account.status, 401, account.text);
      const selfGrant = await grant(
        { service_id: world.serviceId(), classes: ['network_links'], actions: ['read'] },
        { authorization: `Bearer ${readToken}` },
      );
      assert.equal(selfGrant.status, 401, selfGrant.text);
      // Owner-only features stay the owner's: no proxying through the pod.
      const proxied = await ask(
        readToken,
        '{ public_assets_connection(remote_member_id: "6f1c1f9e-1b1e-4c47-9d2e-0c8f4b1a2b3c") { total_count } }',
      );
      assert.deepEqual(codes(proxied), ['BYODA_ERR_FORBIDDEN'], proxied.text);
    });

    it('stops working when revoked', async () => {
      const url = `${world.pod().webUrl}${TOKENS}/${readTokenId}`;
      const byToken = await send(world.agent(), url, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${readToken}` },
      });
      assert.equal(byToken.status, 401, byToken.text);
      const revoked = await send(world.agent(), url, { method: 'DELETE', headers: owner() });
      assert.equal(revoked.status, 204, revoked.text);
      const after = await ask(readToken, '{ public_assets_connection { total_count } }');
      assert.equal(after.status, 401, after.text);
      const again = await send(world.agent(), url, { method: 'DELETE', headers: owner() });
      assert.equal(again.status, 404, again.text);
    });

    it('stops working when it expires', async () => {
      const answer = await grant({
        service_id: world.serviceId(),
        classes: ['public_assets'],
        actions: ['read'],
        expires_in_s: 1,
      });
      assert.equal(answer.status, 201, answer.text);
      const { token, expires_at: expiresAt } = answer.json as { token: string; expires_at: string };
      const first = await ask(token, '{ public_assets_connection { total_count } }');
      // Issued on a whole second's edge it may already be over; otherwise it works until then.
      if (Date.now() < Date.parse(expiresAt)) assert.deepEqual(first.errors, [], first.text);
      const deadline = Date.parse(expiresAt) + 2_000;
      let status = 0;
      while (Date.now() < deadline) {
        status = (await ask(token, '{ public_assets_connection { total_count } }')).status;
        if (status === 401) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(status, 401);
    });

    it('refuses bad input on every endpoint, and anyone but the owner', async () => {
      const base = { service_id: world.serviceId(), classes: ['public_assets'], actions: ['read'] };
      const cases: [unknown, RegExp][] = [
        [{ ...base, classes: ['no_such_class'] }, /classes\/0/],
        [{ ...base, classes: [] }, /classes/],
        [{ ...base, actions: ['search'] }, /actions/],
        [{ ...base, expires_in_s: 0 }, /expires_in_s/],
        [{ ...base, expires_in_s: 31 * 24 * 3600 }, /expires_in_s/],
        [{ classes: ['public_assets'], actions: ['read'] }, /service_id/],
        ['not an object', /body/],
      ];
      for (const [body, field] of cases) {
        const answer = await grant(body);
        assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${answer.text}`);
        assert.match(answer.text, field);
      }
      const notMember = await grant({ ...base, service_id: 12345 });
      assert.equal(notMember.status, 404, notMember.text);
      const anonymous = await grant(base, {});
      assert.equal(anonymous.status, 401, anonymous.text);
      const list = await send(world.agent(), `${world.pod().webUrl}${TOKENS}`);
      assert.equal(list.status, 401, list.text);
      const badId = await send(world.agent(), `${world.pod().webUrl}${TOKENS}/not-a-uuid`, {
        method: 'DELETE',
        headers: owner(),
      });
      assert.equal(badId.status, 400, badId.text);
      const forged = await ask(
        'st.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        '{ public_assets_connection { total_count } }',
      );
      assert.equal(forged.status, 401, forged.text);
    });
  });
}
