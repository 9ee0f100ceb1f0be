/**
 * The pod as its owner uses it (spec §4, §7, §10): log in, join, write and read every class of the
 * contract over HTTPS, manage network links, subscribe; bad tokens and bad requests are refused.
 */
import assert from 'node:assert/strict';
import { randomUUID, generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { serverAudits } from 'graphql-http';
import { SignJWT, UnsecuredJWT } from 'jose';
import { fetch } from 'undici';
import { findClass } from '../../../src/contract/index.js';
import type { DataClass } from '../../../src/contract/index.js';
import type { Requester } from '../../../src/firewall/index.js';
import { memberFqdn } from '../../../src/pki/index.js';
import { readOwnerSigningKey } from '../../../src/pod/auth/owner-key.js';
import {
  filterField,
  readablePart,
  readableSelection,
  sampleInput,
} from '../../fixtures/contract-samples.js';
import {
  codes,
  firstEvent,
  graphql,
  login,
  postJson,
  send,
  tlsAgent,
  withoutNulls,
  wsClient,
} from './pod-clients.js';
import type { PodWorld } from './world.js';

const OWNER: Requester = { kind: 'owner' };

/** The data classes of the addressbook contract (the suite checks that this is all of them). */
const ADDRESSBOOK_CLASSES = [
  'member',
  'person',
  'network_links',
  'network_invites',
  'network_links_inbound',
  'incoming_claims',
  'verified_claims',
  'channels',
  'asset_links',
  'asset_reactions_received',
  'datalogs',
  'incoming_assets',
  'feed_assets',
  'public_assets',
  'service_assets',
  'apps',
  'network_assets',
  'restricted_content_keys',
  'twitter_medias',
  'tweets',
] as const;

export function ownerSuite(world: PodWorld): void {
  describe('pod: owner login (spec §10)', () => {
    it('gives the owner a short-lived ES256 token for the right password', async () => {
      const answer = await login(world.webA, world.podA, world.podA.username, world.podA.password);
      assert.equal(answer.status, 200);
      const body = answer.json as { auth_token: string; expires_at: string };
      const header = JSON.parse(Buffer.from(body.auth_token.split('.')[0]!, 'base64url').toString()) as {
        alg: string;
      };
      assert.equal(header.alg, 'ES256');
      const lifetime = Date.parse(body.expires_at) - Date.now();
      assert.ok(lifetime > 0 && lifetime <= 3600_000, `lifetime ${lifetime}`);
      world.tokenA = body.auth_token;
    });

    it('refuses a wrong password and an unknown user with 401', async () => {
      for (const [username, password] of [
        [world.podA.username, 'wrong password'],
        ['mallory', world.podA.password],
      ] as const) {
        const answer = await login(world.webA, world.podA, username, password);
        assert.equal(answer.status, 401);
        assert.deepEqual((answer.json as { error: { code: string } }).error.code, 'BYODA_ERR_UNAUTHORIZED');
      }
    });

    it('keeps the owner API to the owner', async () => {
      const anonymous = await send(world.webA, `${world.podA.webUrl}/api/v1/pod/account`);
      assert.equal(anonymous.status, 401);
      const owner = await send(world.webA, `${world.podA.webUrl}/api/v1/pod/account`, {
        headers: { authorization: `Bearer ${world.tokenA}` },
      });
      assert.equal(owner.status, 200);
      assert.equal((owner.json as { account_id: string }).account_id, world.podA.accountId);
    });
  });

  describe('pod: joining a service', () => {
    it('joins through the owner API and records the membership', async () => {
      const answer = await postJson(
        world.webA,
        `${world.podA.webUrl}/api/v1/pod/member/service-${world.serviceId}`,
        undefined,
        {
          authorization: `Bearer ${world.tokenA}`,
        },
      );
      assert.equal(answer.status, 201, answer.text);
      const body = answer.json as { member_id: string; fqdn: string; contract_version: number };
      world.memberIdA = body.member_id;
      assert.equal(body.fqdn, memberFqdn('byoda.test', world.serviceId, world.memberIdA));
      assert.equal(body.contract_version, 1);
      const account = await send(world.webA, `${world.podA.webUrl}/api/v1/pod/account`, {
        headers: { authorization: `Bearer ${world.tokenA}` },
      });
      const memberships = (account.json as { memberships: { member_id: string }[] }).memberships;
      assert.deepEqual(
        memberships.map((m) => m.member_id),
        [world.memberIdA],
      );
    });

    it('refuses to join the same service twice (409) and an unknown one (404)', async () => {
      const again = await send(
        world.webA,
        `${world.podA.webUrl}/api/v1/pod/member/service-${world.serviceId}`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${world.tokenA}` },
        },
      );
      assert.equal(again.status, 409);
      const unknown = await send(world.webA, `${world.podA.webUrl}/api/v1/pod/member/service-12345`, {
        method: 'POST',
        headers: { authorization: `Bearer ${world.tokenA}` },
      });
      assert.equal(unknown.status, 404, unknown.text);
    });

    it('serves the membership data cert publicly on both ports, the member port with the member cert', async () => {
      const path = `/api/v1/pod/data-cert/service-${world.serviceId}`;
      const fromWeb = await send(world.webA, `${world.podA.webUrl}${path}`);
      assert.equal(fromWeb.status, 200);
      assert.match(fromWeb.text, /BEGIN CERTIFICATE/);
      const member = tlsAgent(world.rootCaPem, memberFqdn('byoda.test', world.serviceId, world.memberIdA));
      try {
        const fromMember = await send(member, `${world.podA.memberUrl}${path}`);
        assert.equal(fromMember.text, fromWeb.text);
      } finally {
        await member.close();
      }
    });
  });

  describe('pod: every class of the addressbook contract over HTTPS (spec §7)', () => {
    for (const cls of ADDRESSBOOK_CLASSES) {
      it(`writes and reads ${cls}`, async () => {
        const dataClass = findClass(world.contract, cls);
        assert.ok(dataClass, `the contract has ${cls}`);
        if (dataClass.kind === 'object') await exerciseObjectClass(dataClass);
        else if (cls === 'datalogs') await exercisePodKeptClass(dataClass);
        else await exerciseArrayClass(dataClass);
      });
    }

    it('covers every class of the contract', () => {
      const served = world.contract.classes.filter((c) => !c.obsolete).map((c) => c.name);
      assert.deepEqual([...ADDRESSBOOK_CLASSES].sort(), served.sort());
    });
  });

  async function exerciseObjectClass(cls: DataClass): Promise<void> {
    const sample = sampleInput(cls, OWNER, 'update');
    const selection = readableSelection(cls.fields, OWNER);
    const mutation = `mutation($input: ${cls.typeName}_input!) { mutate_${cls.name}(input: $input) { ${selection} } }`;
    if (!sample.ok) {
      // A class with a required field the owner may not write (none in the addressbook since fields
      // inherit the owner's rights per entity; kept for contracts that take them away, spec §6).
      const refused = await world.dataA(mutation, { input: { ...anyInput(cls) } });
      assert.ok(codes(refused).some((c) => c === 'BYODA_ERR_FORBIDDEN' || c === 'BYODA_ERR_BAD_REQUEST'));
      const read = await world.dataA(`{ ${cls.name} { ${selection} } }`);
      assert.deepEqual(read.errors, [], JSON.stringify(read.errors));
      if (cls.name === 'member') {
        // Written by the pod itself at join, below the firewall.
        assert.match(String((read.data?.['member'] as { joined?: string }).joined), /^\d{4}-/);
      }
      return;
    }
    const written = await world.dataA(mutation, { input: sample.input });
    assert.deepEqual(written.errors, [], JSON.stringify(written.errors));
    const read = await world.dataA(`{ ${cls.name} { ${selection} } }`);
    assert.deepEqual(withoutNulls(read.data?.[cls.name]), readablePart(cls.fields, sample.input, OWNER));
  }

  /** Every served field with a sample value, the owner's rights ignored: a write the firewall refuses. */
  function anyInput(cls: DataClass): Record<string, unknown> {
    const all = sampleInput(cls, { kind: 'owner' }, 'update');
    if (all.ok) return all.input;
    const input: Record<string, unknown> = {};
    for (const field of cls.fields) {
      if (field.obsolete || field.type.kind !== 'scalar') continue;
      input[field.name] =
        field.type.scalar === 'uuid'
          ? randomUUID()
          : field.type.scalar === 'date-time'
            ? new Date().toISOString()
            : field.type.scalar === 'string'
              ? 'x'
              : field.type.scalar === 'boolean'
                ? true
                : 1;
    }
    return input;
  }

  /** The data log: the pod writes it (docs/protocol.md, "The owner's data log"), the owner only reads. */
  async function exercisePodKeptClass(cls: DataClass): Promise<void> {
    const sample = sampleInput(cls, OWNER, 'append');
    assert.ok(sample.ok, `an append input for ${cls.name}`);
    const selection = readableSelection(cls.fields, OWNER);
    const appended = await world.dataA(
      `mutation($input: ${cls.typeName}_input!) { append_${cls.name}(input: $input) { ${selection} } }`,
      { input: sample.input },
    );
    assert.deepEqual(codes(appended), ['BYODA_ERR_FORBIDDEN'], appended.text);
    const read = await world.dataA(
      `{ ${cls.name}_connection { total_count edges { node { ${selection} } } } }`,
    );
    assert.deepEqual(read.errors, [], JSON.stringify(read.errors));
  }

  async function exerciseArrayClass(cls: DataClass): Promise<void> {
    const sample = sampleInput(cls, OWNER, 'append');
    assert.ok(sample.ok, `an append input for ${cls.name}`);
    const selection = readableSelection(cls.fields, OWNER);
    const appended = await world.dataA(
      `mutation($input: ${cls.typeName}_input!) { append_${cls.name}(input: $input) { ${selection} } }`,
      { input: sample.input },
    );
    assert.deepEqual(appended.errors, [], JSON.stringify(appended.errors));
    const expected = readablePart(cls.fields, sample.input, OWNER);
    assert.deepEqual(withoutNulls(appended.data?.[`append_${cls.name}`]), expected);

    const key = filterField(cls, OWNER);
    assert.ok(key, `a field to filter ${cls.name} on`);
    const filter = { [key.name]: { eq: sample.input[key.name] } };
    const read = await world.dataA(
      `query($filter: ${cls.typeName}_filter) { ${cls.name}_connection(filter: $filter) {
       total_count edges { origin node { ${selection} } } } ${cls.name}_counter(filter: $filter) }`,
      { filter },
    );
    assert.deepEqual(read.errors, [], JSON.stringify(read.errors));
    const connection = read.data?.[`${cls.name}_connection`] as {
      total_count: number;
      edges: { origin: string; node: unknown }[];
    };
    assert.equal(connection.total_count, 1);
    assert.equal(connection.edges[0]?.origin, world.memberIdA);
    assert.deepEqual(withoutNulls(connection.edges[0]?.node), expected);
    assert.equal(read.data?.[`${cls.name}_counter`], 1);

    const may = (action: string) => (cls.rules.member ?? []).some((p) => p.action === action);
    if (may('update')) {
      const patch = sampleInput(cls, OWNER, 'update');
      assert.ok(patch.ok);
      const updated = await world.dataA(
        `mutation($filter: ${cls.typeName}_filter!, $input: ${cls.typeName}_update_input!) {
         update_${cls.name}(filter: $filter, input: $input) }`,
        { filter, input: { [key.name]: sample.input[key.name] } },
      );
      assert.deepEqual(updated.errors, [], JSON.stringify(updated.errors));
      assert.equal(updated.data?.[`update_${cls.name}`], 1);
    }
    if (may('delete')) {
      const deleted = await world.dataA(
        `mutation($filter: ${cls.typeName}_filter!) { delete_from_${cls.name}(filter: $filter) }`,
        { filter },
      );
      assert.deepEqual(deleted.errors, [], JSON.stringify(deleted.errors));
      assert.equal(deleted.data?.[`delete_from_${cls.name}`], 1);
    }
  }

  describe('pod: network links (spec §6)', () => {
    it('lets the owner append, list and delete network links', async () => {
      const other = randomUUID();
      const appended = await world.dataA(
        `mutation($input: network_link_input!) { append_network_links(input: $input) { member_id relation } }`,
        { input: { member_id: other, relation: 'friend', created_timestamp: new Date().toISOString() } },
      );
      assert.deepEqual(appended.data, { append_network_links: { member_id: other, relation: 'friend' } });
      const listed = await world.dataA(
        `query($id: UUID!) { network_links_connection(filter: {member_id: {eq: $id}}) { total_count } }`,
        { id: other },
      );
      assert.deepEqual(listed.data, { network_links_connection: { total_count: 1 } });
      const deleted = await world.dataA(
        `mutation($id: UUID!) { delete_from_network_links(filter: {member_id: {eq: $id}}) }`,
        { id: other },
      );
      assert.deepEqual(deleted.data, { delete_from_network_links: 1 });
    });
  });

  describe('pod: tokens that are not the owner’s (spec §10)', () => {
    const attempt = (bearer: string) =>
      graphql(world.webA, world.podA.webUrl, world.serviceId, '{ channels_connection { total_count } }', {
        token: bearer,
      });

    it('refuses expired, forged and alg-none tokens and garbage with a JSON 401', async () => {
      const passphrase = (await readFile(join(world.podA.dataDir, 'passphrase'), 'utf8')).trim();
      const key = await readOwnerSigningKey(join(world.podA.dataDir, 'pki', 'owner-jwt.key'), passphrase);
      const now = Math.floor(Date.now() / 1000);
      const claims = new SignJWT({})
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(world.podA.fqdn)
        .setAudience(world.podA.fqdn)
        .setSubject(world.podA.accountId);
      const expired = await claims
        .setIssuedAt(now - 7200)
        .setExpirationTime(now - 3600)
        .sign(key.privateKey);
      const forged = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(world.podA.fqdn)
        .setAudience(world.podA.fqdn)
        .setSubject(world.podA.accountId)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
      const none = new UnsecuredJWT({})
        .setIssuer(world.podA.fqdn)
        .setAudience(world.podA.fqdn)
        .setSubject(world.podA.accountId)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .encode();
      for (const [name, bearer] of Object.entries({ expired, forged, none, garbage: 'not.a.token' })) {
        const answer = await attempt(bearer);
        assert.equal(answer.status, 401, `${name}: ${answer.text}`);
        assert.equal((answer.json as { error: { code: string } }).error.code, 'BYODA_ERR_UNAUTHORIZED', name);
      }
    });
  });

  describe('pod: GraphQL over HTTP', () => {
    it('answers a malformed document with 400 and a coded GraphQL error', async () => {
      const answer = await world.dataA('{ channels_connection { total_count ');
      assert.equal(answer.status, 400);
      assert.equal(answer.data, undefined);
      assert.deepEqual(codes(answer), ['BYODA_ERR_BAD_REQUEST']);
      const legacy = await graphql(world.webA, world.podA.webUrl, world.serviceId, '{ nope }', {
        token: world.tokenA,
        accept: 'application/json',
      });
      // GraphQL-over-HTTP: with application/json a validation failure is still 200, with the error.
      assert.equal(legacy.status, 200);
      assert.deepEqual(codes(legacy), ['BYODA_ERR_BAD_REQUEST']);
    });

    it('refuses a body that is not JSON, and a request without a query, with 400', async () => {
      const url = `${world.podA.webUrl}/api/v1/data/service-${world.serviceId}`;
      const notJson = await send(world.webA, url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${world.tokenA}` },
        body: '{"query": ',
      });
      assert.equal(notJson.status, 400);
      const noQuery = await postJson(
        world.webA,
        url,
        { variables: {} },
        { authorization: `Bearer ${world.tokenA}` },
      );
      assert.equal(noQuery.status, 400);
    });

    it('refuses a body over the limit with 413 and a too large query with a coded error', async () => {
      const url = `${world.podA.webUrl}/api/v1/data/service-${world.serviceId}`;
      // Just over 1 MiB: small enough to be written before the pod answers 413 and closes.
      const query = `{ __typename } #${'x'.repeat(1024 * 1024 + 1024)}`;
      const huge = await postJson(world.webA, url, { query }).catch((err: NodeJS.ErrnoException) => {
        // The pod may close the connection before the client has written everything: refused too.
        assert.ok(['EPIPE', 'ECONNRESET', 'UND_ERR_SOCKET'].includes(err.code ?? ''), String(err));
        return { status: 413 };
      });
      assert.equal(huge.status, 413);
      const tooMany = await world.dataA(
        `{ ${Array.from({ length: 1100 }, (_, i) => `a${i}: __typename`).join(' ')} }`,
      );
      assert.deepEqual(codes(tooMany), ['BYODA_ERR_TOO_LARGE']);
      const page = await world.dataA('{ channels_connection(first: 100000) { total_count } }');
      assert.equal(page.errors.length, 1, 'a page larger than the store allows is refused');
    });

    it('serves queries with GET and refuses mutations over GET with 405', async () => {
      const url = new URL(`${world.podA.webUrl}/api/v1/data/service-${world.serviceId}`);
      url.searchParams.set('query', '{ channels_connection { total_count } }');
      const query = await send(world.webA, url.toString(), {
        headers: { authorization: `Bearer ${world.tokenA}` },
      });
      assert.equal(query.status, 200, query.text);
      url.searchParams.set('query', 'mutation { delete_from_channels(filter: {}) }');
      const mutation = await send(world.webA, url.toString(), {
        headers: { authorization: `Bearer ${world.tokenA}` },
      });
      assert.equal(mutation.status, 405);
    });

    it('allows introspection for the owner only', async () => {
      const owner = await world.dataA('{ __schema { queryType { name } } }');
      assert.deepEqual(owner.data, { __schema: { queryType: { name: 'Query' } } });
      const anonymous = await graphql(
        world.webA,
        world.podA.webUrl,
        world.serviceId,
        '{ __schema { queryType { name } } }',
      );
      assert.deepEqual(codes(anonymous), ['BYODA_ERR_FORBIDDEN']);
    });

    it('passes every MUST of the graphql-http server audit', async () => {
      const fetchFn = (input: string, init: Record<string, unknown> = {}) =>
        fetch(input, {
          ...init,
          headers: {
            ...(init['headers'] as Record<string, string>),
            authorization: `Bearer ${world.tokenA}`,
          },
          dispatcher: world.webA,
        });
      const audits = serverAudits({
        url: `${world.podA.webUrl}/api/v1/data/service-${world.serviceId}`,
        fetchFn,
      });
      const failed: string[] = [];
      for (const audit of audits) {
        const result = await audit.fn();
        if (audit.name.startsWith('MUST') && result.status !== 'ok')
          failed.push(`${audit.name}: ${result.reason}`);
      }
      assert.deepEqual(failed, []);
    });
  });

  describe('pod: subscriptions over graphql-ws (spec §7)', () => {
    it('delivers the owner’s appends to the owner (token in connection_init)', async () => {
      const client = wsClient(world.podA.webUrl, world.serviceId, {
        rootCaPem: world.rootCaPem,
        servername: world.podA.fqdn,
        connectionParams: { authorization: `Bearer ${world.tokenA}` },
      });
      try {
        const event = await firstEvent(
          client,
          'subscription { channels_updates { action node { channel_id } } }',
          () =>
            world.dataA(
              `mutation($input: channel_input!) { append_channels(input: $input) { channel_id } }`,
              {
                input: sampleInputOf('channels'),
              },
            ),
        );
        assert.deepEqual(event.errors, undefined);
        assert.equal(
          (event.data as { channels_updates: { action: string } }).channels_updates.action,
          'append',
        );
      } finally {
        await client.dispose();
      }
    });

    it('refuses an anonymous subscription the contract does not grant', async () => {
      const client = wsClient(world.podA.webUrl, world.serviceId, {
        rootCaPem: world.rootCaPem,
        servername: world.podA.fqdn,
      });
      try {
        const event = await firstEvent(
          client,
          'subscription { network_links_updates { action } }',
          async () => undefined,
        );
        assert.equal(event.errors?.[0]?.extensions?.['code'], 'BYODA_ERR_FORBIDDEN');
      } finally {
        await client.dispose();
      }
    });
  });

  function sampleInputOf(className: string): Record<string, unknown> {
    const cls = findClass(world.contract, className);
    assert.ok(cls);
    const sample = sampleInput(cls, OWNER, 'append');
    assert.ok(sample.ok);
    return sample.input;
  }
}
