import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByodaError } from '../../../src/errors/index.js';
import { assertCompatible, diffContracts, parseContract } from '../../../src/contract/index.js';
import type { Contract, ContractChange } from '../../../src/contract/index.js';
import { loadSharedContract, smallContractDocument } from '../../fixtures/contracts.js';
import type { ContractDocument } from '../../fixtures/contracts.js';

type Json = Record<string, unknown>;

const OLD = parseContract(smallContractDocument());

/** Version 2 of the small contract, after `change` edits it. */
function nextVersion(
  change: (doc: ContractDocument, classes: Json, defs: Json) => void = () => undefined,
): Contract {
  const doc = smallContractDocument();
  doc.version = 2;
  const schema = doc.jsonschema as Json;
  change(doc, schema.properties as Json, schema.$defs as Json);
  return parseContract(doc);
}

function props(node: unknown): Json {
  return (node as Json).properties as Json;
}

function kinds(changes: readonly ContractChange[]): string[] {
  return changes.map((change) => `${change.kind} ${change.where}`);
}

describe('diffContracts', () => {
  it('accepts the same contract with a greater version and nothing else changed', () => {
    const diff = diffContracts(OLD, nextVersion());
    assert.equal(diff.compatible, true);
    assert.deepEqual([diff.additions, diff.changes, diff.problems], [[], [], []]);
    assert.equal(diff.oldVersion, 1);
    assert.equal(diff.newVersion, 2);
  });

  it('accepts a version that adds a class, a field, a nested field and a $defs field', () => {
    const newC = nextVersion((_doc, classes, defs) => {
      classes.bookmarks = { type: 'array', items: { $ref: '#/schemas/author' } };
      props(classes.person).nickname = { type: 'string' };
      props(props(classes.person).address).zip = { type: 'string' };
      props(defs.author).avatar = { type: 'string', format: 'uri' };
    });
    const diff = diffContracts(OLD, newC);
    assert.equal(diff.compatible, true);
    assert.deepEqual(diff.problems, []);
    assert.deepEqual(kinds(diff.additions), [
      'field-added person.address.zip',
      'field-added person.nickname',
      'field-added posts.author.avatar',
      'field-added posts.co_authors.avatar',
      'field-added feed.author.avatar',
      'field-added feed.co_authors.avatar',
      'field-added timeline.author.avatar',
      'field-added timeline.co_authors.avatar',
      'class-added bookmarks',
    ]);
    assert.doesNotThrow(() => assertCompatible(OLD, newC));
  });

  it('lists allowed non-additive changes without refusing them', () => {
    const newC = nextVersion((doc, classes, defs) => {
      doc.max_query_depth = 3;
      (classes.posts as Json)['#accesscontrol'] = { member: { permissions: ['read'] } };
      (classes.feed as Json)['#properties'] = [['cache_only', '5d']];
      (props(classes.person).age as Json)['#obsolete'] = true;
      (props(defs.post).likes as Json)['#properties'] = ['counter', 'index'];
      props(defs.post).kind = { type: 'string', enum: ['text', 'photo', 'video'] };
      (props(classes.person).email as Json).format = 'idn-email';
    });
    const diff = diffContracts(OLD, newC);
    assert.equal(diff.compatible, true);
    assert.deepEqual(kinds(diff.changes).slice(0, 5), [
      'max-query-depth-changed max_query_depth',
      'format-changed person.email',
      'obsolete-changed person.age',
      'access-changed posts',
      'enum-widened posts.kind',
    ]);
    assert.ok(kinds(diff.changes).includes('properties-changed feed'));
    assert.ok(kinds(diff.changes).includes('properties-changed posts.likes'));
  });

  it('does not take a reordering of rules for a change', () => {
    const newC = nextVersion((_doc, classes) => {
      (classes.posts as Json)['#accesscontrol'] = {
        anonymous: { permissions: ['read'] },
        member: { permissions: ['read', 'append', 'delete'] },
      };
    });
    assert.deepEqual(diffContracts(OLD, newC).changes, []);
  });

  it("reports a change of a field's own rules, or of whether it has any, as a change of that field", () => {
    const newC = nextVersion((_doc, classes) => {
      const fields = props(classes.person);
      (fields.email as Json)['#accesscontrol'] = {
        service: { permissions: [{ permission: 'search', match: 'exact', casesensitive: true }] },
        member: { permissions: ['read'] },
      };
      (fields.age as Json)['#accesscontrol'] = { member: { permissions: ['read'] } };
      (props(fields.address).city as Json)['#accesscontrol'] = { anonymous: { permissions: ['read'] } };
    });
    const diff = diffContracts(OLD, newC);
    assert.equal(diff.compatible, true);
    assert.deepEqual(kinds(diff.changes), [
      'access-changed person.email',
      'access-changed person.age',
      'access-changed person.address.city',
    ]);
  });

  it('reports a class rule change once, not again for fields whose own rules do not name the entity', () => {
    const newC = nextVersion((_doc, classes) => {
      // person.email names only `service`: its `member` rules follow the class, like every other field's.
      (classes.person as Json)['#accesscontrol'] = {
        member: { permissions: ['read'] },
        network: { permissions: [{ permission: 'read', distance: 2, relation: 'Friend' }] },
        service: { permissions: ['read'] },
      };
    });
    const diff = diffContracts(OLD, newC);
    assert.deepEqual(kinds(diff.changes), ['access-changed person']);
    const email = newC.classes[0]?.fields.find((field) => field.name === 'email');
    assert.deepEqual(
      email?.rules.member?.map((p) => p.action),
      ['read'],
    );
    assert.deepEqual(
      email?.rules.service?.map((p) => p.action),
      ['search'],
    );
  });

  const problems: readonly {
    readonly name: string;
    readonly change: (doc: ContractDocument, classes: Json, defs: Json) => void;
    readonly expect: readonly string[];
    readonly says: RegExp;
  }[] = [
    {
      name: 'a changed service_id',
      change: (d) => (d.service_id = 7),
      expect: ['service-id-changed service_id'],
      says: /service_id changed from 4242 to 7/,
    },
    {
      name: 'a version that is not greater',
      change: (d) => (d.version = 1),
      expect: ['version-not-greater version'],
      says: /version 1 is not greater than the old version 1/,
    },
    {
      name: 'a removed class',
      change: (_d, c) => delete c.timeline,
      expect: ['class-removed timeline'],
      says: /class "timeline" was removed/,
    },
    {
      name: 'a removed field',
      change: (_d, c) => delete props(c.person).age,
      expect: ['field-removed person.age'],
      says: /field "person.age" was removed/,
    },
    {
      name: 'a removed nested field',
      change: (_d, c) => delete props(props(c.person).address).city,
      expect: ['field-removed person.address.city'],
      says: /field "person.address.city" was removed/,
    },
    {
      name: 'a changed field type',
      change: (_d, c) => (props(c.person).age = { type: 'string' }),
      expect: ['type-changed person.age'],
      says: /field "person.age" changed type from integer to string/,
    },
    {
      name: 'a string that became a uuid',
      change: (_d, c) => (props(c.person).name = { type: 'string', format: 'uuid' }),
      expect: ['type-changed person.name'],
      says: /from string to uuid/,
    },
    {
      name: 'a scalar that became an array',
      change: (_d, c) => (props(c.person).age = { type: 'array', items: { type: 'integer' } }),
      expect: ['type-changed person.age'],
      says: /from integer to \[integer\]/,
    },
    {
      name: 'an object class that became an array class',
      change: (_d, c) => (c.person = { type: 'array', items: { $ref: '#/schemas/author' } }),
      expect: ['class-kind-changed person'],
      says: /class "person" changed from object to array/,
    },
    {
      name: 'an array class holding another item type',
      change: (d, c) => {
        (c.timeline as Json).items = { $ref: '#/schemas/author' };
        delete ((d.listen_relations as Json[])[0] as Json).feed_class;
      },
      expect: ['type-changed timeline'],
      says: /changed its item type from post to author/,
    },
    {
      name: 'a field that became required',
      change: (_d, c) => ((c.person as Json).required = ['name', 'age']),
      expect: ['became-required person.age'],
      says: /became required/,
    },
    {
      name: 'a narrowed enum',
      change: (_d, _c, defs) => (props(defs.post).kind = { type: 'string', enum: ['text'] }),
      expect: ['enum-narrowed posts.kind', 'enum-narrowed feed.kind', 'enum-narrowed timeline.kind'],
      says: /no longer allows "photo"/,
    },
    {
      name: 'a moved primary key',
      change: (_d, _c, defs) => {
        (props(defs.post).post_id as Json)['#properties'] = ['index'];
        (props(defs.post).created as Json)['#properties'] = ['primary_key'];
      },
      expect: [
        'primary-key-changed posts.post_id',
        'primary-key-changed posts.created',
        'primary-key-changed feed.post_id',
        'primary-key-changed feed.created',
        'primary-key-changed timeline.post_id',
        'primary-key-changed timeline.created',
      ],
      says: /field "posts.post_id" is no longer the primary key/,
    },
    {
      name: 'a new required field',
      change: (_d, c) => {
        props(c.person).nick = { type: 'string' };
        (c.person as Json).required = ['name', 'nick'];
      },
      expect: ['required-field-added person.nick'],
      says: /new field "person.nick" is required, but existing records lack it/,
    },
  ];

  for (const problem of problems) {
    it(`refuses ${problem.name}`, () => {
      const newC = nextVersion(problem.change);
      const diff = diffContracts(OLD, newC);
      assert.equal(diff.compatible, false);
      assert.deepEqual(kinds(diff.problems), problem.expect);
      assert.match(diff.problems[0]?.message ?? '', problem.says);
      assert.throws(
        () => assertCompatible(OLD, newC),
        (err: unknown) =>
          err instanceof ByodaError &&
          err.code === 'BYODA_ERR_CONTRACT_INCOMPATIBLE' &&
          problem.says.test(err.message),
      );
    });
  }

  it('reports a renamed field as a removal plus an addition, and says it may be a rename', () => {
    const newC = nextVersion((_d, c) => {
      const fields = props(c.person);
      fields.years = fields.age;
      delete fields.age;
    });
    const diff = diffContracts(OLD, newC);
    assert.deepEqual(kinds(diff.problems), ['field-removed person.age']);
    assert.deepEqual(kinds(diff.additions), ['field-added person.years']);
    assert.match(
      diff.problems[0]?.message ?? '',
      /renamed to "years"\? a rename is a removal plus an addition/,
    );
  });

  it('reports a renamed class as a removal plus an addition', () => {
    const newC = nextVersion((doc, c) => {
      c.stream = c.timeline;
      delete c.timeline;
      ((doc.listen_relations as Json[])[0] as Json).feed_class = 'stream';
    });
    const diff = diffContracts(OLD, newC);
    assert.deepEqual(kinds(diff.problems), ['class-removed timeline']);
    assert.deepEqual(kinds(diff.additions), ['class-added stream']);
    assert.match(diff.problems[0]?.message ?? '', /class "timeline" was removed \(renamed to "stream"\?/);
  });

  it('names every problem in the error of assertCompatible', () => {
    const newC = nextVersion((doc, c) => {
      doc.version = 1;
      delete c.feed;
      props(c.person).age = { type: 'number' };
    });
    assert.throws(
      () => assertCompatible(OLD, newC),
      (err: unknown) => {
        assert.ok(err instanceof ByodaError);
        assert.equal(err.code, 'BYODA_ERR_CONTRACT_INCOMPATIBLE');
        assert.match(err.message, /\(3 problems\)/);
        assert.match(err.message, /version 1 is not greater/);
        assert.match(err.message, /class "feed" was removed/);
        assert.match(err.message, /field "person.age" changed type from integer to number/);
        return true;
      },
    );
  });

  it('finds the real addressbook compatible with itself only when the version grows', async () => {
    const addressbook = await loadSharedContract('addressbook');
    const same = diffContracts(addressbook, addressbook);
    assert.deepEqual(kinds(same.problems), ['version-not-greater version']);
    const next = parseContract({ ...addressbook.document, version: 2 });
    assert.equal(diffContracts(addressbook, next).compatible, true);
  });
});
