import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findClass, loadContractFile } from '../../../src/contract/index.js';
import type { Contract, DataClass, Field, Permission } from '../../../src/contract/index.js';
import { SHARED_CONTRACTS, loadSharedContract, sharedContractPath } from '../../fixtures/contracts.js';

function classOf(contract: Contract, name: string): DataClass {
  const found = findClass(contract, name);
  assert.ok(found, `class ${name} exists`);
  return found;
}

function fieldOf(fields: readonly Field[], name: string): Field {
  const found = fields.find((field) => field.name === name);
  assert.ok(found, `field ${name} exists`);
  return found;
}

function only<T>(list: readonly T[] | undefined): T {
  assert.equal(list?.length, 1);
  return (list as readonly T[])[0] as T;
}

describe('the original BYODA contracts', () => {
  for (const name of SHARED_CONTRACTS) {
    it(`loads ${name}.json`, async () => {
      const contract = await loadSharedContract(name);
      assert.ok(contract.classes.length >= 2);
      assert.ok(Object.isFrozen(contract) && Object.isFrozen(contract.classes[0]));
    });
  }

  describe('addressbook', () => {
    it('has the service facts of the document', async () => {
      const c = await loadSharedContract('addressbook');
      assert.equal(c.serviceId, 4294929430);
      assert.equal(c.version, 1);
      assert.equal(c.name, 'addressbook');
      assert.equal(c.owner, 'Steven Hessing');
      assert.equal(c.supportEmail, 'steven@byoda.org');
      assert.equal(c.website, 'https://addressbook.byoda.org/');
      assert.equal(c.maxQueryDepth, 5);
      assert.equal(c.corsOrigins.length, 6);
      assert.deepEqual(c.signatures, {});
      assert.deepEqual(c.listenRelations, [
        {
          className: 'public_assets',
          relations: ['follow', 'subscribe'],
          destinationClass: 'incoming_assets',
          feedClass: 'feed_assets',
        },
      ]);
    });

    it('lists every class in document order with its kind and type name', async () => {
      const c = await loadSharedContract('addressbook');
      assert.deepEqual(
        c.classes.map((k) => `${k.name}:${k.kind}:${k.typeName}`),
        [
          'member:object:member',
          'person:object:person',
          'network_links:array:network_link',
          'network_invites:array:network_invite',
          'network_links_inbound:array:network_link_inbound',
          'incoming_claims:array:claim',
          'verified_claims:array:claim',
          'channels:array:channel',
          'asset_links:array:asset_link',
          'asset_reactions_received:array:asset_reaction',
          'datalogs:array:datalog',
          'incoming_assets:array:asset',
          'feed_assets:array:asset',
          'public_assets:array:asset',
          'service_assets:array:asset',
          'apps:array:app',
          'network_assets:array:asset',
          'restricted_content_keys:array:restricted_content_key',
          'twitter_medias:array:twitter_media',
          'tweets:array:tweet',
        ],
      );
    });

    it("reads person's network rule: read at distance 1 for friend and family, signed", async () => {
      const person = classOf(await loadSharedContract('addressbook'), 'person');
      const rule = only(person.rules.network);
      assert.deepEqual(rule, {
        action: 'read',
        distance: 1,
        relations: ['friend', 'family'],
        sourceSignatureRequired: true,
      });
      assert.deepEqual(
        person.rules.member?.map((p) => p.action),
        ['read', 'update', 'delete'],
      );
      assert.deepEqual(
        person.rules.service?.map((p) => p.action),
        ['read'],
      );
      assert.equal(person.rules.anonymous, undefined);
    });

    it("reads person.email's own search rule: exact, case-insensitive", async () => {
      const person = classOf(await loadSharedContract('addressbook'), 'person');
      const email = fieldOf(person.fields, 'email');
      assert.equal(email.ownRules, true);
      assert.deepEqual(email.type, { kind: 'scalar', scalar: 'string', format: 'idn-email' });
      assert.equal(email.required, true);
      const search: Permission = only(email.rules.service);
      assert.deepEqual(search, {
        action: 'search',
        match: 'exact',
        caseSensitive: false,
        sourceSignatureRequired: false,
      });
      // Per-entity merge: the owner keeps the class's read/update/delete, the network its read, and
      // the service's class-level read is replaced by the field's search.
      assert.deepEqual(Object.keys(email.rules), ['member', 'service', 'network']);
      assert.deepEqual(
        email.rules.member?.map((p) => p.action),
        ['read', 'update', 'delete'],
      );
      assert.deepEqual(email.rules.member, person.rules.member);
      assert.deepEqual(email.rules.network, person.rules.network);
      const given = fieldOf(person.fields, 'given_name');
      assert.equal(given.ownRules, false);
      assert.equal(given.rules, person.rules);
    });

    it("merges member.member_id's own persist rules with the class's owner read/update", async () => {
      const member = classOf(await loadSharedContract('addressbook'), 'member');
      assert.deepEqual(Object.keys(member.rules), ['member']);
      const memberId = fieldOf(member.fields, 'member_id');
      assert.equal(memberId.ownRules, true);
      assert.deepEqual(memberId.rules, {
        member: [
          { action: 'read', sourceSignatureRequired: false },
          { action: 'update', sourceSignatureRequired: false },
        ],
        service: [{ action: 'persist', sourceSignatureRequired: false }],
        any_member: [{ action: 'persist', sourceSignatureRequired: false }],
      });
      const versions = fieldOf(member.fields, 'schema_versions');
      assert.deepEqual(
        Object.fromEntries(Object.entries(versions.rules).map(([e, ps]) => [e, ps.map((p) => p.action)])),
        { member: ['read', 'update'], service: ['persist'], any_member: ['read'] },
      );
    });

    it('reads cache_only in both spellings: incoming_assets 3 days, feed_assets 1 week', async () => {
      const c = await loadSharedContract('addressbook');
      assert.deepEqual(classOf(c, 'incoming_assets').properties, { cacheOnlySeconds: 3 * 86_400 });
      assert.deepEqual(classOf(c, 'feed_assets').properties, { cacheOnlySeconds: 7 * 86_400 });
      assert.deepEqual(classOf(c, 'public_assets').properties, {});
    });

    it('reads network_links items from $defs/network_link through "#/schemas/network_link"', async () => {
      const links = classOf(await loadSharedContract('addressbook'), 'network_links');
      assert.equal(links.kind, 'array');
      assert.equal(links.typeName, 'network_link');
      assert.deepEqual(
        links.fields.map((f) => [f.name, f.type.kind === 'scalar' ? f.type.scalar : f.type.kind, f.required]),
        [
          ['created_timestamp', 'date-time', true],
          ['member_id', 'uuid', true],
          ['relation', 'string', true],
          ['annotations', 'array', false],
          ['last_health_api_success', 'number', false],
        ],
      );
      assert.equal(fieldOf(links.fields, 'relation').properties.counter, true);
      assert.equal(
        fieldOf(links.fields, 'member_id').path,
        '/jsonschema/$defs/network_link/properties/member_id',
      );
    });

    it('resolves "/schemas/claim" refs in fields to nested claim objects with their properties', async () => {
      const assets = classOf(await loadSharedContract('addressbook'), 'public_assets');
      const claims = fieldOf(assets.fields, 'claims');
      assert.equal(claims.type.kind, 'array');
      assert.ok(claims.type.kind === 'array' && claims.type.items.kind === 'object');
      const claim = claims.type.items;
      assert.equal(claim.typeName, 'claim');
      const claimId = fieldOf(claim.fields, 'claim_id');
      assert.deepEqual(claimId.properties, { counter: true, index: true, primaryKey: true });
      const issuerType = fieldOf(claim.fields, 'issuer_type');
      assert.deepEqual(issuerType.type, {
        kind: 'scalar',
        scalar: 'string',
        enum: ['member', 'service', 'app', 'network'],
      });
      assert.equal(fieldOf(claim.fields, 'issuer').obsolete, true);
      // Nested fields inherit the rules of the class through the array field.
      assert.equal(fieldOf(claim.fields, 'claim_id').rules, assets.rules);
    });

    it('keeps obsolete fields and the anonymized network rule of network_assets', async () => {
      const c = await loadSharedContract('addressbook');
      assert.equal(fieldOf(classOf(c, 'member').fields, 'supported_schema_version').obsolete, true);
      const rule = only(classOf(c, 'network_assets').rules.network);
      assert.equal(rule.distance, 3);
      assert.equal(rule.anonymizedResponses, true);
    });

    it('reports the $defs that no class uses as warnings', async () => {
      const warnings: string[] = [];
      await loadContractFile(sharedContractPath('addressbook'), { onWarning: (w) => warnings.push(w.path) });
      assert.deepEqual(warnings, [
        '/jsonschema/$defs/messages',
        '/jsonschema/$defs/message',
        '/jsonschema/$defs/annotation',
        '/jsonschema/$defs/twitter_account',
      ]);
    });
  });

  describe('byotube', () => {
    it('lists its classes, the rules of settings.email_address and cache_only', async () => {
      const c = await loadSharedContract('byotube');
      assert.equal(c.serviceId, 16384);
      assert.equal(c.name, 'BYO.Tube');
      assert.equal(c.classes.length, 17);
      const settings = classOf(c, 'settings');
      assert.equal(settings.kind, 'object');
      const email = fieldOf(settings.fields, 'email_address');
      assert.equal(email.ownRules, true);
      assert.deepEqual(Object.keys(email.rules), ['member', 'service']);
      assert.deepEqual(
        email.rules.member?.map((p) => p.action),
        ['read', 'update', 'delete', 'subscribe'],
      );
      assert.deepEqual(
        email.rules.service?.map((p) => p.action),
        ['read'],
      );
      assert.deepEqual(settings.rules.service, undefined);
      assert.equal(classOf(c, 'messages').typeName, 'message');
      assert.equal(classOf(c, 'private_messages').typeName, 'message');
      assert.deepEqual(classOf(c, 'feed_assets').properties, { cacheOnlySeconds: 604_800 });
    });

    it('reads arrays of uuids (payment_option.accepted_payment_provider_ids)', async () => {
      const c = await loadSharedContract('byotube');
      const assets = classOf(c, 'public_assets');
      const monetizations = fieldOf(assets.fields, 'monetizations');
      assert.ok(monetizations.type.kind === 'array' && monetizations.type.items.kind === 'object');
      const monetization = monetizations.type.items;
      assert.equal(monetization.typeName, 'monetization');
      const options = fieldOf(monetization.fields, 'payment_options');
      assert.ok(options.type.kind === 'array' && options.type.items.kind === 'object');
      const ids = fieldOf(options.type.items.fields, 'accepted_payment_provider_ids');
      assert.deepEqual(ids.type, { kind: 'array', items: { kind: 'scalar', scalar: 'uuid' } });
    });
  });

  describe('the dummy test contracts', () => {
    it('read the legacy ["read"] form as a member permission', async () => {
      const c = await loadSharedContract('dummy-service-schema');
      assert.equal(c.serviceId, 0);
      assert.equal(c.version, 0);
      assert.equal(c.maxQueryDepth, 1, 'the default when max_query_depth is absent');
      assert.deepEqual(classOf(c, 'member').rules, {
        member: [{ action: 'read', sourceSignatureRequired: false }],
      });
      assert.deepEqual(
        classOf(c, 'person').rules.member?.map((p) => p.action),
        ['read', 'update', 'delete'],
      );
      assert.equal(c.signatures.network?.certificate, 'network.network-data.byoda.net');
      assert.equal(c.signatures.service?.hashAlgorithm, 'SHA256');
    });

    it('type string fields without a format as plain strings', async () => {
      const c = await loadSharedContract('dummy-service-schema');
      const member = classOf(c, 'member');
      assert.deepEqual(fieldOf(member.fields, 'member_id').type, { kind: 'scalar', scalar: 'string' });
      assert.deepEqual(fieldOf(member.fields, 'joined').type, { kind: 'scalar', scalar: 'date-time' });
    });

    it('drop, with a warning, the listen relation of the unsigned one that names missing classes', async () => {
      const warnings: string[] = [];
      const c = await loadContractFile(sharedContractPath('dummy-unsigned-service-schema'), {
        onWarning: (w) => warnings.push(`${w.path}: ${w.message}`),
      });
      assert.equal(c.serviceId, 12345678);
      assert.equal(c.maxQueryDepth, 5);
      assert.deepEqual(c.listenRelations, []);
      assert.deepEqual(warnings, [
        '/listen_relations/0: listen relation ignored: no class named "public_assets", "incoming_assets"',
      ]);
    });
  });
});
