import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAX_QUERY_DEPTH, findClass, parseContract } from '../../../src/contract/index.js';
import type { Contract, DataClass, Field, FieldType } from '../../../src/contract/index.js';
import { smallContractDocument } from '../../fixtures/contracts.js';
import type { ContractDocument } from '../../fixtures/contracts.js';

type Json = Record<string, unknown>;

function classOf(contract: Contract, name: string): DataClass {
  const found = findClass(contract, name);
  assert.ok(found, `class ${name}`);
  return found;
}

function fieldOf(fields: readonly Field[], name: string): Field {
  const found = fields.find((field) => field.name === name);
  assert.ok(found, `field ${name}`);
  return found;
}

function objectFields(type: FieldType): readonly Field[] {
  if (type.kind === 'object') return type.fields;
  if (type.kind === 'array' && type.items.kind === 'object') return type.items.fields;
  assert.fail(`not an object type: ${type.kind}`);
}

/** The small contract after `change` edits its document. */
function parseWith(change: (doc: ContractDocument, classes: Json, defs: Json) => void): Contract {
  const doc = smallContractDocument();
  const schema = doc.jsonschema as Json;
  change(doc, schema.properties as Json, schema.$defs as Json);
  return parseContract(doc);
}

describe('parseContract', () => {
  describe('top level', () => {
    it('reads the service members of the document', () => {
      const c = parseContract(smallContractDocument());
      assert.equal(c.serviceId, 4242);
      assert.equal(c.version, 1);
      assert.equal(c.name, 'small');
      assert.equal(c.description, 'a small contract for tests');
      assert.equal(c.owner, 'Tester');
      assert.equal(c.website, 'https://small.example/');
      assert.equal(c.supportEmail, 'support@small.example');
      assert.equal(c.maxQueryDepth, 2);
      assert.deepEqual(c.corsOrigins, ['small.example']);
      assert.deepEqual(c.signatures, {});
    });

    it('defaults max_query_depth to 1 and optional members to empty', () => {
      const c = parseWith((doc) => {
        for (const key of [
          'max_query_depth',
          'cors_origins',
          'listen_relations',
          'signatures',
          'description',
        ]) {
          delete doc[key];
        }
      });
      assert.equal(DEFAULT_MAX_QUERY_DEPTH, 1);
      assert.equal(c.maxQueryDepth, 1);
      assert.deepEqual(c.corsOrigins, []);
      assert.deepEqual(c.listenRelations, []);
      assert.deepEqual(c.signatures, {});
      assert.equal('description' in c, false);
    });

    it('accepts the largest service id, 2^32 - 1, and version 0', () => {
      const c = parseWith((doc) => {
        doc.service_id = 4294967295;
        doc.version = 0;
      });
      assert.equal(c.serviceId, 4294967295);
      assert.equal(c.version, 0);
    });

    it('reads listen_relations with lower-cased relations', () => {
      const c = parseContract(smallContractDocument());
      assert.deepEqual(c.listenRelations, [
        { className: 'posts', relations: ['follow'], destinationClass: 'feed', feedClass: 'timeline' },
      ]);
    });

    it('reads signatures', () => {
      const signature = {
        certificate: 'cn',
        hash_algorithm: 'SHA256',
        signature: 'AAEC/+8=',
        timestamp: '2024-01-02T03:04:05Z',
      };
      const c = parseWith((doc) => {
        doc.signatures = { service: signature };
      });
      assert.deepEqual(c.signatures, {
        service: {
          certificate: 'cn',
          hashAlgorithm: 'SHA256',
          signature: 'AAEC/+8=',
          timestamp: '2024-01-02T03:04:05Z',
        },
      });
    });

    it('keeps a copy of the document, frozen, that later edits of the input do not reach', () => {
      const doc = smallContractDocument();
      const c = parseContract(doc);
      doc.name = 'changed';
      assert.equal(c.document.name, 'small');
      assert.ok(Object.isFrozen(c.document));
      assert.throws(() => {
        (c.classes as DataClass[]).push(c.classes[0] as DataClass);
      }, TypeError);
    });
  });

  describe('classes and fields', () => {
    it('reads object and array classes in document order', () => {
      const c = parseContract(smallContractDocument());
      assert.deepEqual(
        c.classes.map((k) => [k.name, k.kind, k.typeName]),
        [
          ['person', 'object', 'person'],
          ['posts', 'array', 'post'],
          ['feed', 'array', 'post'],
          ['timeline', 'array', 'post'],
        ],
      );
      assert.equal(classOf(c, 'person').path, '/jsonschema/properties/person');
    });

    it('resolves "#/schemas/x", "#/$defs/x" and "/schemas/x" to the same $defs type', () => {
      const c = parseContract(smallContractDocument());
      const shapes = ['posts', 'feed', 'timeline'].map((name) => classOf(c, name).fields.map((f) => f.name));
      assert.deepEqual(shapes[0], ['post_id', 'created', 'kind', 'tags', 'likes', 'author', 'co_authors']);
      assert.deepEqual(shapes[1], shapes[0]);
      assert.deepEqual(shapes[2], shapes[0]);
    });

    it('folds string formats uuid and date-time into scalar types and keeps other formats', () => {
      const c = parseContract(smallContractDocument());
      const posts = classOf(c, 'posts');
      assert.deepEqual(fieldOf(posts.fields, 'post_id').type, { kind: 'scalar', scalar: 'uuid' });
      assert.deepEqual(fieldOf(posts.fields, 'created').type, { kind: 'scalar', scalar: 'date-time' });
      const email = fieldOf(classOf(c, 'person').fields, 'email');
      assert.deepEqual(email.type, { kind: 'scalar', scalar: 'string', format: 'email' });
    });

    it('reads integer, number, boolean, enum and arrays of scalars', () => {
      const c = parseWith((_doc, classes) => {
        const person = classes.person as Json;
        Object.assign(person.properties as Json, {
          active: { type: 'boolean' },
          score: { type: 'number', enum: [0.5, 1] },
          ranks: { type: 'array', items: { type: 'integer', enum: [1, 2, 3] } },
          ids: { type: 'array', items: { type: 'string', format: 'uuid' } },
        });
      });
      const person = classOf(c, 'person');
      assert.deepEqual(fieldOf(person.fields, 'age').type, { kind: 'scalar', scalar: 'integer' });
      assert.deepEqual(fieldOf(person.fields, 'active').type, { kind: 'scalar', scalar: 'boolean' });
      assert.deepEqual(fieldOf(person.fields, 'score').type, {
        kind: 'scalar',
        scalar: 'number',
        enum: [0.5, 1],
      });
      assert.deepEqual(fieldOf(person.fields, 'ranks').type, {
        kind: 'array',
        items: { kind: 'scalar', scalar: 'integer', enum: [1, 2, 3] },
      });
      assert.deepEqual(fieldOf(person.fields, 'ids').type, {
        kind: 'array',
        items: { kind: 'scalar', scalar: 'uuid' },
      });
      assert.deepEqual(fieldOf(classOf(c, 'posts').fields, 'kind').type, {
        kind: 'scalar',
        scalar: 'string',
        enum: ['text', 'photo'],
      });
    });

    it('names nested objects: inline ones <parent type>_<field>, $ref ones by their $defs name', () => {
      const c = parseContract(smallContractDocument());
      const address = fieldOf(classOf(c, 'person').fields, 'address');
      assert.equal(address.type.kind === 'object' && address.type.typeName, 'person_address');
      const geo = fieldOf(objectFields(address.type), 'geo');
      assert.equal(geo.type.kind === 'object' && geo.type.typeName, 'person_address_geo');
      const posts = classOf(c, 'posts');
      const author = fieldOf(posts.fields, 'author');
      assert.equal(author.type.kind === 'object' && author.type.typeName, 'author');
      const coAuthors = fieldOf(posts.fields, 'co_authors');
      assert.ok(coAuthors.type.kind === 'array' && coAuthors.type.items.kind === 'object');
      assert.equal(coAuthors.type.items.typeName, 'author');
      assert.equal(
        fieldOf(objectFields(author.type), 'member_id').path,
        '/jsonschema/$defs/author/properties/member_id',
      );
    });

    it('names inline objects in arrays <parent type>_<field> too', () => {
      const c = parseWith((_doc, classes) => {
        const person = classes.person as Json;
        (person.properties as Json).phones = {
          type: 'array',
          items: { type: 'object', properties: { number: { type: 'string' } }, required: ['number'] },
        };
      });
      const phones = fieldOf(classOf(c, 'person').fields, 'phones');
      assert.ok(phones.type.kind === 'array' && phones.type.items.kind === 'object');
      assert.equal(phones.type.items.typeName, 'person_phones');
      assert.equal(fieldOf(phones.type.items.fields, 'number').required, true);
    });

    it('marks required fields, in classes and in $defs types', () => {
      const c = parseContract(smallContractDocument());
      const person = classOf(c, 'person');
      assert.equal(fieldOf(person.fields, 'name').required, true);
      assert.equal(fieldOf(person.fields, 'age').required, false);
      assert.equal(fieldOf(classOf(c, 'posts').fields, 'post_id').required, true);
    });

    it('reads field #properties counter, index and primary_key', () => {
      const posts = classOf(parseContract(smallContractDocument()), 'posts');
      assert.deepEqual(fieldOf(posts.fields, 'post_id').properties, {
        counter: false,
        index: true,
        primaryKey: true,
      });
      assert.deepEqual(fieldOf(posts.fields, 'likes').properties, {
        counter: true,
        index: false,
        primaryKey: false,
      });
      assert.deepEqual(fieldOf(posts.fields, 'tags').properties, {
        counter: false,
        index: false,
        primaryKey: false,
      });
    });

    it('reads class #properties cache_only and cache in pair and string forms', () => {
      const c = parseContract(smallContractDocument());
      assert.deepEqual(classOf(c, 'feed').properties, { cacheOnlySeconds: 2 * 86_400 });
      assert.deepEqual(classOf(c, 'timeline').properties, { cacheOnlySeconds: 604_800, cacheSeconds: 5400 });
      assert.deepEqual(classOf(c, 'person').properties, {});
      const cached = parseWith((_doc, classes) => {
        (classes.posts as Json)['#properties'] = ['cache:30s', ['cache_only', '15m']];
      });
      assert.deepEqual(classOf(cached, 'posts').properties, { cacheSeconds: 30, cacheOnlySeconds: 900 });
    });

    it('reads #obsolete on classes and fields', () => {
      const c = parseWith((_doc, classes, defs) => {
        (classes.feed as Json)['#obsolete'] = true;
        const post = defs.post as Json;
        ((post.properties as Json).tags as Json)['#obsolete'] = true;
        (((classes.person as Json).properties as Json).age as Json)['#obsolete'] = false;
      });
      assert.equal(classOf(c, 'feed').obsolete, true);
      assert.equal(classOf(c, 'posts').obsolete, false);
      assert.equal(fieldOf(classOf(c, 'posts').fields, 'tags').obsolete, true);
      assert.equal(fieldOf(classOf(c, 'person').fields, 'age').obsolete, false);
    });

    it('keeps descriptions of classes and fields; an array class falls back to its type description', () => {
      const c = parseWith((_doc, classes, defs) => {
        (defs.post as Json).description = 'a post';
        (classes.feed as Json).description = 'the feed';
        (((classes.person as Json).properties as Json).age as Json).description = 'in years';
      });
      assert.equal(classOf(c, 'posts').description, 'a post');
      assert.equal(classOf(c, 'feed').description, 'the feed');
      assert.equal(fieldOf(classOf(c, 'person').fields, 'age').description, 'in years');
    });

    it('ignores the harmless annotations of the original contracts', () => {
      const c = parseWith((_doc, classes, defs) => {
        const person = classes.person as Json;
        person.title = 'Person';
        person.$comment = 'why';
        ((person.properties as Json).name as Json as Json).access = 'private';
        (defs.author as Json).$schema = 'https://json-schema.org/draft/2020-12/schema#';
      });
      assert.equal(classOf(c, 'person').fields.length, 4);
    });
  });

  describe('#accesscontrol', () => {
    it('reads the modern form with bare actions and permission objects, with defaults filled in', () => {
      const person = classOf(parseContract(smallContractDocument()), 'person');
      assert.deepEqual(person.rules, {
        member: [
          { action: 'read', sourceSignatureRequired: false },
          { action: 'update', sourceSignatureRequired: false },
        ],
        network: [{ action: 'read', distance: 2, relations: ['friend'], sourceSignatureRequired: false }],
      });
    });

    it('gives network permissions distance 1 unless they say otherwise', () => {
      const posts = classOf(
        parseWith((_doc, classes) => {
          (classes.posts as Json)['#accesscontrol'] = { network: { permissions: ['read'] } };
        }),
        'posts',
      );
      assert.deepEqual(posts.rules.network, [
        { action: 'read', distance: 1, sourceSignatureRequired: false },
      ]);
    });

    it('reads relation as a string or a list, lower-cased and without repeats', () => {
      const posts = classOf(
        parseWith((_doc, classes) => {
          (classes.posts as Json)['#accesscontrol'] = {
            network: { permissions: [{ permission: 'read', relation: ['Friend', 'FRIEND', 'family'] }] },
          };
        }),
        'posts',
      );
      assert.deepEqual(posts.rules.network?.[0]?.relations, ['friend', 'family']);
    });

    it('reads search permissions with match exact and case-insensitive by default', () => {
      const c = parseWith((_doc, classes) => {
        (classes.posts as Json)['#accesscontrol'] = { service: { permissions: ['search'] } };
      });
      assert.deepEqual(classOf(c, 'posts').rules.service, [
        { action: 'search', match: 'exact', caseSensitive: false, sourceSignatureRequired: false },
      ]);
    });

    it('reads every entity, every action and every permission key', () => {
      const c = parseWith((_doc, classes) => {
        (classes.posts as Json)['#accesscontrol'] = {
          member: { permissions: ['read', 'update', 'append', 'delete', 'subscribe'] },
          network: {
            permissions: [
              {
                permission: 'read',
                distance: 3,
                relation: 'friend',
                source_signature_required: true,
                anonimized_responses: true,
              },
            ],
          },
          any_member: { permissions: ['persist'] },
          service: { permissions: [{ permission: 'search', match: 'prefix', casesensitive: true }] },
          anonymous: { permissions: [] },
        };
      });
      const rules = classOf(c, 'posts').rules;
      assert.deepEqual(Object.keys(rules), ['member', 'network', 'any_member', 'service', 'anonymous']);
      assert.deepEqual(rules.network, [
        {
          action: 'read',
          distance: 3,
          relations: ['friend'],
          sourceSignatureRequired: true,
          anonymizedResponses: true,
        },
      ]);
      assert.deepEqual(rules.service, [
        { action: 'search', match: 'prefix', caseSensitive: true, sourceSignatureRequired: false },
      ]);
      assert.deepEqual(rules.anonymous, []);
    });

    it('reads app rules with and without app_ids', () => {
      const reviewer = '3f6c2a1e-8b4d-4c7a-9e21-5d0b7f3a9c14';
      const other = 'b1e7d9c3-2a5f-4e68-8c0d-7f4a1b2e6d35';
      const c = parseWith((_doc, classes) => {
        (classes.posts as Json)['#accesscontrol'] = {
          app: {
            permissions: [
              'read',
              { permission: 'subscribe', app_ids: [reviewer, other] },
              { permission: 'search', app_ids: [reviewer] },
            ],
          },
        };
      });
      assert.deepEqual(classOf(c, 'posts').rules, {
        app: [
          { action: 'read', sourceSignatureRequired: false },
          { action: 'subscribe', sourceSignatureRequired: false, appIds: [reviewer, other] },
          {
            action: 'search',
            sourceSignatureRequired: false,
            match: 'exact',
            caseSensitive: false,
            appIds: [reviewer],
          },
        ],
      });
    });

    it('reads the legacy list of actions as rules of the owner entity "member"', () => {
      const c = parseWith((_doc, classes) => {
        (classes.posts as Json)['#accesscontrol'] = ['read', 'append'];
      });
      assert.deepEqual(classOf(c, 'posts').rules, {
        member: [
          { action: 'read', sourceSignatureRequired: false },
          { action: 'append', sourceSignatureRequired: false },
        ],
      });
    });

    it('reads the legacy list of {entity: [actions]} objects', () => {
      const c = parseWith((_doc, classes) => {
        (classes.posts as Json)['#accesscontrol'] = [
          { member: ['read', 'delete'] },
          { network: [{ permission: 'read', relation: 'Family' }], anonymous: ['read'] },
        ];
      });
      assert.deepEqual(classOf(c, 'posts').rules, {
        member: [
          { action: 'read', sourceSignatureRequired: false },
          { action: 'delete', sourceSignatureRequired: false },
        ],
        network: [{ action: 'read', distance: 1, relations: ['family'], sourceSignatureRequired: false }],
        anonymous: [{ action: 'read', sourceSignatureRequired: false }],
      });
    });

    it('gives a class without #accesscontrol no rules at all (denied to everyone)', () => {
      const c = parseWith((_doc, classes) => {
        delete (classes.posts as Json)['#accesscontrol'];
      });
      const posts = classOf(c, 'posts');
      assert.deepEqual(posts.rules, {});
      assert.deepEqual(fieldOf(posts.fields, 'post_id').rules, {});
    });
  });

  describe('inheritance of rules', () => {
    it('gives fields without their own rules the rules of their class', () => {
      const person = classOf(parseContract(smallContractDocument()), 'person');
      const age = fieldOf(person.fields, 'age');
      assert.equal(age.ownRules, false);
      assert.deepEqual(age.rules, person.rules);
    });

    it("merges a field's own rules per entity: the entities it names get them, the others keep the class's", () => {
      const person = classOf(parseContract(smallContractDocument()), 'person');
      const email = fieldOf(person.fields, 'email');
      assert.equal(email.ownRules, true);
      assert.deepEqual(email.rules, {
        member: person.rules.member,
        network: person.rules.network,
        service: [{ action: 'search', match: 'exact', caseSensitive: true, sourceSignatureRequired: false }],
      });
      assert.equal(person.rules.service, undefined);
    });

    it('replaces the inherited permissions of an entity named in own rules entirely, not adding to them', () => {
      const c = parseWith((_doc, classes) => {
        const person = classes.person as Json;
        person['#accesscontrol'] = {
          member: { permissions: ['read', 'update'] },
          service: { permissions: ['read'] },
          anonymous: { permissions: ['read'] },
        };
        (person.properties as Json).email = {
          type: 'string',
          '#accesscontrol': {
            service: { permissions: ['search'] },
            member: { permissions: ['read'] },
            anonymous: { permissions: [] },
          },
        };
      });
      const person = classOf(c, 'person');
      const email = fieldOf(person.fields, 'email');
      assert.deepEqual(email.rules, {
        member: [{ action: 'read', sourceSignatureRequired: false }],
        service: [{ action: 'search', match: 'exact', caseSensitive: false, sourceSignatureRequired: false }],
        anonymous: [],
      });
      assert.deepEqual(
        person.rules.service?.map((p) => p.action),
        ['read'],
      );
      assert.deepEqual(fieldOf(person.fields, 'name').rules, person.rules);
    });

    it('gives nested fields the rules of their parent field, which inherits from the class', () => {
      const person = classOf(parseContract(smallContractDocument()), 'person');
      const address = fieldOf(person.fields, 'address');
      const geo = fieldOf(objectFields(address.type), 'geo');
      const lat = fieldOf(objectFields(geo.type), 'lat');
      assert.equal(lat.ownRules, false);
      assert.deepEqual(lat.rules, person.rules);
    });

    it("gives nested fields their parent field's merged rules, and merges a nested field's own over them", () => {
      const c = parseWith((_doc, classes) => {
        const address = ((classes.person as Json).properties as Json).address as Json;
        address['#accesscontrol'] = {
          any_member: { permissions: ['read'] },
          network: { permissions: ['read'] },
        };
        const city = (address.properties as Json).city as Json;
        city['#accesscontrol'] = { anonymous: { permissions: ['read'] }, member: { permissions: ['read'] } };
      });
      const person = classOf(c, 'person');
      const address = fieldOf(person.fields, 'address');
      const networkRead = [{ action: 'read', distance: 1, sourceSignatureRequired: false }];
      assert.deepEqual(Object.keys(address.rules), ['member', 'network', 'any_member']);
      assert.deepEqual(address.rules.member, person.rules.member);
      assert.deepEqual(address.rules.network, networkRead);
      const fields = objectFields(address.type);
      const geo = fieldOf(fields, 'geo');
      assert.equal(geo.ownRules, false);
      assert.deepEqual(geo.rules, address.rules);
      const city = fieldOf(fields, 'city');
      assert.equal(city.ownRules, true);
      assert.deepEqual(Object.keys(city.rules), ['member', 'network', 'any_member', 'anonymous']);
      assert.deepEqual(city.rules.member, [{ action: 'read', sourceSignatureRequired: false }]);
      assert.deepEqual(city.rules.network, networkRead);
      assert.deepEqual(city.rules.any_member, address.rules.any_member);
      assert.deepEqual(city.rules.anonymous, [{ action: 'read', sourceSignatureRequired: false }]);
    });

    it('gives the fields of one $defs type the rules of each class that uses it', () => {
      const c = parseContract(smallContractDocument());
      const inPosts = fieldOf(classOf(c, 'posts').fields, 'post_id');
      const inFeed = fieldOf(classOf(c, 'feed').fields, 'post_id');
      assert.deepEqual(Object.keys(inPosts.rules), ['member', 'anonymous']);
      assert.deepEqual(Object.keys(inFeed.rules), ['member']);
      const nick = fieldOf(objectFields(fieldOf(classOf(c, 'posts').fields, 'author').type), 'nick');
      assert.deepEqual(nick.rules, classOf(c, 'posts').rules);
    });
  });

  describe('warnings', () => {
    it('reports unused $defs and ignores them, even when they are not object types', () => {
      const warnings: string[] = [];
      const doc = smallContractDocument();
      const defs = (doc.jsonschema as Json).$defs as Json;
      defs.leftover = { type: 'array', '#accesscontrol': ['read'], items: { $ref: '#/schemas/post' } };
      parseContract(doc, { onWarning: (w) => warnings.push(`${w.path} ${w.message}`) });
      assert.deepEqual(warnings, [
        '/jsonschema/$defs/leftover $defs type "leftover" is not used by any class; it is ignored',
      ]);
    });

    it('says nothing about a clean contract', () => {
      const warnings: unknown[] = [];
      parseContract(smallContractDocument(), { onWarning: (w) => warnings.push(w) });
      assert.deepEqual(warnings, []);
    });
  });
});
