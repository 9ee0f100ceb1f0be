/**
 * Identity confirmation claims (docs/protocol.md, "Apps and claims"), on the network of
 * review-app.test.ts, with an identity app (`byoda app init --kind identity`) beside the review app.
 *
 *   Of the shared addressbook's classes, those whose records carry both a `member_id` and `claims` are
 *   the ones other members write into the owner's pod: `network_invites` ("the member who sent the
 *   invite"; the pod refuses a `member_id` other than the sender's). So B asks the identity app to
 *   confirm its invite to A (`member_id` is B's own), keeps the claim in its `verified_claims`, and
 *   sends the invite with the claim to A's pod. A's pod verifies it against the identity app's data
 *   cert, and its owner keeps only confirmed invites with `trusted_claim: "identity:confirmed"` once
 *   the owner trusts the identity app.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Agent } from 'undici';
import type { OwnerSession } from '../federation/owner-session.js';
import { postJson } from '../pod/pod-clients.js';

export interface IdentityWorld {
  /** A: receives the invite, verifies and filters. */
  readonly reader: () => OwnerSession;
  /** B: asks the identity app, keeps the claim, sends the invite. */
  readonly member: () => OwnerSession;
  readonly app: () => { readonly appId: string; readonly url: string };
  /** To the identity app with B's member TLS cert. */
  readonly memberAgent: () => Agent;
}

interface CheckView {
  readonly issuer_id: string | null;
  readonly claims: string[];
  readonly verified: boolean;
  readonly trusted: boolean;
  readonly reason: string | null;
}

interface InviteEdge {
  readonly node: { readonly member_id: string; readonly text: string };
  readonly claims: CheckView[];
}

const INVITES =
  'query($trusted: String) { network_invites_connection(trusted_claim: $trusted) ' +
  '{ edges { node { member_id text } claims { issuer_id claims verified trusted reason } } } }';

const SEND_INVITE =
  'mutation($input: network_invite_input!, $to: UUID) { ' +
  'append_network_invites(input: $input, remote_member_id: $to) { member_id } }';

export function identitySuite(world: IdentityWorld): void {
  describe('identity confirmation claims', () => {
    const confirmedText = 'B here: an invite whose sender an identity app confirmed';
    const plainText = 'B here: an invite without a confirmation';
    let confirmation: Record<string, unknown> | undefined;
    const invite = (memberId: string, text: string): Record<string, unknown> => ({
      created_timestamp: new Date().toISOString(),
      member_id: memberId,
      relation: 'friend',
      text,
    });
    const ask = (record: Record<string, unknown>, keyfield = 'member_id') =>
      postJson(world.memberAgent(), `${world.app().url}/api/v1/app/claims`, {
        object_type: 'network_invites',
        keyfield,
        record,
      });
    const invitesOfReader = async (trusted?: string): Promise<InviteEdge[]> => {
      const data = await world.reader().data(INVITES, trusted ? { trusted } : {});
      return (data['network_invites_connection'] as { edges: InviteEdge[] }).edges;
    };

    it('confirms the member’s own record, which the member keeps and sends with its invite', async () => {
      const b = world.member();
      const record = invite(b.memberId, confirmedText);
      const answer = await ask(record);
      assert.equal(answer.status, 200, answer.text);
      const { claim } = answer.json as { claim: Record<string, unknown> };
      assert.deepEqual(claim['claims'], ['identity:confirmed']);
      assert.equal(claim['issuer_id'], world.app().appId);
      assert.equal(claim['keyfield'], 'member_id');
      assert.equal(claim['keyfield_id'], b.memberId);
      assert.equal(claim['requester_id'], b.memberId);
      assert.deepEqual(claim['object_fields'], ['created_timestamp', 'member_id', 'relation', 'text']);
      confirmation = claim;
      // B keeps the claim in its own pod, then sends the invite carrying it to A's pod.
      await b.data('mutation($input: claim_input!) { append_verified_claims(input: $input) { claim_id } }', {
        input: claim,
      });
      const kept = await b.data('{ verified_claims_connection { edges { node { claim_id claims } } } }');
      assert.deepEqual(
        (kept['verified_claims_connection'] as { edges: { node: unknown }[] }).edges.map((e) => e.node),
        [{ claim_id: claim['claim_id'], claims: ['identity:confirmed'] }],
      );
      await b.data(SEND_INVITE, { input: { ...record, claims: [claim] }, to: world.reader().memberId });
      await b.data(SEND_INVITE, { input: invite(b.memberId, plainText), to: world.reader().memberId });
    });

    it('refuses to confirm a record naming another member, or keyed by another field', async () => {
      const other = await ask(invite(world.reader().memberId, 'B pretending to be A'));
      assert.equal(other.status, 400, other.text);
      assert.match(other.text, /body\/record\/member_id/);
      assert.match(other.text, /member_id must be its own/);
      const otherKey = await ask({ asset_id: world.member().memberId, title: 'x' }, 'asset_id');
      assert.equal(otherKey.status, 400, otherKey.text);
      assert.match(otherKey.text, /body\/record\/member_id/);
    });

    it('is verified by the other member’s pod, which filters on it once its owner trusts the app', async () => {
      const edges = await invitesOfReader();
      const confirmed = edges.find((edge) => edge.node.text === confirmedText);
      assert.equal(confirmed?.node.member_id, world.member().memberId);
      assert.deepEqual(confirmed?.claims, [
        {
          issuer_id: world.app().appId,
          claims: ['identity:confirmed'],
          verified: true,
          trusted: false,
          reason: null,
        },
      ]);
      assert.deepEqual(edges.find((edge) => edge.node.text === plainText)?.claims, []);
      // A trusts the review app (the review suite), not yet the identity app: nothing is kept.
      assert.deepEqual(await invitesOfReader('identity:confirmed'), []);
      await world.reader().data('mutation($input: app_input!) { append_apps(input: $input) { app_id } }', {
        input: { app_id: world.app().appId, app_type: 'identity', status: 'active' },
      });
      const kept = await invitesOfReader('identity:confirmed');
      assert.deepEqual(
        kept.map((edge) => edge.node.text),
        [confirmedText],
      );
      assert.equal(kept[0]?.claims[0]?.trusted, true);
    });

    it('does not verify on another member’s invite it was copied onto', async () => {
      assert.ok(confirmation, 'the first test got a claim');
      const a = world.reader();
      const b = world.member();
      const copied = { ...invite(a.memberId, confirmedText), claims: [confirmation] };
      await a.data(SEND_INVITE, { input: copied, to: b.memberId });
      const data = await b.data(INVITES, {});
      const edge = (data['network_invites_connection'] as { edges: InviteEdge[] }).edges.find(
        (e) => e.node.member_id === a.memberId,
      );
      assert.equal(edge?.claims[0]?.verified, false);
      assert.match(
        edge?.claims[0]?.reason ?? '',
        new RegExp(`about member_id ${b.memberId}, not this record`),
      );
    });

    it('no longer verifies once the confirmed record changed', async () => {
      await world
        .reader()
        .data(
          'mutation($text: String!) { update_network_invites(filter: {text: {eq: $text}}, input: {relation: "family"}) }',
          { text: confirmedText },
        );
      const changed = (await invitesOfReader()).find((edge) => edge.node.text === confirmedText);
      assert.equal(changed?.claims[0]?.verified, false);
      assert.match(changed?.claims[0]?.reason ?? '', /changed/);
      assert.deepEqual(await invitesOfReader('identity:confirmed'), []);
    });
  });
}
